"""The Telegram side of "tell me if my result changes": the button under a result, /followup,
and the admins' confirm / discard buttons on a re-evaluation preview."""

from __future__ import annotations

import json

from telegram import InaccessibleMessage, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.broadcast import BROADCAST_KEY
from bot.broadcast.views import job_screen
from bot.followup.buttons import stop_row
from bot.followup.notices import preview_screen
from bot.followup.service import confirm, discard, summary_of
from bot.handlers.common import current_lang, edit_screen, load_session, send_screen, session_key
from bot.logs import logged
from bot.outbox import send_html
from bot.screens import Screen
from bot.services import services
from bot.store.broadcasts import PENDING
from bot.texts import t
from bot.views.session import fingerprint
from rules import evaluate_profile
from rules.diff import snapshot


async def _lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await current_lang(update, context)


@logged("followup")
async def followup_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/followup: whether answers are kept for re-evaluation, with a button to stop."""
    user = update.effective_user
    assert user is not None
    lang = await _lang(update, context)
    async with services(context).store.transaction() as tx:
        kept = await tx.load_followup(user.id)
    if kept is None or not kept.active:
        await send_screen(update, context, Screen(t("fu_status_off_text", lang)))
        return
    text = t("fu_status_on_text", lang, date=kept.given_on)
    await send_screen(update, context, Screen(text, InlineKeyboardMarkup([stop_row(lang)])))


@logged("followup_button")
async def followup_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = cb.decode(query.data)
    lang = await _lang(update, context)
    if data is None or data.owner is not None:
        await query.answer(t("button_expired_alert", lang))
        return
    if data.arg1 in ("ok", "no"):
        await _admin_decision(update, context, lang, data)
    elif data.arg1 == "on":
        await _opt_in(update, context, lang, data.revision)
    elif data.arg1 == "off":
        svc = services(context)
        async with svc.store.transaction() as tx:
            await tx.stop_followup(user.id)
        await query.answer()
        days = svc.settings.session_retention_days
        await send_screen(update, context, Screen(t("fu_off_done", lang, days=days)))
    else:
        await query.answer(t("button_expired_alert", lang))


async def _opt_in(update: Update, context, lang: str, answers: int | None) -> None:
    """Keep the answers the pressed result was drawn from (the current session's, or the last
    finished one's) with today's date and the result shown for them."""
    from bot.handlers.questionnaire import _session_from_last_result  # the handler's helper

    query = update.callback_query
    user = update.effective_user
    svc = services(context)
    flow = svc.flow
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, flow, session_key(update), update)
        stored = await tx.load_user(user.id)
    last = _session_from_last_result(flow, stored.last_result if stored else None, session)
    target = next(
        (s for s in (session, last)
         if s is not None and fingerprint(s) == answers and flow.step(s).kind == "result"),
        None,
    )  # fmt: skip
    if target is None:
        await query.answer(t("result_button_expired", lang), show_alert=True)
        return
    today = svc.settings.today()
    profile = flow.profile(target, today)
    state = snapshot(evaluate_profile(profile, target.lang))
    async with svc.store.transaction() as tx:
        await tx.save_followup(user.id, target.lang, profile.model_dump_json(exclude_none=True),
                               today.isoformat(), json.dumps(state))  # fmt: skip
    await query.answer()
    text = t("fu_on_done", target.lang, date=today.isoformat())
    await send_screen(update, context, Screen(text, InlineKeyboardMarkup([stop_row(target.lang)])))


async def _admin_decision(update: Update, context, lang: str, data: cb.Callback) -> None:
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    svc = services(context)
    async with svc.store.transaction() as tx:
        admin = user.id in svc.settings.bot_admin_ids or user.id in await tx.admin_ids()
    if not admin or data.revision is None:  # forged: only admins are sent these buttons
        await query.answer(t("button_expired_alert", lang))
        return
    run_id = data.revision
    if data.arg1 == "ok":
        result, job = await confirm(svc.store, run_id, user.id, chat.id)
    else:
        result, job = await discard(svc.store, run_id), None
    async with svc.store.transaction() as tx:
        await tx.audit(user.id, f"followup_{data.arg1}", f"run #{run_id}", result)
    if result != "ok":
        await query.answer(t("fu_already", lang, status=result), show_alert=True)
        return
    await query.answer()
    summary = await summary_of(svc.store, run_id)
    head = preview_screen(run_id, summary, lang, buttons=False).text
    done = t("fu_confirmed", lang, job=job.id if job else 0) if job else t("fu_discarded", lang)
    message = query.message
    if message is not None and not isinstance(message, InaccessibleMessage):
        await edit_screen(update, context, Screen(f"{head}\n\n{done}"))
    if job is not None:
        screen = job_screen(job, {PENDING: job.total}, lang)
        sent = await send_html(context.bot, chat.id, screen.text, screen.keyboard)
        async with svc.store.transaction() as tx:
            await tx.update_broadcast(job.id, progress_message_id=sent["message_id"])
        sender = context.application.bot_data.get(BROADCAST_KEY)
        if sender is not None:
            sender.wake()
