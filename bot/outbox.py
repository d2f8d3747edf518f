"""Sending and editing messages without building python-telegram-bot objects from the answer.

The bot never reads the Message that Telegram returns for a send or an edit, yet parsing it
(with its inline keyboard) was the largest single cost of handling an update (bench/bench_bot.py).
`Bot.do_api_request` without a return type skips that parsing; errors are raised exactly as by
`send_message` (BadRequest, Forbidden, RetryAfter, ...).
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.warnings import PTBUserWarning

# do_api_request advises using the typed method for known endpoints; skipping the typed method's
# parsing is the point here.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

NO_PREVIEW = {"is_disabled": True}


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": NO_PREVIEW,
    }
    if keyboard is not None:
        kwargs["reply_markup"] = keyboard
    if thread_id:
        kwargs["message_thread_id"] = thread_id
    if reply_to:
        kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    return await bot.do_api_request("sendMessage", api_kwargs=kwargs)


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Any:
    kwargs: dict[str, Any] = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": NO_PREVIEW,
    }
    if keyboard is not None:
        kwargs["reply_markup"] = keyboard
    return await bot.do_api_request("editMessageText", api_kwargs=kwargs)
