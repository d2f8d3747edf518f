"""Unit tests of the emulator's parsers and small helpers (no PTB needed)."""

from __future__ import annotations

import pytest

from tests.telegram_emulator import EmulatorCore, ScriptError
from tests.telegram_emulator.formatting import (
    ParseError,
    auto_entities,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    strip_text,
)


def test_html_nested_and_utf16() -> None:
    text, ents = parse_html("😀 <b>a <i>b</i></b>")
    assert text == "😀 a b"
    assert ents == [{"offset": 3, "length": 3, "type": "bold"},
                    {"offset": 5, "length": 1, "type": "italic"}]


def test_html_case_insensitive_tags_and_attribute_quotes() -> None:
    text, ents = parse_html("<B>x</B> <a href='https://e.org'>l</a> <A HREF=https://f.org>m</A>")
    assert text == "x l m"
    assert [e.get("url") for e in ents] == [None, "https://e.org", "https://f.org"]


def test_html_lenient_ampersand_option() -> None:
    assert parse_html("Q&A", strict_ampersand=False)[0] == "Q&A"
    with pytest.raises(ParseError):
        parse_html("Q&A")
    assert parse_html("&#128512;&#x1F600;")[0] == "😀😀"


@pytest.mark.parametrize("bad", ["a > b <", "<a href=>x", "</>", "<code><b>x</code></b>"])
def test_html_errors(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_html(bad)


def test_markdown_v2_escapes_and_pre() -> None:
    text, ents = parse_markdown_v2("a\\_b ```python\nprint(1)\n``` \\(x\\)")
    assert text == "a_b print(1)\n (x)"
    assert ents[0]["type"] == "pre" and ents[0]["language"] == "python"
    text, ents = parse_markdown_v2(">quote\nplain")
    assert text == "quote\nplain" and ents[0]["type"] == "blockquote" and ents[0]["length"] == 5
    for bad in ("a-b", "1.", "(x)", "a!"):
        with pytest.raises(ParseError, match="reserved"):
            parse_markdown_v2(bad)


def test_legacy_markdown() -> None:
    text, ents = parse_markdown("*b* _i_ `c` [l](https://x.org)")
    assert text == "b i c l"
    assert [e["type"] for e in ents] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ParseError, match="Can't find end of the entity"):
        parse_markdown("*open")


def test_strip_and_auto_entities() -> None:
    text, ents = strip_text("  <x>  ", [{"type": "bold", "offset": 1, "length": 4}])
    assert text == "<x>" and ents == [{"type": "bold", "offset": 0, "length": 3}]
    ents = auto_entities("/start@my_bot hi https://x.org @someone #tag")
    assert [(e["type"], e["offset"], e["length"]) for e in ents] == [
        ("bot_command", 0, 13), ("url", 17, 13), ("mention", 31, 8), ("hashtag", 40, 4)]


async def test_reply_keyboard_and_scripted_errors() -> None:
    async with EmulatorCore() as core:
        u = core.user(started=True)
        async with core.make_bot() as bot:
            from telegram import ReplyKeyboardMarkup

            await bot.send_message(u.id, "Language?", reply_markup=ReplyKeyboardMarkup(
                [["English", "中文"]], one_time_keyboard=True))
        assert core.reply_keyboard(u) == [["English", "中文"]]
        assert core.last(u).keyboard == [["English", "中文"]]
        assert core.last(u).buttons == []
        with pytest.raises(ScriptError):
            await u.press_keyboard("Deutsch")
        m = await u.press_keyboard("中文")
        assert m.text == "中文" and core.reply_keyboard(u) is None
        g = core.group("g")
        with pytest.raises(ScriptError, match="not a member"):
            await u.send("hi", chat=g)
        u.block_bot()
        with pytest.raises(ScriptError, match="blocked"):
            await u.send("hi")


def test_html_tg_time_as_ptb_writes_it_for_date_time_entities() -> None:
    """PTB 22's `text_html` writes `<tg-time unix=… format=…>` for a date_time entity (a
    /broadcast copying one); Telegram accepts it (Bot API, formatting options)."""
    import datetime as dtm

    from telegram import Message, MessageEntity

    when = dtm.datetime(2026, 3, 1, 9, 30, tzinfo=dtm.UTC)
    for fmt in ("wDT", None):
        entity = MessageEntity(MessageEntity.DATE_TIME, 9, 7, unix_time=when,
                               date_time_format=fmt)  # fmt: skip
        message = Message(1, when, chat=None, text="Opens on 1 March!",  # type: ignore[arg-type]
                          entities=[entity])  # fmt: skip
        html = message.text_html
        assert "<tg-time" in html
        text, ents = parse_html(html)
        assert text == "Opens on 1 March!"
        want = {"offset": 9, "length": 7, "type": "date_time", "unix_time": int(when.timestamp())}
        if fmt:
            want["date_time_format"] = fmt
        assert ents == [want]
    assert parse_html('<tg-time unix="1647531900" format="r">soon</tg-time>')[1][0][
        "date_time_format"] == "r"  # fmt: skip
    for bad in ('<tg-time format="wDT">x</tg-time>', '<tg-time unix="12" format="rT">x</tg-time>',
                '<tg-time unix="soon">x</tg-time>'):  # fmt: skip
        with pytest.raises(ParseError):
            parse_html(bad)


def test_markdown_v2_custom_emoji_and_date_time_as_ptb_writes_them() -> None:
    import datetime as dtm

    from telegram import Message, MessageEntity

    when = dtm.datetime(2026, 3, 1, 9, 30, tzinfo=dtm.UTC)
    entity = MessageEntity(MessageEntity.DATE_TIME, 9, 7, unix_time=when, date_time_format="wDT")
    message = Message(1, when, chat=None, text="Opens on 1 March!",  # type: ignore[arg-type]
                      entities=[entity])  # fmt: skip
    text, ents = parse_markdown_v2(message.text_markdown_v2)
    assert text == "Opens on 1 March!"
    assert ents == [{"type": "date_time", "offset": 9, "length": 7,
                     "unix_time": int(when.timestamp()), "date_time_format": "wDT"}]  # fmt: skip
    assert parse_markdown_v2("![👍](tg://emoji?id=5368324170671202286)")[1][0]["type"] == (
        "custom_emoji")  # fmt: skip
    with pytest.raises(ParseError):
        parse_markdown_v2("![x](https://example.org)")
    with pytest.raises(ParseError):
        parse_markdown_v2("wow!")  # a bare ! is still reserved
