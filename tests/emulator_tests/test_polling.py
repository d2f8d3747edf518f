"""The real python-telegram-bot Application against the emulator, in polling mode."""

from __future__ import annotations

import pytest
from telegram.error import InvalidToken

from tests.telegram_emulator import BotApiEmulator, EmulatorCore
from tests.telegram_emulator.fixtures import app_builder, polling

from .echo_bot import add_handlers


async def _conversation(emu: EmulatorCore) -> None:
    seen: list = []
    app = add_handlers(app_builder(emu).build(), seen)
    async with polling(app):
        ann = emu.user(first_name="Ann", language_code="en")
        await ann.start()
        welcome = await emu.wait_for("Welcome", chat_id=ann)
        assert welcome.text == "Welcome, Ann! Ready?"
        assert welcome.html == "Welcome, <b>Ann</b>! Ready?"
        assert welcome.entities == [{"type": "bold", "offset": 9, "length": 3}]
        assert welcome.buttons == [[("Yes", "yes"), ("No", "no")],
                                   [("Docs", "https://example.org/docs")]]
        cb = await ann.press(welcome, "Yes")
        edited = await emu.wait_for(lambda m: m.text == "You chose yes", chat_id=ann)
        assert edited.message_id == welcome.message_id and edited.edited
        assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
        assert cb.answered and emu.callback_answers[-1].text == "Got yes"
        assert emu.unanswered_callbacks() == []
        await ann.send("hello there")
        echo = await emu.wait_for("echo:", chat_id=ann)
        assert echo.text == "echo: hello there"
        assert [m.text for m in emu.sent(ann)] == ["You chose yes", "echo: hello there"]
        assert emu.last(ann) is echo
        assert emu.delivered_count(ann) == 2
    methods = {r.method for r in emu.requests}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery",
            "editMessageText"} <= methods
    failed = [r for r in emu.requests if not r.ok and r.status != 499]
    assert not failed, failed
    # every update was confirmed by a later getUpdates offset
    assert not emu.pending


async def test_echo_bot_over_http(bot_api: BotApiEmulator) -> None:
    await _conversation(bot_api)


async def test_echo_bot_in_process(bot_api_core: EmulatorCore) -> None:
    await _conversation(bot_api_core)


async def test_unknown_token_raises_invalid_token(bot_api: BotApiEmulator) -> None:
    app = app_builder(bot_api).token("42:wrong-token").build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    assert bot_api.requests[-1].status == 401
    app = app_builder(bot_api).token("not a token").build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    assert bot_api.requests[-1].status == 404


async def test_unknown_token_in_process(bot_api_core: EmulatorCore) -> None:
    app = app_builder(bot_api_core).token("42:wrong-token").build()
    with pytest.raises(InvalidToken):
        await app.initialize()


async def test_group_with_two_users(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    seen: list = []
    app = add_handlers(app_builder(emu).build(), seen)
    ann = emu.user(first_name="Ann")
    bob = emu.user(first_name="Bob")
    g = emu.group("Visa chat", supergroup=True)
    g.add_member(ann, "creator").add_member(bob)
    async with polling(app):
        g.add_bot(by=ann)
        await ann.send(f"/check@{emu.bot.username}", chat=g)
        q = await emu.wait_for("Welcome, Ann", chat_id=g)
        assert q.reply_to is not None
        assert q.thread_id == q.reply_to and "is_topic_message" not in q.data  # reply thread
        q2 = await bob.ask("/start", "Welcome, Bob", chat=g)
        # privacy mode: a plain message is not delivered, a reply to the bot is
        await bob.send("just chatting", chat=g)
        await bob.send("my answer", chat=g, reply_to=q2)
        echo = await emu.wait_for("echo:", chat_id=g)
        assert echo.text == "echo: my answer" and echo.reply_to is not None
        # a command for another bot is not delivered
        await ann.send("/start@other_bot", chat=g)
        await emu.quiet(0.1)
        assert [m.text for m in emu.sent(g)] == ["Welcome, Ann! Ready?", "Welcome, Bob! Ready?",
                                                 "echo: my answer"]
        member = await app.bot.get_chat_member(g.id, ann.id)
        assert member.status == "creator"
        assert (await app.bot.get_chat_member(g.id, bob.id)).status == "member"
        admins = await app.bot.get_chat_administrators(g.id)
        assert [a.user.id for a in admins] == [ann.id]
        g.remove_bot(by=ann)
        await emu.quiet(0.1)
    statuses = [(u.old_chat_member.status, u.new_chat_member.status) for u in seen
                if hasattr(u, "new_chat_member")]
    assert statuses == [("left", "member"), ("member", "kicked")]
    texts = [u.message.text for u in seen if getattr(u, "message", None) is not None]
    assert "just chatting" not in texts and "my answer" in texts


async def test_concurrent_users_do_not_hide_each_others_replies(bot_api_core: EmulatorCore) -> None:
    emu = bot_api_core
    app = add_handlers(app_builder(emu).build())
    users = [emu.user(first_name=f"U{i}") for i in range(20)]
    async with polling(app):
        for u in users:  # every action marks only its own chat
            await u.send("/start")
        for u in users:
            assert (await emu.wait_for("Welcome", chat_id=u)).chat_id == u.id
        emu.mark()  # an explicit mark: only later messages count, in every chat
        with pytest.raises(AssertionError):
            await emu.wait_for("Welcome", chat_id=users[0], timeout=0.05)
