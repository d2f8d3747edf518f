"""The outbox's keyboards: the plain dicts it sends are what python-telegram-bot would send."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import LoginUrl

from bot.outbox import Key, Keyboard, markup, markup_json


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


def test_markup_json_is_the_json_of_the_plain_dicts():
    """What the questionnaire sends as text is exactly `json.dumps` of what it used to send."""
    keyboards = [
        Keyboard.of([[Key("☐ 是", "a||3|facts|0"), Key('He said "hi" \\ ok', 'a|1|2|q|"x"')],
                     [Key("Open", url="https://t.me/bot?start=result&x=\"1\"")]]),
        Keyboard.of([[Key("\ud800 lone", "n||1|back|"), Key("tab\there", "a||1|q|\x7f")]]),
        Keyboard.of([[Key("Mixed", "a"), Button("PTB", callback_data="b")]]),
        Keyboard.of([]),
        Markup([[Button("Log in", login_url=LoginUrl("https://example.org"))]]),
        {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    ]
    for keyboard in keyboards:
        assert markup_json(keyboard) == json.dumps(markup(keyboard))
        assert json.loads(markup_json(keyboard)) == markup(keyboard)
