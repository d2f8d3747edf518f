"""What nobody else handles: other kinds of message, unknown commands, and errors."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.common import is_private, load_session, send_screen, session_key
from bot.handlers.questionnaire import show_step
from bot.logs import logged, update_kind
from bot.screens import Screen
from bot.services import services
from bot.texts import t
from dialogs import Session

log = logging.getLogger(__name__)


async def _current_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Session:
    svc = services(context)
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, svc.flow, session_key(update), update)
    return session


@logged("unsupported_message")
async def unsupported_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files…: say what works, then show the current question."""
    session = await _current_session(update, context)
    await send_screen(update, context, Screen(t("unsupported_message", session.lang)))
    await show_step(update, context, session)


@logged("unknown_command")
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, svc.flow, session_key(update), update)
    await send_screen(update, context, Screen(t("unknown_command", session.lang)))


async def edited_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited command or non-text message (Telegram sends `edited_message` for every edit):
    it runs nothing again — an edited /restart must not restart. A private chat is told how to
    change an answer; a group is not disturbed."""
    await _edited_other(update, context)
    raise ApplicationHandlerStop  # outside `logged`, which would count it as an error


@logged("edited_other")
async def _edited_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if is_private(update) and message is not None and message.text:
        session = await _current_session(update, context)
        await send_screen(update, context, Screen(t("edit_declined", session.lang)))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error (never the answers), apologise, and show where the user was."""
    log.error(
        "handler failed",
        exc_info=context.error,
        extra={"fields": {"kind": update_kind(update),
                          "update_id": getattr(update, "update_id", None)}},
    )  # fmt: skip
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_user is None:
        return
    if update.callback_query is not None:
        # The handler may have answered the query already: Telegram refuses a second answer
        # ("query is too old"), and that must not stop the apology.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        session = await _current_session(update, context)
        await send_screen(update, context, Screen(t("internal_error", session.lang)))
        if is_private(update) or update.callback_query is not None:
            await show_step(update, context, session)
    except Exception:  # the apology itself failed: nothing more to do than log it
        log.exception("error handler failed")
