"""Channels end to end: a bot admin registers channels and posts scheme cards to them."""

from __future__ import annotations

from tests.bot_e2e.conftest import bot_settings, run_bot

ADMIN_ID = 424242


async def test_register_post_and_ignore_channel_posts(bot_api, tmp_path):
    emu = bot_api
    settings = bot_settings(emu, tmp_path / "bot.sqlite3", bot_admin_ids=frozenset({ADMIN_ID}))
    async with run_bot(emu, settings) as running:
        admin = emu.user(id=ADMIN_ID, first_name="Ada", language_code="en")
        news = emu.channel("HK Visa News", username="hk_visa_news")
        news.add_bot(as_admin=True)
        plain = emu.channel("Chatter", username="chatter")
        plain.add_bot(as_admin=False)

        await admin.send("/channel add @chatter")
        await emu.wait_for("not an administrator of Chatter", chat_id=admin)
        await admin.send("/channel add @nowhere")
        await emu.wait_for("can't find the channel", chat_id=admin)
        await admin.send("/channel add @hk_visa_news")
        await emu.wait_for("Registered HK Visa News", chat_id=admin)
        await admin.send("/channel list")
        listing = await emu.wait_for("Registered channels", chat_id=admin)
        assert "HK Visa News" in listing.text and "Chatter" not in listing.text

        await admin.send("/post ttps")
        await emu.wait_for("Posted the TTPS card", chat_id=admin)
        posted = emu.sent(news)
        text = "\n".join(m.text for m in posted)
        assert "Top Talent Pass Scheme" in text and "2,500,000" in text
        link = posted[-1].buttons[0][0][1]
        assert link.endswith("?start=ttps") and link.startswith("https://t.me/")
        assert emu.sent(plain) == []

        # the bot ignores what the channel posts
        before = len(emu.sent(news))
        await news.post("New TTPS list published today")
        await emu.quiet(0.2)
        assert len(emu.sent(news)) == before

        async with running.store.transaction() as tx:
            entries = await tx.audit_entries()
        assert any(e[2] == "post" and e[4] == "ok" for e in entries)

        await admin.send("/channel remove @hk_visa_news")
        await emu.wait_for("no longer registered", chat_id=admin)
        await admin.send("/post TTPS")
        await emu.wait_for("No channel is registered", chat_id=admin)


async def test_non_admins_cannot_manage_channels(bot):
    emu = bot.emu
    user = emu.user(first_name="Zed")
    for command in ("/channel add @x", "/channel list", "/post TTPS"):
        await user.send(command)
        await emu.wait_for("don't know that command", chat_id=user)
