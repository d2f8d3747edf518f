"""Helpers shared by handlers: who and where an update is, the session it belongs to, and
sending or editing a screen without tripping over Telegram's edge cases."""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError
from telegram import InaccessibleMessage, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.callbacks import Callback
from bot.outbox import edit_html, send_html
from bot.screens import Screen
from bot.services import services
from bot.store import SessionKey
from bot.store.base import Transaction
from bot.texts import t
from dialogs import QuestionFlow, Session
from rules.i18n import LANGS, Lang, normalise_lang

log = logging.getLogger(__name__)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def thread_of(update: Update) -> int:
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return 0


def session_key(update: Update) -> SessionKey:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    return SessionKey(chat.id, user.id, thread_of(update))


def owner_of(update: Update) -> int | None:
    """The owner written into buttons: none in private chats, the user in groups."""
    if is_private(update):
        return None
    user = update.effective_user
    return user.id if user else None


async def current_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Lang:
    """The language to answer this update in (see `user_lang`), in a transaction of its own."""
    async with services(context).store.transaction() as tx:
        return await user_lang(tx, update)


async def refuse_foreign_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback | None
) -> bool:
    """In a group, a button drawn for someone else answers the presser with an alert only."""
    user = update.effective_user
    query = update.callback_query
    if data is None or data.owner is None or user is None or query is None:
        return False
    if data.owner == user.id:
        return False
    lang = await current_lang(update, context)
    await query.answer(t("not_your_button", lang), show_alert=True)
    return True


async def user_lang(tx: Transaction, update: Update) -> Lang:
    user = update.effective_user
    if user is None:
        return "en"
    stored = await tx.load_user(user.id)
    if stored and stored.lang in LANGS:
        return stored.lang  # type: ignore[return-value]
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        # A group's default language applies to members who never chose one themselves.
        group = await tx.load_chat(chat.id)
        if group is not None and group.lang in LANGS:
            return group.lang  # type: ignore[return-value]
    return normalise_lang(user.language_code)


async def load_session(
    tx: Transaction, flow: QuestionFlow, key: SessionKey, update: Update
) -> tuple[Session, bool]:
    """The user's session in this chat, or a new one; `existed` tells which.

    A stored session that no longer parses (hand-edited, or from an incompatible version) is
    replaced by a new one rather than crashing every update of that user.
    """
    stored = await tx.load_session(key)
    if stored is not None:
        try:
            return flow.resolve(Session.from_json(stored.data)), True
        except (ValidationError, ValueError):
            log.warning("unreadable session replaced", extra={"fields": {"chat": key.chat_id}})
    return flow.new_session(await user_lang(tx, update)), False


async def save_session(
    tx: Transaction, key: SessionKey, session: Session, *, finished: bool
) -> None:
    await tx.save_session(key, session.to_json(), finished=finished)


def last_result_json(session: Session, statuses: dict[str, str]) -> str:
    return json.dumps(
        {"answers": session.answers, "lang": session.lang, "statuses": statuses},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def is_group_chat(chat_id: int, chat_type: str | None) -> bool:
    return chat_type in {ChatType.GROUP, ChatType.SUPERGROUP}


async def send_screen(update: Update, context: ContextTypes.DEFAULT_TYPE, screen: Screen) -> None:
    chat = update.effective_chat
    assert chat is not None
    reply_to = None
    if not is_private(update) and update.effective_message is not None:
        # In groups the bot threads its reply to the person it is talking to.
        reply_to = update.effective_message.message_id
    thread = thread_of(update) or None
    # Pacing and retries after a 429 are the outbound limiter's (bot/pacing.py).
    await send_html(
        context.bot, chat.id, screen.text, screen.keyboard, thread_id=thread, reply_to=reply_to
    )


async def edit_screen(update: Update, context: ContextTypes.DEFAULT_TYPE, screen: Screen) -> None:
    """Edit the message whose button was pressed; fall back to a new message if it is gone."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        await send_screen(update, context, screen)
        return
    try:
        await edit_html(
            context.bot, message.chat.id, message.message_id, screen.text, screen.keyboard
        )
    except BadRequest as exc:
        text = str(exc).lower()
        if "not modified" in text:
            return
        if "not found" in text or "can't be edited" in text:
            await send_screen(update, context, screen)
            return
        raise
