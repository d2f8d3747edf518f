"""Deadline reminders in Telegram: the "Remind me" button under a result, `/reminders` (list and
cancel with buttons). Private chats only: a reminder is a personal message."""

from __future__ import annotations

import contextlib
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.handlers.common import (
    current_lang,
    edit_screen,
    is_private,
    load_session,
    send_screen,
    session_key,
)
from bot.handlers.questionnaire import _session_from_last_result
from bot.logs import logged
from bot.reminders import REMINDERS_KEY, dated_matches, scheme_names, specs_for
from bot.screens import Screen
from bot.services import services
from bot.store.reminders import Reminder
from bot.texts import t
from bot.views.result import date_words, key_of
from bot.views.session import fingerprint, result_input
from rules.i18n import Lang

ALERT_MAX = 200  # Telegram's limit for a callback answer's text


def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = context.application.bot_data.get(REMINDERS_KEY)
    if sender is not None:
        sender.wake()


def _days_words(days: list[int], lang: Lang) -> str:
    return t("names_sep", lang).join(str(d) for d in days)


@logged("remind_button")
async def remind_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = cb.decode(query.data)
    svc = services(context)
    lang = await current_lang(update, context)
    if data is None or not is_private(update):
        await query.answer(t("result_button_expired", lang), show_alert=True)
        return
    if data.arg1 in ("x", "xa"):
        await _cancel(update, context, data.arg2 if data.arg1 == "x" else None, lang)
        return
    flow = svc.flow
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, flow, session_key(update), update)
        stored = await tx.load_user(user.id)
        last = _session_from_last_result(flow, stored.last_result if stored else None, session)
    target = next(
        (s for s in (session, last) if s is not None and fingerprint(s) == data.revision), None
    )
    if target is None or data.arg1 != "add":
        await query.answer(t("result_button_expired", lang), show_alert=True)
        return
    today = svc.settings.today()
    inp = result_input(flow, target, today=today, stale_days=svc.settings.stale_rules_days)
    dated = dated_matches(inp.evaluation)
    specs = specs_for(dated, svc.settings.reminder_days, today)
    if not specs:
        await query.answer(t("remind_too_late", lang), show_alert=True)
        return
    async with svc.store.transaction() as tx:
        await tx.add_reminders(user.id, lang, specs)
    _wake(context)
    schemes = {s.scheme for s in specs}
    names = t("names_sep", lang).join(
        f"{r.short_name} ({date_words(r.apply_by, lang)})"  # type: ignore[arg-type]
        for r in dated
        if key_of(r) in schemes
    )
    days = sorted({s.days_before for s in specs}, reverse=True)
    text = t("remind_set", lang, days=_days_words(days, lang), names=names)
    if len(text) > ALERT_MAX:
        text = t("remind_set_short", lang, n=len(schemes))
    await query.answer(text, show_alert=True)
    await _mark_pressed(update, context, lang)


async def _mark_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: Lang) -> None:
    """The result's button says the reminders are set (the result stays the last message)."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if query is None or message is None or markup is None:
        return
    rows = []
    for row in markup.inline_keyboard:
        rows.append([
            InlineKeyboardButton(t("btn_remind_set", lang), callback_data=b.callback_data)
            if b.callback_data == query.data else b
            for b in row
        ])  # fmt: skip
    if rows == [list(r) for r in markup.inline_keyboard]:
        return
    with contextlib.suppress(TelegramError):  # gone: the reminders are set all the same
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


def _groups(reminders: list[Reminder]) -> dict[tuple[str, str], list[Reminder]]:
    out: dict[tuple[str, str], list[Reminder]] = {}
    for r in reminders:
        out.setdefault((r.scheme, r.deadline), []).append(r)
    return out


def reminders_screen(reminders: list[Reminder], lang: Lang, today: date, note: str = "") -> Screen:
    """The person's pending reminders, one line per scheme and deadline, with cancel buttons."""
    head = [note, ""] if note else []
    if not reminders:
        return Screen("\n".join([*head, t("reminders_none", lang)]))
    lines = [*head, t("reminders_title", lang)]
    rows = []
    for (scheme, deadline), items in _groups(reminders).items():
        short, _name = scheme_names(scheme, lang, today)
        when = t("names_sep", lang).join(
            date_words(date.fromisoformat(r.due), lang) for r in sorted(items, key=lambda r: r.due)
        )
        lines.append(
            t("reminders_row", lang, short=short,
              date=date_words(date.fromisoformat(deadline), lang), when=when)
        )  # fmt: skip
        data = cb.Callback(cb.REMIND, None, None, "x", scheme).encode()
        rows.append([InlineKeyboardButton(t("btn_reminder_cancel", lang, short=short),
                                          callback_data=data)])  # fmt: skip
    if len(rows) > 1:
        data = cb.Callback(cb.REMIND, None, None, "xa").encode()
        rows.append([InlineKeyboardButton(t("btn_reminders_cancel_all", lang), callback_data=data)])
    return Screen("\n".join(lines), InlineKeyboardMarkup(rows))


@logged("reminders")
async def reminders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    svc = services(context)
    lang = await current_lang(update, context)
    async with svc.store.transaction() as tx:
        pending = await tx.user_reminders(user.id)
    await send_screen(update, context, reminders_screen(pending, lang, svc.settings.today()))


async def _cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, scheme: str | None, lang: Lang
) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    svc = services(context)
    async with svc.store.transaction() as tx:
        removed = await tx.cancel_reminders(user.id, scheme or None)
        pending = await tx.user_reminders(user.id)
    await query.answer()
    note = t("reminders_cancelled", lang) if removed else t("reminders_none_cancelled", lang)
    await edit_screen(update, context, reminders_screen(pending, lang, svc.settings.today(), note))
