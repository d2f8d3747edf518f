"""/schemes: browse every scheme, open a card, deep links."""

from __future__ import annotations

import pytest

from rules.cards import scheme_cards


async def test_browse_and_open_every_scheme(bot):
    emu = bot.emu
    user = emu.user(first_name="Ning", language_code="en")
    await user.send("/schemes")
    listing = await emu.wait_for("Hong Kong admission schemes", chat_id=user)
    names = [text for row in listing.buttons for text, _ in row]
    assert names == [c.short_name for c in scheme_cards("en")]
    for card in scheme_cards("en"):
        await user.press(
            emu.last(user) if card.short_name in str(emu.last(user).buttons) else listing,
            card.short_name,
        )
        shown = await emu.wait_for(
            lambda m, c=card: m.text.startswith(f"{c.short_name} — "), chat_id=user
        )
        assert "Key requirements" in shown.text or len(emu.sent(user)) > 1
        tail = emu.last(user)
        assert f"rules checked on {card.checked.isoformat()}" in tail.text
        assert "not legal advice" in tail.text
        await user.press(tail, "📚 All schemes")
        listing = await emu.wait_for("Hong Kong admission schemes", chat_id=user)
    failed = [r for r in emu.requests if not r.ok and r.status != 499]
    assert not failed, failed


async def test_card_shows_thresholds_in_force(bot):
    emu = bot.emu
    user = emu.user(first_name="Ola", language_code="zh-hk")
    await user.send("/schemes ttps")
    await emu.wait_for("高端人才通行證計劃", chat_id=user)
    text = "\n".join(m.text for m in emu.sent(user))
    assert "2,500,000" in text and "A類" in text
    assert "阿富汗" in text  # the exclusion list in force, from data


@pytest.mark.parametrize("name", ["nonsense", "<b>x</b>"])
async def test_unknown_scheme_lists_the_known_ones(bot, name):
    emu = bot.emu
    user = emu.user(first_name="Pat", language_code="en")
    await user.send(f"/schemes {name}")
    reply = await emu.wait_for("don't know a scheme", chat_id=user)
    assert name in reply.text and len(reply.buttons) >= 5


async def test_deep_link_to_a_scheme_then_check(bot):
    emu = bot.emu
    user = emu.user(first_name="Quin", language_code="en")
    await user.send("/start iang")
    await emu.wait_for("Hello Quin", chat_id=user)
    card_tail = await emu.wait_for("rules checked on", chat_id=user)
    assert any("IANG — " in (m.text or "") for m in emu.sent(user))
    await emu.wait_for("What would you like to do", chat_id=user)  # the questionnaire follows
    await user.press(card_tail, "✅ Check if I fit")
    await emu.wait_for(
        lambda m: (
            "What would you like" in (m.text or "") and m.message_id > card_tail.message_id + 1
        ),
        chat_id=user,
    )


async def test_language_deep_link(bot):
    emu = bot.emu
    user = emu.user(first_name="Ray", language_code="en")
    await user.send("/start zh-hans")
    await emu.wait_for("你好", chat_id=user)
    await emu.wait_for("你想在香港做什么？", chat_id=user)  # the first question, in zh-hans
