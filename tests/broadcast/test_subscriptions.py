"""/subscribe and /unsubscribe, the button after a result, and /forget leaving no trace."""

from __future__ import annotations

from bot.store.broadcasts import DONE, SENT, SKIPPED
from tests.bot_e2e.conftest import rows_about
from tests.bot_e2e.walker import walk_to_result
from tests.broadcast.conftest import (
    admin_bot,
    prepare,
    press_like,
    seed_subscribers,
    wait_status,
)


async def test_subscribe_variants(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, _owner):
        ann = emu.user(first_name="Ann", language_code="zh-TW")
        await ann.send("/subscribe")
        await emu.wait_for("任何計劃的規則有變時", chat_id=ann)
        async with bot.store.transaction() as tx:
            assert await tx.subscription(ann.id) == ["*"]
            assert await tx.audience_count("lang:zh-hant") == 1  # the language is kept
        await ann.send("/unsubscribe")
        await emu.wait_for("已取消訂閱", chat_id=ann)

        bob = emu.user(first_name="Bob", language_code="en")
        await bob.send("/subscribe ttps QMAS")
        reply = await emu.wait_for("these schemes change", chat_id=bob)
        assert "QMAS, TTPS" in reply.text
        await bob.send("/subscribe GEP-INVEST nonsense")
        reply = await emu.wait_for("I don't know these schemes", chat_id=bob)
        assert "nonsense" in reply.text and "GEP_INVEST" in reply.text
        await bob.send("/unsubscribe TTPS")
        await emu.wait_for("QMAS.", chat_id=bob)
        async with bot.store.transaction() as tx:
            assert await tx.subscription(bob.id) == ["QMAS"]
            assert await tx.audience_count("scheme:QMAS") == 1
            assert await tx.audience_count("scheme:TTPS") == 0
            assert await tx.subscription(ann.id) == []
        await bob.send("/subscribe")
        await emu.wait_for("any scheme", chat_id=bob)
        async with bot.store.transaction() as tx:
            assert await tx.subscription(bob.id) == ["*"]
            assert await tx.audience_count("scheme:TTPS") == 1


async def test_button_after_a_result_subscribes_to_its_schemes(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, _owner):
        kim = emu.user(first_name="Kim", language_code="en")
        await kim.send("/start")
        _, results = await walk_to_result(emu, kim, "en")
        last = results[-1]
        await press_like(kim, last, "Tell me when the rules")
        await emu.wait_for("Subscribed", chat_id=kim)
        async with bot.store.transaction() as tx:
            schemes = await tx.subscription(kim.id)
            user = await tx.load_user(kim.id)
        assert schemes
        import json

        statuses = json.loads(user.last_result)["statuses"]
        relevant = {k.split(":")[0] for k, v in statuses.items()
                    if v in ("match", "possible", "near_miss")}  # fmt: skip
        assert set(schemes) == (relevant or {"*"})


async def test_unsubscribe_and_forget_remove_from_every_audience(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path, broadcast_rate_per_second=50.0) as (bot, owner):
        fay = emu.user(first_name="Fay", language_code="en", started=True)
        others = [emu.user(started=True) for _ in range(3)]
        await fay.send("/subscribe TTPS")
        await emu.wait_for("these schemes change", chat_id=fay)
        async with bot.store.transaction() as tx:
            await tx.save_last_result(fay.id, '{"statuses": {"TTPS:A": "match"}}')
        await seed_subscribers(bot.store, others)

        preview = await prepare(emu, owner)
        await press_like(owner, preview, "✅ Send to 4")
        job = await wait_status(bot.store, {DONE})
        assert emu.delivered_count(fay) == 2  # the /subscribe reply and the broadcast

        await fay.send("/forget")
        confirm = await emu.wait_for("cannot be undone", chat_id=fay)
        await fay.press(confirm, "Yes, delete everything")
        await emu.wait_for("nothing about you is stored", chat_id=fay)
        assert await rows_about(bot.db_url, fay.id) == 0
        async with bot.store.transaction() as tx:
            for audience in ("all", "scheme:TTPS", "match:TTPS", "lang:en"):
                assert await tx.audience_count(audience) == (0 if audience == "match:TTPS" else 3)
            assert (await tx.recipient_counts(job.id))[SENT] == 4  # the history keeps its counts
            assert fay.id not in await tx.recipient_states(job.id)

        # unsubscribing while a broadcast waits: skipped, never messaged
        preview = await prepare(emu, owner, "/broadcast second")
        await press_like(owner, preview, "Send later")
        menu = await emu.wait_for(lambda m: "In 1 h" in str(m.buttons), chat_id=owner)
        await press_like(owner, menu, "In 1 h")
        screen = await emu.wait_for("Scheduled for", chat_id=owner)
        await press_like(owner, screen, "✅ Schedule for 3")
        job2 = await wait_status(bot.store, {"scheduled"})
        async with bot.store.transaction() as tx:  # fill now, as the sender would
            await tx.fill_recipients(job2.id, job2.audience, job2.fill_cursor, 100)
            await tx.update_broadcast(job2.id, filled=True)
        await others[0].send("/unsubscribe")
        await emu.wait_for("Unsubscribed", chat_id=others[0])
        async with bot.store.transaction() as tx:
            assert (await tx.recipient_states(job2.id))[others[0].id] == SKIPPED
            await tx.update_broadcast(job2.id, scheduled_at=1.0)
        bot.app.bot_data["broadcast_sender"].wake()
        await wait_status(bot.store, {DONE})
        assert emu.delivered_count(others[0]) == 2  # first broadcast + the /unsubscribe reply
        assert [emu.delivered_count(u) for u in others[1:]] == [2, 2]
