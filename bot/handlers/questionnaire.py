"""The questionnaire in Telegram: start, answer by button or by typing, back, change, restart,
summary and result.

Every handler follows the same shape: read and change the session inside one store transaction
(nothing awaited in between), commit, then talk to Telegram. So an answer the user sees
acknowledged is already on disk.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.group_settings import SENSITIVE_FIELDS, settings_of
from bot.handlers.common import (
    edit_screen,
    is_private,
    last_result_json,
    load_session,
    owner_of,
    refuse_foreign_button,
    save_session,
    send_screen,
    session_key,
)
from bot.logs import logged
from bot.outbox import send_html
from bot.screens import (
    Screen,
    answered_screen,
    choices_screen,
    parse_toggle,
    provisional_screens,
    question_screen,
    result_screens,
    summary_screen,
)
from bot.services import Services, services
from bot.store import SessionKey
from bot.texts import t
from bot.views.session import result_input
from dialogs import Provisional, QuestionFlow, Reply, Session
from rules.i18n import LANGS, Lang

log = logging.getLogger(__name__)

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
    """What to show for the session's current step (as in a private chat)."""
    step = flow.step(session)
    if step.kind == "question":
        return [question_screen(step, session.lang, owner, note)]
    if step.kind == "summary":
        return [summary_screen(flow, session, owner)]
    return _result_screens(svc, flow, session, owner)


def _result_screens(
    svc: Services, flow: QuestionFlow, session: Session, owner: int | None
) -> list[Screen]:
    inp = result_input(
        flow, session, today=svc.settings.today(), stale_days=svc.settings.stale_rules_days
    )
    return result_screens(inp, session, owner)


@dataclass(frozen=True, slots=True)
class Announcement:
    """A session finished privately after starting in a group that shows results."""

    chat_id: int
    thread_id: int
    lang: str
    schemes: tuple[str, ...]


def _matched_names(flow: QuestionFlow, session: Session) -> tuple[str, ...]:
    evaluation = flow.result(session)  # evaluated once per session (the flow remembers it)
    return tuple(dict.fromkeys(r.short_name for r in evaluation.with_status("match")))


async def _finish(tx, flow: QuestionFlow, update: Update, session: Session) -> Announcement | None:
    """Remember the statuses of a finished questionnaire (for /result and audiences); if it
    came from a group that shows results, say where to announce it."""
    evaluation = flow.result(session)
    statuses = {
        r.scheme + (f":{r.category}" if r.category else ""): r.status for r in evaluation.results
    }
    user = update.effective_user
    assert user is not None
    await tx.save_last_result(user.id, last_result_json(session, statuses))
    if not is_private(update):
        return None
    origin = await tx.pop_handoff(user.id)
    if origin is None:
        return None
    group = await tx.load_chat(origin[0])
    if group is None or not group.active or not settings_of(group).results_in_group:
        return None
    lang = group.lang or session.lang
    return Announcement(origin[0], origin[1], lang, _matched_names(flow, session))


async def _store_step(
    tx, flow: QuestionFlow, update: Update, session: Session, *, finished: bool | None = None
) -> Announcement | None:
    """Save the session; on reaching the result also remember it (`_finish`). `finished` is
    the flow's word for it when the caller has its reply."""
    if finished is None:
        finished = flow.state_of(session) == "result"
    await save_session(tx, session_key(update), session, finished=finished)
    if finished:
        return await _finish(tx, flow, update, session)
    return None


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


def _deep_link(svc: Services, payload: str) -> str:
    return f"https://t.me/{svc.bot_username}?start={payload}"


def handoff_payload(chat_id: int, thread_id: int) -> str:
    """A deep link that names the group, never the person or their answers."""
    return f"g{chat_id}_{thread_id}"


def parse_handoff(payload: str) -> tuple[int, int] | None:
    if not payload.startswith("g"):
        return None
    chat, _, thread = payload[1:].partition("_")
    try:
        return int(chat), int(thread or 0)
    except ValueError:
        return None


async def show_step(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    session: Session,
    *,
    note: str | None = None,
    edit: bool = False,
    announcement: Announcement | None = None,
) -> None:
    """Show the session's current step where the update came from.

    In a group, sensitive questions move the person to a private chat, and a result shows
    there only as scheme names (if the group allows it), with the details sent privately.
    """
    svc = services(context)
    flow = svc.flow
    owner = owner_of(update)
    step = flow.step(session)
    user = update.effective_user
    assert user is not None
    if owner is None:
        await _show(update, context, screens_for(svc, flow, session, None, note), edit=edit)
        if announcement is not None:
            await _announce(context, announcement, user.first_name)
        return
    lang = session.lang
    if step.kind == "question" and step.question and SENSITIVE_FIELDS & set(step.question.fields):
        key = session_key(update)
        button = InlineKeyboardButton(
            t("btn_continue_privately", lang),
            url=_deep_link(svc, handoff_payload(key.chat_id, key.thread_id)),
        )
        screen = Screen(t("group_handoff", lang, name=user.first_name),
                        InlineKeyboardMarkup([[button]]))  # fmt: skip
        await _show(update, context, [screen], edit=edit)
        return
    if step.kind == "result":
        await _group_result(update, context, session, edit=edit)
        return
    await _show(update, context, screens_for(svc, flow, session, owner, note), edit=edit)


async def _group_result(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, *, edit: bool
) -> None:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    async with svc.store.transaction() as tx:
        allowed = settings_of(await tx.load_chat(chat.id)).results_in_group
    lang = session.lang
    if allowed:
        names = _matched_names(svc.flow, session)
        key = "group_result" if names else "group_result_none"
        text = t(key, lang, name=user.first_name, schemes=", ".join(names))
    else:
        text = t("group_result_private", lang, name=user.first_name)
    button = InlineKeyboardButton(t("btn_see_privately", lang), url=_deep_link(svc, "result"))
    await _show(update, context, [Screen(text, InlineKeyboardMarkup([[button]]))], edit=edit)
    # The details go to the private chat, if the person has ever opened one with the bot.
    try:
        for screen in _result_screens(svc, svc.flow, session, None):
            await send_html(context.bot, user.id, screen.text, screen.keyboard)
    except Forbidden:
        pass


async def _announce(context: ContextTypes.DEFAULT_TYPE, what: Announcement, name: str) -> None:
    key = "group_result" if what.schemes else "group_result_none"
    lang = what.lang if what.lang in LANGS else "en"
    text = t(key, lang, name=name, schemes=", ".join(what.schemes))  # type: ignore[arg-type]
    try:
        await send_html(context.bot, what.chat_id, text, thread_id=what.thread_id or None)
    except (Forbidden, BadRequest):
        log.info("group announcement not delivered", extra={"fields": {"chat": what.chat_id}})


@logged("start")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start [payload]` and `/check`: greet, then begin or resume."""
    svc = services(context)
    flow = svc.flow
    payload = (context.args[0] if context.args else "").strip().lower()
    user = update.effective_user
    assert user is not None
    handoff = parse_handoff(payload) if is_private(update) else None
    if payload == "result" and is_private(update):
        await result(update, context)
        return
    moved = None
    async with svc.store.transaction() as tx:
        session, existed = await load_session(tx, flow, session_key(update), update)
        if handoff is not None:
            group_key = SessionKey(handoff[0], user.id, handoff[1])
            stored = await tx.load_session(group_key)
            moved = stored is not None
            if stored is not None:
                session = flow.resolve(Session.from_json(stored.data))
                await save_session(tx, session_key(update), session, finished=False)
                await tx.delete_session(group_key)
                await tx.save_handoff(user.id, handoff[0], handoff[1])
                existed = True
        if payload in DEEP_LINK_LANGS:
            session = flow.set_language(session, DEEP_LINK_LANGS[payload])
            await tx.save_user_lang(user.id, session.lang)
        if not existed or payload in DEEP_LINK_LANGS:
            await save_session(tx, session_key(update), session, finished=False)
        resumed = existed and bool(session.answers)
        quiet = (
            not is_private(update)
            and settings_of(await tx.load_chat(update.effective_chat.id)).quiet
        )
    lang = session.lang
    if moved:
        greeting = t("handoff_welcome", lang, name=user.first_name)
    elif moved is False:
        greeting = t("handoff_missing", lang)
    elif not is_private(update):
        greeting = None if quiet else t("group_welcome", lang, name=user.first_name)
    else:
        greeting = t("welcome_back" if resumed else "welcome", lang, name=user.first_name)
    if greeting:
        await send_screen(update, context, Screen(greeting))
    if payload and payload not in DEEP_LINK_LANGS and handoff is None:
        # t.me/BOT?start=ttps opens with that scheme's card (shared by advisers and channels).
        from bot.handlers.schemes import card_screens, find_card

        card = find_card(payload, lang)
        if card is not None:
            for screen in card_screens(card, lang):
                await send_screen(update, context, screen)
    await show_step(update, context, session)


@dataclass(frozen=True, slots=True)
class _Press:
    """What a button press did to the session, decided in its transaction; `_show_press`
    shows it. `stale`: the button no longer applies (the current step is shown again)."""

    session: Session
    state_before: str
    stale: bool = False
    reply: Reply | None = None  # an answer: what the flow says happened
    moved: bool = False  # back, restart, change or jump: the session moved
    ticks: int | None = None  # a checklist line toggled: the keyboard's new ticks
    provisional: Provisional | None = None  # "see my result now"
    announcement: Announcement | None = None


async def _apply_press(tx, flow: QuestionFlow, update: Update, data: cb.Callback | None) -> _Press:
    """Load the session, apply the press through the flow, save what changed (once)."""
    session, _ = await load_session(tx, flow, session_key(update), update)
    state = flow.state_of(session)
    if data is None or data.revision != session.revision:
        return _Press(session, state, stale=True)
    if data.action == cb.ANSWER and data.arg1 == state:
        toggle = parse_toggle(data.arg2) if _is_checklist(flow, state) else None
        if toggle is not None:
            # A checklist line: only the keyboard changes; the ticks are submitted by Done.
            line, mask = toggle
            if 0 <= line < len(flow.by_id[state].checklist):
                return _Press(session, state, ticks=mask ^ (1 << line))
            return _Press(session, state, stale=True)
        reply = flow.answer(session, key=data.arg2)
        if reply.accepted:
            announcement = await _store_step(
                tx, flow, update, reply.session, finished=reply.finished
            )
            return _Press(reply.session, state, reply=reply, announcement=announcement)
        if reply.buttons:
            return _Press(session, state, reply=reply)
        return _Press(session, state, stale=True)
    if data.action in (cb.CHANGE, cb.JUMP):
        # change an answer, or answer just one question "see my result now" offered
        move = flow.change if data.action == cb.CHANGE else flow.jump
        try:
            moved = move(session, data.arg1)
        except ValueError:
            return _Press(session, state, stale=True)
        await save_session(tx, session_key(update), moved, finished=False)
        return _Press(moved, state, moved=True)
    if data.action == cb.NAV and data.arg1 == "now" and state in flow.by_id:
        # The result so far; the session (and /result's last finished result) unchanged.
        return _Press(session, state, provisional=flow.provisional(session))
    if data.action == cb.NAV:
        moved, handled = _navigate(flow, session, data.arg1)
        if not handled:
            return _Press(session, state, stale=True)
        announcement = await _store_step(tx, flow, update, moved)
        return _Press(moved, state, moved=True, announcement=announcement)
    return _Press(session, state, stale=True)


@logged("answer_button")
async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    data = cb.decode(query.data)
    if await refuse_foreign_button(update, context, data):
        return
    async with services(context).store.transaction() as tx:
        press = await _apply_press(tx, services(context).flow, update, data)
    await _show_press(update, context, press)


async def _show_press(update: Update, context: ContextTypes.DEFAULT_TYPE, press: _Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    flow = svc.flow
    owner = owner_of(update)
    session = press.session
    lang = session.lang
    if press.stale:
        await query.answer(t("button_expired_alert", lang))
        await send_screen(update, context, Screen(t("button_expired", lang)))
        await show_step(update, context, session)
        return
    await query.answer()
    if press.provisional is not None:
        inp = result_input(
            flow,
            session,
            today=svc.settings.today(),
            stale_days=svc.settings.stale_rules_days,
            provisional=True,
            evaluation=press.provisional.evaluation,
        )
        screens = provisional_screens(inp, press.provisional, session, press.state_before, owner)
        await _show(update, context, screens, edit=False)
        return
    if press.ticks is not None:
        step = flow.step(session)
        await edit_screen(update, context, question_screen(step, lang, owner, mask=press.ticks))
        return
    reply = press.reply
    if reply is not None and not reply.accepted:
        current = flow.step(session)
        screen = choices_screen(reply.message or "", reply.buttons, current, lang, owner)
        await send_screen(update, context, screen)
        return
    note = reply.message if reply is not None else None
    if reply is not None and reply.finished and reply.answered is not None:
        # Keep the last question readable above the result instead of overwriting it.
        question = flow.by_id[reply.answered]
        label = flow.answer_label(reply.answered, session.answers.get(reply.answered), lang)
        await edit_screen(update, context, answered_screen(question.prompt[lang], label, lang))
        await show_step(update, context, session, note=note, announcement=press.announcement)
        return
    await show_step(update, context, session, note=note, edit=True, announcement=press.announcement)


def _is_checklist(flow: QuestionFlow, state: str) -> bool:
    question = flow.by_id.get(state)
    return question is not None and question.kind == "multi"


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
    await answer_typed(update, context, message.text)


async def answer_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, *, must_exist: bool = False
) -> bool:
    """Apply a typed answer; with `must_exist`, only to a session already started here.
    Returns False when there was no such session (nothing was sent)."""
    svc = services(context)
    flow = svc.flow
    owner = owner_of(update)
    announcement = None
    message = update.effective_message
    assert message is not None
    key = session_key(update)
    async with svc.store.transaction() as tx:
        session, existed = await load_session(tx, flow, key, update)
        if must_exist and not existed:
            return False
        answered = await tx.answer_message(key, message.message_id)
        if update.edited_message is not None:
            edit = await _apply_edit(tx, flow, update, session, answered, text)
            session = edit.session
        elif answered is not None:
            edit = _Edit(session, "again")  # handled before (a resend): not applied twice
        else:
            edit = None
        step = flow.step(session)
        reply = None
        if edit is None and step.kind == "question" and len(text) <= MAX_ANSWER_CHARS:
            reply = flow.answer(session, text=text)
            if reply.accepted:
                session = reply.session
                announcement = await _store_step(tx, flow, update, session, finished=reply.finished)
                await tx.save_answer_message(key, message.message_id, step.question.id)
    lang = session.lang
    if edit is not None:
        if edit.outcome != "again":
            await send_screen(update, context, Screen(edit.text(lang)))
        await show_step(update, context, session)
        return True
    if step.kind != "question":
        await send_screen(update, context, Screen(t("use_buttons", lang)))
        return True
    if reply is None:
        too_long = t("text_too_long", lang, length=len(text), limit=MAX_ANSWER_CHARS)
        await send_screen(update, context, Screen(too_long))
        await show_step(update, context, session)
        return True
    if reply.accepted:
        await show_step(update, context, session, note=reply.message, announcement=announcement)
    elif reply.buttons:
        screen = choices_screen(reply.message or "", reply.buttons, step, lang, owner)
        await send_screen(update, context, screen)
    else:
        await show_step(update, context, session, note=reply.message)
    return True


@dataclass(frozen=True)
class _Edit:
    """What an edited message did: `changed` the answer it had given, `invalid` (the new text
    does not answer that question), `declined` (it answered nothing that is still there), or
    `again` (a message handled before)."""

    session: Session
    outcome: str
    label: str = ""
    answer: str = ""
    problem: str = ""

    def text(self, lang: Lang) -> str:
        if self.outcome == "changed":
            return t("edit_changed", lang, label=self.label, answer=self.answer)
        if self.outcome == "invalid":
            return t("edit_invalid", lang, label=self.label, problem=self.problem)
        return t("edit_declined", lang)


async def _apply_edit(
    tx, flow: QuestionFlow, update: Update, session: Session, qid: str | None, text: str
) -> _Edit:
    """Telegram sends `edited_message` when a person edits a message. If it was a typed answer,
    the edit changes that answer (later answers are kept); it never answers another question."""
    if qid is None or qid not in session.answers or len(text) > MAX_ANSWER_CHARS:
        return _Edit(session, "declined")
    try:
        at_question = flow.change(session, qid)
    except ValueError:
        return _Edit(session, "declined")
    label = flow.by_id[qid].label[session.lang]
    reply = flow.answer(at_question, text=text, key=None)
    if not reply.accepted or reply.buttons:
        return _Edit(session, "invalid", label=label, problem=reply.message or "")
    changed = reply.session
    await _store_step(tx, flow, update, changed, finished=reply.finished)
    answer = flow.answer_label(qid, changed.answers[qid], changed.lang)
    return _Edit(changed, "changed", label=label, answer=answer)


async def _apply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, intro_key: str | None = None
) -> None:
    svc = services(context)
    flow = svc.flow
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, flow, session_key(update), update)
        could_go_back = flow.step(session).can_go_back
        session, _ = _navigate(flow, session, action)
        announcement = await _store_step(tx, flow, update, session)
    lang = session.lang
    if action == "back" and not could_go_back:
        await send_screen(update, context, Screen(t("nothing_to_go_back_to", lang)))
    if intro_key:
        await send_screen(update, context, Screen(t(intro_key, lang)))
    if action == "summary":
        await send_screen(update, context, summary_screen(flow, session, owner_of(update)))
        return
    await show_step(update, context, session, announcement=announcement)


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
        session, _ = await load_session(tx, flow, session_key(update), update)
        if flow.step(session).kind != "result":
            stored = await tx.load_user(user.id)
            session = _session_from_last_result(flow, stored.last_result if stored else None,
                                                session)  # fmt: skip
    if session is None:
        lang = flow.new_session(user.language_code or "en").lang
        await send_screen(update, context, Screen(t("no_result_yet", lang)))
        return
    for screen in _result_screens(svc, flow, session, owner_of(update)):
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
