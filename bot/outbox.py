"""Sending and editing messages without building python-telegram-bot objects from the answer.

The bot never reads the Message that Telegram returns for a send or an edit, yet parsing it
(with its inline keyboard) was the largest single cost of handling an update (bench/bench_bot.py).
`Bot.do_api_request` without a return type skips that parsing; errors are raised exactly as by
`send_message` (BadRequest, Forbidden, ...). Pacing and 429 retries are the outbound limiter's
(bot/pacing.py), which every request passes.

Keyboards go out as plain JSON-ready dicts (`markup`): python-telegram-bot's generic `to_dict`
walk over every button's attributes cost more than the rest of sending. The questionnaire's own
sends and edits go further and pass every structured parameter as its JSON text (`markup_json`):
python-telegram-bot sends a string parameter as it is, while for any other value it walks it for
files and encodes it with `json.dumps` on every request, which was a fifth of a send's cost.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.warnings import PTBUserWarning

# do_api_request advises using the typed method for known endpoints; skipping the typed method's
# parsing is the point here.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

NO_PREVIEW = {"is_disabled": True}
NO_PREVIEW_JSON = json.dumps(NO_PREVIEW)

# Anything but text, callback_data and url sends the button through PTB's own to_dict.
_OTHER = attrgetter(
    "login_url", "switch_inline_query", "switch_inline_query_current_chat", "callback_game",
    "pay", "web_app", "switch_inline_query_chosen_chat", "copy_text", "style",
    "icon_custom_emoji_id",
)  # fmt: skip


def _button(b: InlineKeyboardButton) -> dict[str, Any]:
    data = b.callback_data
    plain = (data is None or isinstance(data, str)) and not b.api_kwargs
    if not plain or any(v is not None for v in _OTHER(b)):
        return b.to_dict()
    out: dict[str, Any] = {"text": b.text}
    if data is not None:
        out["callback_data"] = data
    if b.url is not None:
        out["url"] = b.url
    return out


@dataclass(frozen=True, slots=True)
class Key:
    """An inline button with text and callback data (or a URL) as plain data. The questionnaire
    draws ten or more of these on every update; python-telegram-bot's `InlineKeyboardButton`
    costs more to build, and to turn back into JSON, than the rest of the screen."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Keyboard:
    """An inline keyboard of `Key`s (python-telegram-bot buttons may be mixed in), read like
    `InlineKeyboardMarkup` (`inline_keyboard`: rows of buttons with `text`, `callback_data`,
    `url`)."""

    inline_keyboard: tuple[tuple[Key | InlineKeyboardButton, ...], ...]

    @classmethod
    def of(cls, rows: list[list[Key | InlineKeyboardButton]]) -> Keyboard:
        return cls(tuple(tuple(row) for row in rows))


def _key(b: Key | InlineKeyboardButton) -> dict[str, Any]:
    if type(b) is not Key:
        return _button(b)  # type: ignore[arg-type]
    if b.url is not None:
        return {"text": b.text, "url": b.url}
    return {"text": b.text, "callback_data": b.callback_data}


AnyKeyboard = InlineKeyboardMarkup | Keyboard | dict[str, Any]


def markup(keyboard: AnyKeyboard | None) -> dict[str, Any] | None:
    """The reply_markup parameter as a dict (a dict is passed through)."""
    if keyboard is None or isinstance(keyboard, dict):
        return keyboard
    if isinstance(keyboard, Keyboard):
        return {"inline_keyboard": [[_key(b) for b in row] for row in keyboard.inline_keyboard]}
    if keyboard.api_kwargs or not keyboard.inline_keyboard:
        return keyboard.to_dict()
    return {"inline_keyboard": [[_button(b) for b in row] for row in keyboard.inline_keyboard]}


# Button labels as JSON strings: they come from the text catalogue and the questionnaire's data,
# so a few hundred distinct ones are met again and again; bounded all the same.
_LABELS: dict[str, str] = {}
_LABELS_MAX = 4096


def _json_label(text: str) -> str:
    found = _LABELS.get(text)
    if found is None:
        if len(_LABELS) >= _LABELS_MAX:
            _LABELS.clear()
        found = _LABELS[text] = json.dumps(text)
    return found


def _json_data(data: str) -> str:
    """Callback data (ASCII built by bot.callbacks, nothing to escape) or a URL, as JSON."""
    if data.isascii() and data.isprintable() and '"' not in data and "\\" not in data:
        return f'"{data}"'
    return json.dumps(data)


def markup_json(keyboard: AnyKeyboard) -> str:
    """The reply_markup parameter as JSON text: `json.dumps(markup(keyboard))`'s value, built
    from cached labels for the `Key`s the screens draw (tests/bot/test_outbox.py)."""
    if not isinstance(keyboard, Keyboard) or not all(
        type(b) is Key for row in keyboard.inline_keyboard for b in row
    ):
        return json.dumps(markup(keyboard))
    rows = []
    for row in keyboard.inline_keyboard:
        keys = []
        for b in row:
            if b.url is not None:
                keys.append(f'{{"text": {_json_label(b.text)}, "url": {_json_data(b.url)}}}')
            elif b.callback_data is None:
                keys.append(f'{{"text": {_json_label(b.text)}, "callback_data": null}}')
            else:
                keys.append(f'{{"text": {_json_label(b.text)}, '
                            f'"callback_data": {_json_data(b.callback_data)}}}')  # fmt: skip
        rows.append("[" + ", ".join(keys) + "]")
    return '{"inline_keyboard": [' + ", ".join(rows) + "]}"


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: AnyKeyboard | None = None,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": NO_PREVIEW_JSON,
    }
    if keyboard is not None:
        kwargs["reply_markup"] = markup_json(keyboard)
    if thread_id:
        kwargs["message_thread_id"] = thread_id
    if reply_to:
        kwargs["reply_parameters"] = json.dumps(
            {"message_id": reply_to, "allow_sending_without_reply": True}
        )
    return await bot.do_api_request("sendMessage", api_kwargs=kwargs)


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: AnyKeyboard | None = None,
) -> Any:
    kwargs: dict[str, Any] = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": NO_PREVIEW_JSON,
    }
    if keyboard is not None:
        kwargs["reply_markup"] = markup_json(keyboard)
    return await bot.do_api_request("editMessageText", api_kwargs=kwargs)
