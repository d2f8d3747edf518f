"""Where real bots break: each rule raises the real python-telegram-bot exception."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden, RetryAfter

from tests.telegram_emulator import BotApiEmulator

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBUserWarning", "ignore::telegram.warnings.PTBDeprecationWarning"
)


@pytest_asyncio.fixture
async def bot(bot_api: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(bot_api.token, base_url=bot_api.base_url,
                   base_file_url=bot_api.base_file_url) as b:
        yield b


def secs(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def kb(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<blink>x</blink>", 'unsupported start tag "blink" at byte offset 0'),
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("Q&A", "character '&' must be escaped"),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler"'),
        ("<b", "unclosed start tag at byte offset 0"),
        ("é<br>", 'unsupported start tag "br" at byte offset 2'),
    ],
)
async def test_bad_html(bot_api: BotApiEmulator, bot: Bot, text: str, error: str) -> None:
    u = bot_api.user(started=True)
    with pytest.raises(BadRequest) as exc:
        await bot.send_message(u.id, text, parse_mode="HTML")
    assert "can't parse entities" in exc.value.message.lower()
    assert error in exc.value.message.lower()
    assert bot_api.requests[-1].description.startswith("Bad Request: can't parse entities: ")
    assert bot_api.sent(u) == []


async def test_good_html_entities(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    html = ('<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> '
            '<strike>k</strike> <del>d</del> <a href="https://x.org/?a=1&amp;b=2">link</a> '
            '<a href="tg://user?id=42">men</a> <code>c</code> '
            '<pre><code class="language-python">p</code></pre> '
            '<span class="tg-spoiler">sp</span> <tg-spoiler>t</tg-spoiler> '
            '<blockquote>q</blockquote> <blockquote expandable>x</blockquote> '
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
            '&lt;&gt;&amp;&quot;&#65;&#x42; 😀<b>end</b>')
    m = await bot.send_message(u.id, html, parse_mode="HTML")
    assert m.text.endswith("<>&\"AB 😀end")
    types = [e.type for e in m.entities]
    assert types == ["bold", "bold", "italic", "italic", "underline", "underline",
                     "strikethrough", "strikethrough", "strikethrough", "text_link",
                     "text_mention", "code", "pre", "spoiler", "spoiler", "blockquote",
                     "expandable_blockquote", "custom_emoji", "bold"]
    assert m.entities[9].url == "https://x.org/?a=1&b=2"
    assert m.entities[12].language == "python"
    last = m.entities[-1]
    # offsets are UTF-16: the emoji counts twice
    assert m.text.encode("utf-16-le")[last.offset * 2:(last.offset + last.length) * 2] == \
        "end".encode("utf-16-le")
    assert bot_api.last(u).html == html


async def test_markdown_v2(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await bot.send_message(u.id, "Hello.", parse_mode="MarkdownV2")
    m = await bot.send_message(u.id, r"*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://x.org) 1\.5",
                               parse_mode="MarkdownV2")
    assert m.text == "bold it u s sp c l 1.5"
    assert [e.type for e in m.entities] == ["bold", "italic", "underline", "strikethrough",
                                            "spoiler", "code", "text_link"]
    with pytest.raises(BadRequest, match=r"(?i)Can't find end of Bold entity"):
        await bot.send_message(u.id, "*open", parse_mode="MarkdownV2")


async def test_text_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(u.id, "")
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(u.id, "  \n ")
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(u.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(u.id, "x" * 4097)
    # the limit applies after entity parsing
    await bot.send_message(u.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    m = await bot.send_message(u.id, "  padded  ")
    assert m.text == "padded"
    with pytest.raises(BadRequest, match=r"(?i)Unsupported parse_mode"):
        await bot.send_message(u.id, "x", parse_mode="BBCode")


async def test_keyboard_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(u.id, "x", reply_markup=kb(
            InlineKeyboardButton("a", callback_data="é" * 33)))  # 66 bytes
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(u.id, "x", reply_markup=kb(InlineKeyboardButton("a",
                                                                                callback_data="")))
    ok_button = InlineKeyboardButton("a", callback_data="x" * 64)
    await bot.send_message(u.id, "ok", reply_markup=kb(ok_button))
    two_byte = InlineKeyboardButton("a", callback_data="é" * 32)  # 64 bytes
    await bot.send_message(u.id, "ok", reply_markup=kb(two_byte))
    with pytest.raises(BadRequest, match=r"(?i)Button_text_invalid"):
        await bot.send_message(u.id, "x", reply_markup=kb(InlineKeyboardButton(" ",
                                                                                callback_data="b")))
    with pytest.raises(BadRequest, match=r"(?i)must be of type String"):
        await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": u.id, "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": 5, "callback_data": "b"}]]}})
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": u.id, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}})
    with pytest.raises(BadRequest, match=r"(?i)must be an array of arrays"):
        await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": u.id, "text": "x",
            "reply_markup": {"inline_keyboard": [{"text": "a", "callback_data": "b"}]}})
    with pytest.raises(BadRequest, match=r"(?i)can't parse reply keyboard markup"):
        await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": u.id, "text": "x", "reply_markup": "{not json"})


async def test_edit_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    markup = kb(InlineKeyboardButton("a", callback_data="a"))
    m = await bot.send_message(u.id, "<b>hi</b>", parse_mode="HTML", reply_markup=markup)
    not_modified = "(?i)Message is not modified: specified new message content and reply markup"
    with pytest.raises(BadRequest, match=not_modified):
        await bot.edit_message_text("<b>hi</b>", u.id, m.message_id, parse_mode="HTML",
                                    reply_markup=markup)
    with pytest.raises(BadRequest, match=not_modified):
        await bot.edit_message_reply_markup(u.id, m.message_id, reply_markup=markup)
    # same text but without bold → modified
    await bot.edit_message_text("hi", u.id, m.message_id, reply_markup=markup)
    await bot.edit_message_reply_markup(u.id, m.message_id)  # removes the keyboard
    assert bot_api.last(u).buttons == [] and bot_api.last(u).text == "hi"
    with pytest.raises(BadRequest, match=not_modified):
        await bot.edit_message_reply_markup(u.id, m.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", u.id, 999)
    user_msg = await u.send("mine")
    with pytest.raises(BadRequest, match=r"(?i)Message can't be edited"):
        await bot.edit_message_text("x", u.id, user_msg.message_id)
    assert len(bot_api.last(u).history) == 2
    await bot.delete_message(u.id, m.message_id)
    assert bot_api.sent(u) == []
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", u.id, m.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(u.id, m.message_id)


async def test_callback_query_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    m = await bot.send_message(u.id, "q", reply_markup=kb(InlineKeyboardButton("a",
                                                                               callback_data="A")))
    too_old = "(?i)Query is too old and response timeout expired or query id is invalid"
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query("12345")
    cb = await u.press(bot_api.last(u), "a")
    assert cb.data == "A" and cb.message_id == m.message_id
    await bot.answer_callback_query(cb.id, "done", show_alert=True)
    assert (bot_api.callback_answers[-1].text, bot_api.callback_answers[-1].show_alert) == (
        "done", True)
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(cb.id)
    cb2 = await u.press(m.message_id, "A")  # by callback_data and message id
    bot_api.clock.advance(16)
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(cb2.id)
    from tests.telegram_emulator import ScriptError

    with pytest.raises(ScriptError, match=r"(?i)no button"):
        await u.press(m.message_id, "missing")
    forged = await u.press_data(bot_api.last(u), "forged")
    assert bot_api.all_updates[-1]["callback_query"]["data"] == forged.data == "forged"


async def test_chat_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(-100123, "x")
    stranger = bot_api.user()
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "x")
    u = bot_api.user(started=True)
    u.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(u.id, "x")
    assert bot_api.delivered_count(u) == 0
    u.unblock_bot()
    await bot.send_message(u.id, "back")
    kinds = [bot_api.update_kind(x) for x in bot_api.all_updates]
    assert kinds == ["my_chat_member", "my_chat_member"]
    statuses = [x["my_chat_member"]["new_chat_member"]["status"] for x in bot_api.all_updates]
    assert statuses == ["kicked", "member"]
    u.deactivate()
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await bot.send_message(u.id, "x")
    g = bot_api.group("No bot here")
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(g.id, "x")
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(bot_api.user(started=True).id)


async def test_reply_rules(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    with pytest.raises(BadRequest, match=r"(?i)Message to be replied not found"):
        await bot.send_message(u.id, "x", reply_to_message_id=77)
    with pytest.raises(BadRequest, match=r"(?i)Message to be replied not found"):
        await bot.send_message(u.id, "x", reply_parameters=ReplyParameters(77))
    m = await bot.send_message(u.id, "x", reply_parameters=ReplyParameters(
        77, allow_sending_without_reply=True))
    assert m.reply_to_message is None
    mine = await u.send("question")
    m = await bot.send_message(u.id, "answer", reply_to_message_id=mine.message_id)
    assert m.reply_to_message.text == "question"
    assert bot_api.last(u).reply_to == mine.message_id


async def test_migrated_group(bot_api: BotApiEmulator, bot: Bot) -> None:
    ann = bot_api.user()
    g = bot_api.group("Old")
    g.add_member(ann, "creator")
    g.add_bot(by=ann)
    await bot.send_message(g.id, "before")
    sg = g.migrate_to_supergroup()
    assert str(sg.id).startswith("-100")
    with pytest.raises(ChatMigrated) as exc:
        await bot.send_message(g.id, "after")
    assert exc.value.new_chat_id == sg.id
    await bot.send_message(sg.id, "after")
    msgs = [x["message"] for x in bot_api.all_updates if "message" in x]
    assert msgs[-2]["migrate_to_chat_id"] == sg.id and msgs[-2]["chat"]["id"] == g.id
    assert msgs[-1]["migrate_from_chat_id"] == g.id and msgs[-1]["chat"]["id"] == sg.id
    assert (await bot.get_chat_member(sg.id, ann.id)).status == "creator"


async def test_rate_limits(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    v = bot_api.user(started=True)
    bot_api.limits(global_per_second=3, per_chat_per_second=1, per_group_per_minute=2)
    await bot.send_message(u.id, "1")
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(u.id, "2")
    assert secs(exc.value.retry_after) == 1
    assert bot_api.requests[-1].description == "Too Many Requests: retry after 1"
    await bot.send_message(v.id, "other chat is fine")
    bot_api.clock.advance(1.01)
    await bot.send_message(u.id, "2")
    assert bot_api.rate_limited == 1
    g = bot_api.group("g")
    g.add_bot()
    bot_api.limits(per_group_per_minute=2)
    await bot.send_message(g.id, "a")
    await bot.send_message(g.id, "b")
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(g.id, "c")
    assert 59 <= secs(exc.value.retry_after) <= 60
    bot_api.limits(global_per_second=2)
    await bot.send_message(u.id, "x")
    await bot.send_message(v.id, "y")
    with pytest.raises(RetryAfter):
        await bot.send_message(u.id, "z")
    assert bot_api.rate_limited == 3
    assert bot_api.delivered_count(u) == 3


async def test_unknown_method_and_commands(bot_api: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert bot_api.requests[-1].status == 404
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "開始")], language_code="zh")
    await bot.set_my_commands([BotCommand("check", "Check")],
                              scope=BotCommandScopeAllPrivateChats())
    g = bot_api.group("g")
    g.add_bot()
    await bot.set_my_commands([BotCommand("settings", "Settings")], scope=BotCommandScopeChat(g.id))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start"]
    assert bot_api.commands_for("all_private_chats") == [{"command": "check",
                                                          "description": "Check"}]
    assert bot_api.commands_for("chat", chat_id=g.id)[0]["command"] == "settings"
    assert bot_api.commands[("default", "zh")][0]["description"] == "開始"
    ann = bot_api.user(language_code="zh-hant", started=True)
    assert [c["command"] for c in bot_api.effective_commands(ann)] == ["check"]
    g.add_member(ann, "administrator")
    assert [c["command"] for c in bot_api.effective_commands(g, ann)] == ["settings"]
    other = bot_api.group("other")
    other.add_bot()
    assert [c["command"] for c in bot_api.effective_commands(other, ann)] == ["start"]  # zh
    assert [c["command"] for c in bot_api.effective_commands(other, ann, "en")] == ["start",
                                                                                  "help"]
    await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == ()
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    from telegram import MenuButtonCommands

    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert bot_api.menu_buttons[None] == {"type": "commands"}
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)


async def test_files_copy_forward(bot_api: BotApiEmulator, bot: Bot) -> None:
    u = bot_api.user(started=True)
    doc = await bot.send_document(u.id, b"%PDF-1.4 hello", filename="guide.pdf",
                                  caption="<b>Guide</b>", parse_mode="HTML")
    assert doc.document.file_name == "guide.pdf" and doc.caption == "Guide"
    f = await bot.get_file(doc.document.file_id)
    assert bytes(await f.download_as_bytearray()) == b"%PDF-1.4 hello"
    again = await bot.send_document(u.id, doc.document.file_id)
    assert again.document.file_id == doc.document.file_id
    photo = await bot.send_photo(u.id, b"\x89PNG....", caption="pic")
    assert photo.photo[-1].width > 0 and bot_api.last(u).kind == "photo"
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
        await bot.send_photo(u.id, "nonsense")
    v = bot_api.user(started=True)
    copied = await bot.copy_message(v.id, u.id, doc.message_id)
    assert bot_api.last(v).message_id == copied.message_id
    assert bot_api.last(v).caption == "Guide"
    fwd = await bot.forward_message(v.id, u.id, photo.message_id)
    assert fwd.forward_origin.type == "user" and fwd.photo
    with pytest.raises(BadRequest, match=r"(?i)Message to copy not found"):
        await bot.copy_message(v.id, u.id, 999)
    await bot.send_chat_action(u.id, "typing")
    with pytest.raises(BadRequest):
        await bot.do_api_request("sendChatAction", api_kwargs={"chat_id": u.id,
                                                               "action": "dancing"})


async def test_user_document_content_and_the_download_limit(
    bot_api: BotApiEmulator, bot: Bot
) -> None:
    """A user's document: getFile gives a path with the file's extension and the link serves
    the content; over 20 MB getFile refuses, as the Bot API does ("file is too big")."""
    u = bot_api.user(started=True)
    sent = await u.send_document("answers.json", content=b'{"age": 30}',
                                 mime_type="application/json")
    doc = sent.data["document"]
    assert doc["file_size"] == 11 and doc["mime_type"] == "application/json"
    f = await bot.get_file(doc["file_id"])
    assert f.file_size == 11 and f.file_path.endswith(".json")
    assert bytes(await f.download_as_bytearray()) == b'{"age": 30}'
    big = await u.send_document("big.json", file_size=21 * 1024 * 1024)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(big.data["document"]["file_id"])
