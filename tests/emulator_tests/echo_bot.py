"""A small python-telegram-bot application used to exercise the emulator."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


def add_handlers(app: Application, seen: list[Any] | None = None) -> Application:
    seen = seen if seen is not None else []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="yes"),
              InlineKeyboardButton("No", callback_data="no")],
             [InlineKeyboardButton("Docs", url="https://example.org/docs")]]
        )
        name = update.effective_user.first_name if update.effective_user else "there"
        await update.effective_message.reply_text(
            f"Welcome, <b>{name}</b>! Ready?", parse_mode=ParseMode.HTML, reply_markup=keyboard,
            do_quote=update.effective_chat is not None and update.effective_chat.type != "private",
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        assert q is not None
        await q.answer(f"Got {q.data}")
        await q.edit_message_text(f"You chose <i>{q.data}</i>", parse_mode=ParseMode.HTML)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        assert msg is not None and msg.text is not None
        await msg.reply_text(f"echo: {msg.text}", do_quote=msg.chat.type != "private")

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.my_chat_member)

    async def any_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    app.add_handler(CommandHandler(["start", "check"], start))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.ALL, any_update), group=1)
    return app
