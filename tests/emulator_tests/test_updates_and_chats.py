"""getUpdates semantics, channels, forum topics, user media; mostly against the core."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Update
from telegram.error import BadRequest, Conflict
from telegram.ext import MessageHandler, filters

from tests.telegram_emulator import BotApiEmulator, EmulatorCore
from tests.telegram_emulator.fixtures import app_builder, polling

from .echo_bot import add_handlers


async def get_updates(core: EmulatorCore, **params: object) -> tuple[int, dict]:
    return await core.call(core.token, "getUpdates", dict(params))


async def test_offset_limit_and_confirmation(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    u = core.user()
    for i in range(5):
        await u.send(f"m{i}")
    status, body = await get_updates(core, limit=2)
    assert status == 200 and [x["message"]["text"] for x in body["result"]] == ["m0", "m1"]
    ids = [x["update_id"] for x in body["result"]]
    _, body = await get_updates(core, offset=ids[-1] + 1, limit="100")
    assert [x["message"]["text"] for x in body["result"]] == ["m2", "m3", "m4"]
    assert len(core.pending) == 3  # confirmed ones are gone, the rest wait for the next offset
    _, body = await get_updates(core, offset=-1)
    assert [x["message"]["text"] for x in body["result"]] == ["m4"]
    _, body = await get_updates(core, offset=body["result"][0]["update_id"] + 1)
    assert body["result"] == [] and not core.pending


async def test_long_poll_wakes_up_and_timeout(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    u = core.user()
    t0 = time.monotonic()
    task = asyncio.create_task(get_updates(core, timeout=5))
    await asyncio.sleep(0.05)
    assert not task.done()
    await u.send("wake")
    status, body = await asyncio.wait_for(task, 1)
    assert status == 200 and body["result"][0]["message"]["text"] == "wake"
    assert time.monotonic() - t0 < 1
    t0 = time.monotonic()
    status, body = await get_updates(core, offset=body["result"][0]["update_id"] + 1,
                                     timeout=0.1)
    assert body["result"] == [] and 0.09 <= time.monotonic() - t0 < 1


async def test_second_poller_conflicts_and_close_releases(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    first = asyncio.create_task(get_updates(core, timeout=5))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(get_updates(core, timeout=5))
    status, body = await asyncio.wait_for(first, 1)
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    await core.close()
    status, body = await asyncio.wait_for(second, 1)
    assert status == 200 and body["result"] == []


async def test_allowed_updates(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    u = core.user(started=True)
    g = core.group("g", supergroup=True)
    g.add_bot(as_admin=True)
    g.add_member(u, announce=True)  # a chat_member update: not delivered by default
    _, body = await get_updates(core)
    kinds = [core.update_kind(x) for x in body["result"]]
    assert "chat_member" not in kinds and kinds == ["my_chat_member", "message", "message"]
    _, body = await get_updates(core, offset=body["result"][-1]["update_id"] + 1,
                                allowed_updates='["message"]')
    u.block_bot()  # my_chat_member: created while unwanted, so never delivered
    await u.send("hi", chat=g)
    _, body = await get_updates(core, offset=0)
    assert [core.update_kind(x) for x in body["result"]] == ["message"]


async def test_ptb_get_updates_conflict_with_webhook(bot_api_core: EmulatorCore) -> None:
    async with bot_api_core.make_bot() as bot:
        await bot.set_webhook("http://127.0.0.1:9/x")
        with pytest.raises(Conflict):
            await bot.get_updates()
        await bot.delete_webhook()
        assert await bot.get_updates() == ()


async def test_channel(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    seen: list[Update] = []
    app = app_builder(emu).build()

    async def on_post(update: Update, context: object) -> None:
        seen.append(update)
        await context.bot.send_message(update.effective_chat.id, "ack")  # type: ignore[attr-defined]

    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, on_post))
    ch = emu.channel("News", username="hk_news")
    async with polling(app):
        ch.add_bot(as_admin=True)
        await ch.post("Rule change!")
        ack = await emu.wait_for("ack", chat_id=ch)
        assert ack.data["sender_chat"]["id"] == ch.id and "from" not in ack.data
        assert seen[0].channel_post.text == "Rule change!"
        m = await app.bot.send_message("@hk_news", "by username")
        assert m.chat.id == ch.id
        member = await app.bot.get_chat_member(ch.id, emu.bot.id)
        assert member.status == "administrator" and member.can_post_messages
        assert (await app.bot.get_chat_member(ch.id, ch.owner.id)).status == "creator"
        ch.add_bot(as_admin=False)
        with pytest.raises(BadRequest, match=r"(?i)need administrator rights in the channel chat"):
            await app.bot.send_message(ch.id, "x")


async def test_forum_topics(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    app = add_handlers(app_builder(emu).build())
    ann = emu.user(first_name="Ann")
    g = emu.group("Forum", forum=True)
    g.add_member(ann, "creator")
    g.add_bot(as_admin=True)
    topic = g.create_topic("Visas")
    async with polling(app):
        await ann.send("/start", chat=g, thread_id=topic)
        welcome = await emu.wait_for("Welcome", chat_id=g)
        assert welcome.thread_id == topic and welcome.data["is_topic_message"]
        await ann.send("in the topic", chat=g, reply_to=welcome)
        echo = await emu.wait_for("echo:", chat_id=g)
        assert echo.thread_id == topic
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await app.bot.send_message(g.id, "x", message_thread_id=9999)
        await app.bot.send_message(g.id, "general")
        assert emu.last(g).thread_id is None


async def test_user_media_and_edits(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    seen: list[Update] = []
    app = app_builder(core).build()

    async def record(update: Update, context: object) -> None:
        seen.append(update)

    app.add_handler(MessageHandler(filters.ALL, record))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, record), group=1)
    u = core.user(first_name="Ann")
    async with polling(app):
        await u.send_photo(caption="my passport")
        await u.send_document("cv.pdf")
        await u.send_sticker()
        await u.send_voice()
        msg = await u.send("typo")
        await u.edit(msg, "fixed")
        for _ in range(100):
            if len(seen) >= 6:
                break
            await asyncio.sleep(0.01)
    msgs = [x.effective_message for x in seen]
    assert msgs[0].photo and msgs[0].caption == "my passport"
    assert msgs[1].document.file_name == "cv.pdf"
    assert msgs[2].sticker and msgs[3].voice
    assert msgs[4].text == "typo" and seen[5].edited_message.text == "fixed"


async def test_in_process_file_download(bot_api_core: EmulatorCore) -> None:
    u = bot_api_core.user(started=True)
    async with bot_api_core.make_bot() as bot:
        doc = await bot.send_document(u.id, b"data", filename="a.txt")
        f = await bot.get_file(doc.document.file_id)
        assert bytes(await f.download_as_bytearray()) == b"data"
        assert bot_api_core.messages(doc.chat.id)[0].kind == "document"
        assert bot_api_core.sent(bot_api_core.last(u)) == bot_api_core.sent(u)


async def test_wait_for_timeout_message(bot_api_core: EmulatorCore) -> None:
    with pytest.raises(AssertionError, match="no bot message matching"):
        await bot_api_core.wait_for("never", timeout=0.05)


def _unknown_fields(obj: object, path: str = "") -> list[str]:
    """Fields PTB did not recognise (api_kwargs), anywhere in a parsed object."""
    from telegram import TelegramObject

    found: list[str] = []
    if isinstance(obj, TelegramObject):
        found += [f"{path}.{k}" for k in obj.api_kwargs]
        for name in obj.__slots__ if hasattr(obj, "__slots__") else ():
            if not name.startswith("_"):
                found += _unknown_fields(getattr(obj, name, None), f"{path}.{name}")
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            found += _unknown_fields(item, f"{path}[{i}]")
    return found


async def test_every_update_kind_is_well_formed_for_ptb(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    ann, bob = core.user(first_name="Ann", username="ann"), core.user(first_name="Bob")
    wanted = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member",
              "channel_post", "edited_channel_post"]
    async with core.make_bot() as bot:
        assert await bot.get_updates(allowed_updates=wanted) == ()
        await ann.send("/start https://x.org @someone #tag")
        m = await bot.send_message(ann.id, "<b>q</b>", parse_mode="HTML", reply_markup={
            "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
        await ann.press(core.last(ann), "A")
        await ann.edit(core.messages(ann)[0], "edited")
        await ann.send_photo(caption="c")
        await ann.send_document()
        await ann.send_sticker()
        await ann.send_voice()
        await ann.send_contact()
        ann.block_bot()
        ann.unblock_bot()
        g = core.group("g")
        g.add_member(ann, "creator")
        g.add_bot(by=ann, as_admin=True)
        g.add_member(bob, announce=True)
        await bob.send("reply", chat=g, reply_to=g.state.messages[1])
        sg = g.migrate_to_supergroup()
        forum = core.group("f", forum=True)
        forum.add_member(ann, "creator").add_bot(by=ann)
        topic = forum.create_topic("t")
        await ann.send("/check", chat=forum, thread_id=topic)
        ch = core.channel("c")
        ch.add_bot()
        post = await ch.post("p")
        await ch.edit_post(post, "p2")
        await bot.forward_message(ann.id, ch.id, post.message_id)
        await bot.send_message(sg.id, "in supergroup")
        updates = await bot.get_updates()
        assert m.message_id
    kinds = {core.update_kind(u.to_dict()) for u in updates}
    assert kinds == set(wanted)
    problems = [p for u in updates for p in _unknown_fields(u, f"update{u.update_id}")]
    # Telegram still sends these legacy, undocumented fields next to new_chat_members & co.
    legacy = (".new_chat_participant", ".left_chat_participant")
    assert [p for p in problems if not p.endswith(legacy)] == []
    ann_msgs = [u.message for u in updates if u.message and u.message.chat.id == ann.id]
    assert [e.type for e in ann_msgs[0].entities] == ["bot_command", "url", "mention", "hashtag"]


async def test_method_results_are_well_formed_for_ptb(bot_api_core: EmulatorCore) -> None:
    core = bot_api_core
    ann = core.user(first_name="Ann", started=True)
    g = core.group("g", supergroup=True, username="grp")
    g.add_member(ann, "creator").add_bot(by=ann, as_admin=True)
    ch = core.channel("c")
    ch.add_bot()
    async with core.make_bot() as bot:
        m = await bot.send_message(g.id, "<b>x</b>", parse_mode="HTML")
        await bot.pin_chat_message(g.id, m.message_id)
        results = [
            await bot.get_me(), m, await bot.get_chat(g.id), await bot.get_chat(ann.id),
            await bot.get_chat(ch.id), await bot.get_chat_member(g.id, ann.id),
            await bot.get_chat_member(g.id, core.bot.id),
            await bot.get_chat_member(ch.id, core.bot.id),
            *await bot.get_chat_administrators(g.id), await bot.get_webhook_info(),
            await bot.send_photo(ann.id, b"img"), await bot.send_document(ann.id, b"doc"),
            await bot.send_sticker(ann.id, b"st"), await bot.send_voice(ann.id, b"v"),
            await bot.edit_message_text("y", g.id, m.message_id),
            await bot.forward_message(ann.id, g.id, m.message_id),
            await bot.copy_message(ann.id, g.id, m.message_id),
            await bot.get_my_name(), await bot.get_my_description(),
            await bot.get_chat_menu_button(),
        ]
        assert await bot.get_chat_member_count(g.id) == 2
    problems = [p for i, r in enumerate(results) for p in _unknown_fields(r, f"result{i}")]
    assert problems == []


def _texts_of(core: EmulatorCore) -> list[str]:
    return [u["message"]["text"] for u in core.pending if "text" in u.get("message", {})]


async def test_privacy_mode_delivers_only_what_the_bot_faq_says(bot_api_core: EmulatorCore) -> None:
    """Telegram's bot FAQ: with privacy mode a bot gets commands meant for it, a bare /command
    only if it was the last bot to post in the group, replies to its messages and service
    messages; no plain @mentions. An admin bot gets everything."""
    core = bot_api_core
    ann = core.user(first_name="Ann")
    other = core.user(first_name="Helper", username="helper_bot", is_bot=True)
    g = core.group("g", supergroup=True)
    g.add_member(ann, "creator").add_member(other)
    g.add_bot(by=ann)
    name = core.bot.username
    async with core.make_bot() as bot:
        await ann.send("/check", chat=g)  # no bot has posted yet: not ours
        mine = await bot.send_message(g.id, "hello")  # now the bot is the last bot here
        await ann.send("/check", chat=g)
        await ann.send(f"hi @{name}", chat=g)  # a plain mention: not delivered
        await ann.send("chatting", chat=g)
        await ann.send("an answer", chat=g, reply_to=mine.message_id)
        await other.send("I am another bot", chat=g)
        await ann.send("/help", chat=g)  # another bot posted last: not delivered
        await ann.send(f"/help@{name}", chat=g)
        await ann.send("/help@helper_bot", chat=g)
        assert _texts_of(core) == ["/check", "an answer", f"/help@{name}"]
        assert any("new_chat_members" in u.get("message", {}) for u in core.pending)  # service
        core.pending.clear()
        g.set_bot_admin(True)
        await ann.send(f"hi @{name}", chat=g)
        await ann.send("chatting", chat=g)
        assert _texts_of(core)[-2:] == [f"hi @{name}", "chatting"]


async def test_forum_general_topic_replies_are_not_topic_messages(
    bot_api_core: EmulatorCore,
) -> None:
    """In a forum, a reply in the General topic carries message_thread_id but not
    is_topic_message; sending with message_thread_id=1 (General) is refused."""
    from telegram.error import BadRequest

    core = bot_api_core
    ann = core.user(first_name="Ann")
    forum = core.group("f", forum=True)
    forum.add_member(ann, "creator").add_bot(by=ann)
    topic = forum.create_topic("Visas")
    assert topic != 1
    async with core.make_bot() as bot:
        question = await bot.send_message(forum.id, "How old are you?")  # in General
        assert question.message_thread_id is None
        core.pending.clear()
        reply = await ann.send("33", chat=forum, reply_to=question.message_id)
        assert reply.data.get("message_thread_id") == question.message_id
        assert "is_topic_message" not in reply.data
        in_topic = await ann.send("/check", chat=forum, thread_id=topic)
        assert in_topic.data["is_topic_message"] is True
        with pytest.raises(BadRequest, match="thread not found"):
            await bot.send_message(forum.id, "x", message_thread_id=1)
        answer = await bot.send_message(forum.id, "ok", reply_to_message_id=reply.message_id)
        assert not answer.is_topic_message
