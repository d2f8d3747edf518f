"""/compare end to end: the real Application against the Bot API emulator."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from rules.compare import scheme_ids
from tests.bot_e2e.conftest import bot_settings, run_bot

LIMIT = 4096
PAIRS = "們们說说會会這这個个為为體体區区證证國国學学經经與与選选擇择請请來来資资項项費费屬属時时"


def _within_limits(emu, user) -> None:
    for message in emu.sent(user):
        assert len(message.text or "") <= LIMIT
    failed = [r for r in emu.requests if not r.ok and r.status != 499]
    assert not failed, failed


OTHERS = {"⚖️ Compare other schemes", "⚖️ 比較其他計劃", "⚖️ 比较其他计划"}


def _labels(message) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def _comparison(emu, user, title: str) -> str:
    """Wait for the whole comparison (its last message has the 'compare others' button)."""
    await emu.wait_for(title, chat_id=user)
    await emu.wait_for(lambda m: bool(OTHERS & set(_labels(m))), chat_id=user)
    messages = [m.text or "" for m in emu.sent(user)]
    start = max(i for i, text in enumerate(messages) if title in text)
    return "\n".join(messages[start:])


async def _answer_to(emu, press):
    """The bot's answer to the button press awaited in `press`."""
    query = await press
    for _ in range(500):
        for answer in emu.callback_answers:
            if answer.query_id == query.id:
                return answer
        await asyncio.sleep(0.01)
    raise AssertionError("the button press was never answered")


async def test_two_schemes_side_by_side(bot):
    emu = bot.emu
    user = emu.user(first_name="Ana", language_code="en")
    await user.send("/compare TTPS QMAS")
    text = await _comparison(emu, user, "Compare: TTPS · QMAS")
    for heading in ("Who it is for", "Key requirements in force", "First stay and extensions",
                    "Family", "Road to permanent residence", "Fees", "What to prepare",
                    "Sources"):  # fmt: skip
        assert heading in text
    assert "2,500,000" in text  # TTPS A's threshold in force
    assert "3+3+2" in text  # QMAS's stay pattern
    assert "TTPS: not listed in our sources" in text  # documents: honest, with the page
    assert "rules checked on 2026-11-25" in text and "not legal advice" in text
    _within_limits(emu, user)


async def test_three_schemes_short_names_any_case(bot):
    emu = bot.emu
    user = emu.user(first_name="Ben", language_code="en")
    await user.send("/compare new cies, gep (entrepreneurs) whs")
    text = await _comparison(emu, user, "Compare: New CIES · GEP (entrepreneurs) · WHS")
    assert "WHS: not stated in the sources" in text  # no fee fact for WHS in the catalogue
    assert "Net Assets Statement" in text  # New CIES documents, from the catalogue
    last = emu.last(user)
    assert _labels(last) == ["⚖️ Compare other schemes"]
    _within_limits(emu, user)


async def test_every_scheme_against_the_longest(bot):
    """Each message of every three-way comparison with TTPS and IANG stays within the limit."""
    emu = bot.emu
    user = emu.user(first_name="Cai", language_code="en")
    for other in [s for s in scheme_ids() if s not in ("TTPS", "IANG")]:
        await user.send(f"/compare TTPS IANG {other}")
        await _comparison(emu, user, "Compare: TTPS · IANG · ")
    _within_limits(emu, user)


async def test_one_scheme_opens_the_picker_then_buttons_compare(bot):
    emu = bot.emu
    user = emu.user(first_name="Dee", language_code="en")
    await user.send("/compare ttps")
    picker = await emu.wait_for("Pick at least one more scheme", chat_id=user)
    labels = _labels(picker)
    assert "☑ TTPS" in labels and "☐ QMAS" in labels and "⚖️ Compare" in labels
    answer = await _answer_to(emu, user.press(picker, "⚖️ Compare"))  # one ticked: an alert
    assert answer.show_alert and "at least two" in answer.text
    await user.press(picker, "☐ QMAS")
    # Buttons keep the selection in catalogue order.
    picker = await emu.wait_for(lambda m: "Selected: QMAS, TTPS" in (m.text or ""), chat_id=user)
    await user.press(picker, "⚖️ Compare")
    text = await _comparison(emu, user, "Compare: QMAS · TTPS")
    assert emu.sent(user)[0].message_id == picker.message_id  # the picker became the comparison
    assert "Who it is for" in text
    await user.press(emu.last(user), "⚖️ Compare other schemes")
    await emu.wait_for(lambda m: (m.text or "").startswith("Compare schemes"), chat_id=user)
    _within_limits(emu, user)


async def test_four_schemes_keep_three_and_a_fourth_is_refused(bot):
    emu = bot.emu
    user = emu.user(first_name="Eli", language_code="en")
    await user.send("/compare GEP QMAS TTPS IANG")
    picker = await emu.wait_for("up to three schemes", chat_id=user)
    labels = _labels(picker)
    assert {"☑ GEP", "☑ QMAS", "☑ TTPS", "☐ IANG"} <= set(labels)
    answer = await _answer_to(emu, user.press(picker, "☐ IANG"))
    assert answer.show_alert and "three" in answer.text
    assert emu.last(user).text == picker.text  # unchanged
    await user.press(picker, "⚖️ Compare")
    await _comparison(emu, user, "Compare: GEP · QMAS · TTPS")
    _within_limits(emu, user)


@pytest.mark.parametrize("words", ["", "nonsense", "<b>x</b> TTPS"])
async def test_no_or_bad_arguments_get_a_friendly_picker(bot, words):
    emu = bot.emu
    user = emu.user(first_name="Fay", language_code="en")
    await user.send(f"/compare {words}".strip())
    reply = await emu.wait_for("Pick two or three", chat_id=user)
    if words:
        bad = words.split()[0]
        assert f'I don\'t know a scheme called "{bad}"' in reply.text
    assert len([b for row in reply.buttons for b in row]) == len(scheme_ids()) + 1
    _within_limits(emu, user)


@pytest.mark.parametrize(
    ("code", "title", "words", "other"),
    [
        ("zh-hk", "比較：TTPS · QMAS", ("適合對象", "首次逗留及延期", "家屬", "費用"), PAIRS[1::2]),
        ("zh-cn", "比较：TTPS · QMAS", ("适合对象", "目前主要要求", "家属", "费用"), PAIRS[0::2]),
    ],
)
async def test_chinese(bot, code, title, words, other):
    emu = bot.emu
    user = emu.user(first_name="Gao", language_code=code)
    await user.send("/compare ttps qmas")
    text = await _comparison(emu, user, title)
    for word in words:
        assert word in text
    assert not set(other) & set(text), set(other) & set(text)
    assert "not stated" not in text and "Official" not in text  # no stray English
    _within_limits(emu, user)


async def test_chinese_picker(bot):
    emu = bot.emu
    user = emu.user(first_name="Hui", language_code="zh-cn")
    await user.send("/compare 不存在")
    reply = await emu.wait_for("请选择两到三个计划", chat_id=user)
    assert "不存在" in reply.text and any("⚖️ 比较" in b for row in reply.buttons for b, _ in row)


async def test_rules_as_of_bot_today(bot_api, tmp_path):
    settings = bot_settings(bot_api, tmp_path / "bot.sqlite3", bot_today=date(2024, 1, 1))
    async with run_bot(bot_api, settings) as running:
        emu = running.emu
        user = emu.user(first_name="Ivy", language_code="en")
        await user.send("/compare QMAS TTPS")
        text = await _comparison(emu, user, "Compare: QMAS · TTPS")
        assert "rules in force on 2024-01-01" in text
        assert "HK$230" in text and "HK$600" not in text  # the fee before 26 February 2025
        await user.send("/compare CIES GEP")  # New CIES opened on 1 March 2024
        text = await _comparison(emu, user, "Compare: New CIES · GEP")
        assert "Not yet in force on this date" in text


async def test_scheme_card_shows_what_to_prepare(bot):
    emu = bot.emu
    user = emu.user(first_name="Jo", language_code="en")
    await user.send("/schemes gep")
    tail = await emu.wait_for("rules checked on", chat_id=user)
    text = "\n".join(m.text or "" for m in emu.sent(user))
    assert "What to prepare" in text and "ID 990A" in text and "Official list" in text
    await user.send("/schemes ttps")
    await emu.wait_for(lambda m: m.message_id > tail.message_id and "checked on" in (m.text or ""),
                       chat_id=user)  # fmt: skip
    text = "\n".join(m.text or "" for m in emu.sent(user) if m.message_id > tail.message_id)
    assert "not listed in our sources" in text


async def test_compare_is_in_the_menus_and_works_in_groups(bot):
    emu = bot.emu
    user = emu.user(first_name="Kim", language_code="en")
    await user.send("/compare")
    await emu.wait_for("Pick two or three", chat_id=user)
    assert "compare" in [c["command"] for c in emu.effective_commands(user.chat_id, user)]
    group = emu.group("Compare group", supergroup=True)
    group.add_member(user, "creator")
    group.add_bot(user)
    assert "compare" in [c["command"] for c in emu.effective_commands(group, user)]
    await user.send(f"/compare@{emu.bot.username} IANG TTPS", chat=group)
    await _comparison_in(emu, group, "Compare: IANG · TTPS")


async def _comparison_in(emu, chat, title: str) -> None:
    await emu.wait_for(title, chat_id=chat)
    await emu.wait_for(lambda m: bool(OTHERS & set(_labels(m))), chat_id=chat)
    for message in emu.sent(chat):
        assert len(message.text or "") <= LIMIT
