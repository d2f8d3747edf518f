"""The update router (bot/dispatch.py) leaves handlers out only where asking them could not have
changed the outcome: for every kind of update the bot gets, it picks the same handler, with the
same check result, as python-telegram-bot asking each handler of the group in turn."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram import Update, User
from telegram.ext import CallbackQueryHandler

from bot import callbacks as cb
from bot.app import build_application
from bot.dispatch import KindRouter
from bot.settings import Settings

USER = {"id": 42, "is_bot": False, "first_name": "Ann"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Ann"}
BOT = {"id": 1, "is_bot": True, "first_name": "Bot"}
EDITED = 1_700_000_100
GROUP = {"id": -100123, "type": "supergroup", "title": "HK jobs"}


def _message(text: str | None = None, chat: dict = PRIVATE, **extra: Any) -> dict:
    message: dict[str, Any] = {"message_id": 7, "date": 1_700_000_000, "chat": chat,
                               "from": USER, **extra}  # fmt: skip
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return message


def _press(data: str | None) -> dict:
    query: dict[str, Any] = {"id": "q1", "from": USER, "chat_instance": "ci",
                             "message": _message("a question")}  # fmt: skip
    if data is not None:
        query["data"] = data
    return {"update_id": 1, "callback_query": query}


ACTIONS = sorted(cb.ACTIONS)
UPDATES = {
    **{f"press {a}": _press(f"{a}||1|x|y") for a in ACTIONS},
    "press, unknown action": _press("zz||1|x|y"),
    "press, no bar": _press("a"),
    "press, forged prefix": _press("l|"),
    "press, no data (a game)": _press(None),
    "command": {"update_id": 2, "message": _message("/start")},
    "unknown command": {"update_id": 3, "message": _message("/nonsense")},
    "typed answer": {"update_id": 4, "message": _message("35")},
    "edited answer": {"update_id": 5, "edited_message": _message("36", edit_date=EDITED)},
    "edited command": {"update_id": 6, "edited_message": _message("/start", edit_date=EDITED)},
    "photo": {"update_id": 7, "message": _message(None, photo=[
        {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}])},
    "group text as the group": {"update_id": 8, "message": _message(
        "/settings", chat=GROUP, sender_chat=GROUP)},
    "group migrated": {"update_id": 9, "message": _message(
        None, chat=GROUP, migrate_from_chat_id=-123)},
    "channel post": {"update_id": 10, "channel_post": _message(
        "/channel", chat={"id": -100999, "type": "channel", "title": "News"})},
    "bot added": {"update_id": 11, "my_chat_member": {
        "chat": GROUP, "from": USER, "date": 1_700_000_000,
        "old_chat_member": {"status": "left", "user": BOT},
        "new_chat_member": {"status": "member", "user": BOT},
    }},
}  # fmt: skip


def _asked_in_turn(handlers: list, update: Update) -> tuple[Any, Any] | None:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler, check
    return None


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    db = tmp_path_factory.mktemp("dispatch") / "bot.sqlite3"
    settings = Settings(_env_file=None, telegram_bot_token="123:abc",
                        database_url=f"sqlite:///{db}")  # fmt: skip
    app = build_application(settings)
    # what initialize() learns from getMe, which command handlers read (no network here)
    app.bot._bot_user = User(1, "Bot", True, username="hk_scheme_bot")  # type: ignore[attr-defined]
    return app


@pytest.fixture(scope="module")
def routers(app) -> list[KindRouter]:
    found = [h for group in app.handlers.values() for h in group if isinstance(h, KindRouter)]
    assert found, "the handlers were not grouped behind a router"
    return found


@pytest.mark.parametrize("name", list(UPDATES))
def test_the_router_picks_what_asking_every_handler_picks(app, routers, name):
    update = Update.de_json(UPDATES[name], app.bot)
    for router in routers:
        expected = _asked_in_turn(router.handlers, update)
        got = router.check_update(update)
        assert (got is None) == (expected is None), name
        if got is not None:
            assert got[0] is expected[0], (name, got[0].callback, expected[0].callback)
            assert _plain(got[1]) == _plain(expected[1]), name


def _plain(check: Any) -> Any:
    """A check result in a comparable form (regex matches do not compare equal)."""
    if isinstance(check, re.Match):
        return check.re, check.span(), check.string
    if isinstance(check, tuple):
        return tuple(_plain(c) for c in check)
    return check


def test_each_press_is_offered_to_its_own_action_only(routers):
    """The point of the action index: a press of one action is not offered to the handlers of
    the others (with the patterns of `callbacks.pattern`)."""
    router = next(r for r in routers if any(isinstance(h, CallbackQueryHandler)
                                            for h in r.handlers))  # fmt: skip
    patterned = [h for h in router.handlers
                 if isinstance(h, CallbackQueryHandler) and h.pattern is not None]  # fmt: skip
    assert len(patterned) >= 8
    update = Update.de_json(_press(f"{cb.ANSWER}||1|x|y"), None)
    offered = router._candidates(update)
    assert not [h for h in offered if h in patterned]
    language = Update.de_json(_press(f"{cb.LANGUAGE}||0|en|"), None)
    assert [h for h in router._candidates(language) if h in patterned] == [
        h for h in patterned if h.pattern.match(f"{cb.LANGUAGE}||0|en|")
    ]
