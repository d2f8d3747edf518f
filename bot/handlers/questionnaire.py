"""The questionnaire in Telegram: start, answer by button or by typing, back, change, restart,
summary and result.

Every handler follows the same shape: read and change the session inside one store transaction
(nothing awaited in between), commit, then talk to Telegram. So an answer the user sees
acknowledged is already on disk.
"""

from __future__ import annotations

import json

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.handlers.common import (
    edit_screen,
    last_result_json,
    load_session,
    owner_of,
    save_session,
    send_screen,
    session_key,
)
from bot.logs import logged
from bot.screens import (
    Screen,
    answered_screen,
    choices_screen,
    question_screen,
    result_screens,
    summary_screen,
)
from bot.services import Services, services
from bot.texts import t
from dialogs import QuestionFlow, Session
from rules.profile import today_in_hong_kong

MAX_ANSWER_CHARS = 500
# /start payloads that choose a language (t.me/BOT?start=zh-hant).
DEEP_LINK_LANGS = {
    "en": "en",
    "zh-hant": "zh-hant",
    "zh_hant": "zh-hant",
    "zh-hans": "zh-hans",
    "zh_hans": "zh-hans",
    "zh": "zh-hans",
}


def screens_for(
    svc: Services, flow: QuestionFlow, session: Session, owner: int | None, note: str | None = None
) -> list[Screen]:
    """What to show for the session's current step."""
    step = flow.step(session)
    if step.kind == "question":
        return [question_screen(step, session.lang, owner, note)]
    if step.kind == "summary":
        return [summary_screen(flow, session, owner)]
    evaluation = flow.result(session)
    return result_screens(
        evaluation,
        session,
        owner,
        today=today_in_hong_kong(),
        stale_days=svc.settings.stale_rules_days,
    )


def _finish(tx, flow: QuestionFlow, update: Update, session: Session) -> None:
    """Remember the statuses of a finished questionnaire (for /result and audiences)."""
    evaluation = flow.result(session)
    statuses = {
        r.scheme + (f":{r.category}" if r.category else ""): r.status for r in evaluation.results
    }
    assert update.effective_user is not None
    tx.save_last_result(update.effective_user.id, last_result_json(session, statuses))


async def _show(
    update: Update, context: ContextTypes.DEFAULT_TYPE, screens: list[Screen], *, edit: bool
) -> None:
    first, *rest = screens
    if edit:
        await edit_screen(update, context, first)
    else:
        await send_screen(update, context, first)
    for screen in rest:
        await send_screen(update, context, screen)


def _store_step(tx, flow: QuestionFlow, update: Update, session: Session) -> None:
    finished = flow.state_of(session) == "result"
    save_session(tx, session_key(update), session, finished=finished)
    if finished:
        _finish(tx, flow, update, session)


@logged("start")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start [payload]` and `/check`: greet, then begin or resume."""
    svc = services(context)
    flow = svc.flow
    payload = (context.args[0] if context.args else "").strip().lower()
    user = update.effective_user
    assert user is not None
    async with svc.store.transaction() as tx:
        session, existed = load_session(tx, flow, session_key(update), update)
        if payload in DEEP_LINK_LANGS:
            session = flow.set_language(session, DEEP_LINK_LANGS[payload])
            tx.save_user_lang(user.id, session.lang)
        if not existed or payload in DEEP_LINK_LANGS:
            save_session(tx, session_key(update), session, finished=False)
        resumed = existed and bool(session.answers)
    greeting = "welcome_back" if resumed else "welcome"
    await send_screen(update, context, Screen(t(greeting, session.lang, name=user.first_name)))
    if payload and payload not in DEEP_LINK_LANGS:
        # t.me/BOT?start=ttps opens with that scheme's card (shared by advisers and channels).
        from bot.handlers.schemes import card_screens, find_card

        card = find_card(payload, session.lang)
        if card is not None:
            for screen in card_screens(card, session.lang):
                await send_screen(update, context, screen)
    await _show(update, context, screens_for(svc, flow, session, owner_of(update)), edit=False)


@logged("answer_button")
async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    data = cb.decode(query.data)
    svc = services(context)
    flow = svc.flow
    if data is not None and data.owner is not None and data.owner != update.effective_user.id:
        async with svc.store.transaction() as tx:
            lang = load_session(tx, flow, session_key(update), update)[0].lang
        await query.answer(t("not_your_button", lang), show_alert=True)
        return

    note = None
    stale = False
    choices = None
    async with svc.store.transaction() as tx:
        session, _ = load_session(tx, flow, session_key(update), update)
        state_before = flow.state_of(session)
        if data is None or data.revision != session.revision:
            stale = True
        elif data.action == cb.ANSWER and data.arg1 == state_before:
            reply = flow.answer(session, key=data.arg2)
            if reply.accepted:
                session = reply.session
                note = reply.message
                _store_step(tx, flow, update, session)
            elif reply.buttons:
                choices = (reply.message or "", reply.buttons)
            else:
                stale = True
        elif data.action == cb.CHANGE:
            try:
                session = flow.change(session, data.arg1)
            except ValueError:
                stale = True
            else:
                save_session(tx, session_key(update), session, finished=False)
        elif data.action == cb.NAV:
            session, handled = _navigate(flow, session, data.arg1)
            stale = not handled
            if handled:
                _store_step(tx, flow, update, session)
        else:
            stale = True

    owner = owner_of(update)
    lang = session.lang
    if stale:
        await query.answer(t("button_expired_alert", lang))
        await send_screen(update, context, Screen(t("button_expired", lang)))
        await _show(update, context, screens_for(svc, flow, session, owner), edit=False)
        return
    await query.answer()
    if choices is not None:
        message, buttons = choices
        current = flow.step(session)
        await send_screen(update, context, choices_screen(message, buttons, current, lang, owner))
        return
    screens = screens_for(svc, flow, session, owner, note)
    if flow.state_of(session) == "result" and state_before not in {"result", "summary"}:
        # Keep the last question readable above the result instead of overwriting it.
        question = flow.by_id[state_before]
        label = flow.answer_label(state_before, session.answers.get(state_before), lang)
        await edit_screen(update, context, answered_screen(question.prompt[lang], label, lang))
        await _show(update, context, screens, edit=False)
        return
    await _show(update, context, screens, edit=True)


def _navigate(flow: QuestionFlow, session: Session, action: str) -> tuple[Session, bool]:
    if action == "back":
        return flow.back(session), True
    if action == "restart":
        return flow.restart(session), True
    if action in {"summary", "current"}:
        return session, True
    return session, False


@logged("answer_text")
async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    svc = services(context)
    flow = svc.flow
    owner = owner_of(update)
    text = message.text
    async with svc.store.transaction() as tx:
        session, _ = load_session(tx, flow, session_key(update), update)
        step = flow.step(session)
        reply = None
        if step.kind == "question" and len(text) <= MAX_ANSWER_CHARS:
            reply = flow.answer(session, text=text)
            if reply.accepted:
                session = reply.session
                _store_step(tx, flow, update, session)
    lang = session.lang
    if step.kind != "question":
        await send_screen(update, context, Screen(t("use_buttons", lang)))
        return
    if reply is None:
        too_long = t("text_too_long", lang, length=len(text), limit=MAX_ANSWER_CHARS)
        await send_screen(update, context, Screen(too_long))
        await _show(update, context, screens_for(svc, flow, session, owner), edit=False)
        return
    if reply.accepted:
        await _show(update, context, screens_for(svc, flow, session, owner, reply.message),
                    edit=False)  # fmt: skip
    elif reply.buttons:
        screen = choices_screen(reply.message or "", reply.buttons, step, lang, owner)
        await send_screen(update, context, screen)
    else:
        await _show(update, context, screens_for(svc, flow, session, owner, reply.message),
                    edit=False)  # fmt: skip


async def _apply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, intro_key: str | None = None
) -> None:
    svc = services(context)
    flow = svc.flow
    async with svc.store.transaction() as tx:
        session, _ = load_session(tx, flow, session_key(update), update)
        before = flow.step(session)
        session, _ = _navigate(flow, session, action)
        _store_step(tx, flow, update, session)
    lang = session.lang
    if action == "back" and not before.can_go_back:
        await send_screen(update, context, Screen(t("nothing_to_go_back_to", lang)))
    if intro_key:
        await send_screen(update, context, Screen(t(intro_key, lang)))
    if action == "summary":
        await send_screen(update, context, summary_screen(flow, session, owner_of(update)))
        return
    await _show(update, context, screens_for(svc, flow, session, owner_of(update)), edit=False)


@logged("back")
async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _apply(update, context, "back")


@logged("restart")
async def restart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _apply(update, context, "restart", "restarted")


@logged("summary")
async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _apply(update, context, "summary")


@logged("result")
async def result(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last result again: the finished session here, else the last finished one anywhere."""
    svc = services(context)
    flow = svc.flow
    user = update.effective_user
    assert user is not None
    async with svc.store.transaction() as tx:
        session, _ = load_session(tx, flow, session_key(update), update)
        if flow.step(session).kind != "result":
            stored = tx.load_user(user.id)
            session = _session_from_last_result(flow, stored.last_result if stored else None,
                                                session)  # fmt: skip
    if session is None:
        lang = flow.new_session(user.language_code or "en").lang
        await send_screen(update, context, Screen(t("no_result_yet", lang)))
        return
    screens = result_screens(
        flow.result(session),
        session,
        owner_of(update),
        today=today_in_hong_kong(),
        stale_days=svc.settings.stale_rules_days,
    )
    for screen in screens:
        await send_screen(update, context, screen)


def _session_from_last_result(
    flow: QuestionFlow, raw: str | None, current: Session
) -> Session | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
        candidate = Session(lang=current.lang, answers=data["answers"])
    except (ValueError, KeyError, TypeError):
        return None
    return flow.resolve(candidate)
