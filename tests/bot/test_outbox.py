"""The outbox's keyboards: the plain dicts it sends are what python-telegram-bot would send."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import LoginUrl

from bot.outbox import markup


def test_plain_dicts_equal_ptbs_own_serialisation():
    keyboards = [
        Markup([[Button("☐ Yes", callback_data="a|1|2|q|yes"), Button("No", callback_data="n")]]),
        Markup([[Button("Open", url="https://t.me/bot?start=result")]]),
        Markup([[Button("Log in", login_url=LoginUrl("https://example.org"))],
                [Button("Search", switch_inline_query="TTPS")]]),
        Markup([]),
    ]
    for keyboard in keyboards:
        assert markup(keyboard) == keyboard.to_dict()
    as_dict = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert markup(as_dict) is as_dict and markup(None) is None
