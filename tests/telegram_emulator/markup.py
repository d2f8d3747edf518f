"""Validation of reply_markup (inline keyboards, reply keyboards, remove/force reply)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100
MAX_ROW = 8


def _check_url(url: Any) -> None:
    if not isinstance(url, str) or not url:
        raise bad_request("BUTTON_URL_INVALID")
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "tg", "ton"):
        if parts.scheme in ("http", "https") and not parts.netloc:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return
    raise bad_request(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")


_ACTIONS = frozenset(INLINE_ACTIONS)


def validate_inline_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        raise bad_request("field \"inline_keyboard\" must be an Array")
    total = 0
    norm_rows = []
    for row in rows:
        if not isinstance(row, list):
            raise bad_request("field \"inline_keyboard\" must be an Array of Arrays")
        if len(row) > MAX_ROW:
            raise bad_request("BUTTONS_TOO_MUCH")
        norm_row = []
        for button in row:
            if type(button) is dict and len(button) == 2 and "callback_data" in button:
                # the common shape, a text and callback data, checked at once; anything
                # else about it (or any other shape) takes the full checks below
                text, data = button.get("text"), button["callback_data"]
                if type(text) is str and type(data) is str and text.strip():
                    size = len(data) if data.isascii() else len(data.encode("utf-8"))
                    if 0 < size <= 64:
                        total += 1
                        norm_row.append(dict(button))
                        continue
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton "
                                  "must be an Object")
            text = button.get("text")
            if not isinstance(text, str):
                raise bad_request("can't parse inline keyboard button: Field \"text\" must be "
                                  "of type String")
            if not text.strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            # (the button's own keys met with the kinds of action, as a set operation)
            actions = [a for a in button.keys() & _ACTIONS if button[a] is not None]
            if not actions:
                raise bad_request("can't parse inline keyboard button: Text buttons are "
                                  "unallowed in the inline keyboard")
            if len(actions) > 1:
                raise bad_request("can't parse inline keyboard button: only one of the optional "
                                  "fields must be used")
            if "callback_data" in actions:
                data = button["callback_data"]
                if not isinstance(data, str):
                    data = str(data)
                size = len(data.encode("utf-8"))
                if size == 0 or size > 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in actions:
                _check_url(button["url"])
            total += 1
            norm_row.append(dict(button))
        if norm_row:
            norm_rows.append(norm_row)
    if total > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return {"inline_keyboard": norm_rows}


def validate_reply_markup(
    raw: Any, *, inline_only: bool = False
) -> dict[str, Any] | None:
    """Return the normalized markup, or None. Raises ApiError like Telegram."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        markup = validate_inline_keyboard(raw)
        return markup if markup["inline_keyboard"] else None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("field \"keyboard\" must be an Array of Arrays")
        count = 0
        for row in rows:
            for b in row:
                text = b if isinstance(b, str) else (b.get("text") if isinstance(b, dict) else None)
                if not isinstance(text, str) or not text:
                    raise bad_request("BUTTON_TEXT_INVALID")
                count += 1
        if count == 0:
            raise bad_request("keyboard must be non-empty")
        if count > 300:
            raise bad_request("reply markup is too long")
        return dict(raw)
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return dict(raw)
    raise bad_request("can't find field \"inline_keyboard\"")


def inline_buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str | None]]]:
    """Rows of (text, callback_data or url or None)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    rows = []
    for row in markup["inline_keyboard"]:
        rows.append(
            [
                (b["text"], b.get("callback_data") if "callback_data" in b else b.get("url"))
                for b in row
            ]
        )
    return rows
