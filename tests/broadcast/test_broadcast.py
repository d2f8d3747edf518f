"""Admin broadcasts end to end against the emulator: exactly once under limits and faults,
audiences, pause/resume/cancel, copies of photos, non-admins, /stats and /export."""

from __future__ import annotations

import asyncio

from bot.store.broadcasts import BLOCKED, CANCELLED, DONE, FAILED, PAUSED, RUNNING, SENT
from tests.broadcast.conftest import (
    OWNER_ID,
    admin_bot,
    latest_job,
    prepare,
    press_like,
    seed_subscribers,
    wait_status,
    wait_until,
)
from tests.telegram_emulator import faults


async def test_exactly_once_under_limits_blocked_users_and_faults(bot_api, tmp_path):
    emu = bot_api
    emu.limits(global_per_second=300, per_chat_per_second=1, per_group_per_minute=20)
    async with admin_bot(emu, tmp_path, broadcast_rate_per_second=300.0) as (bot, owner):
        users = [emu.user(started=True) for _ in range(300)]
        blocked = users[::37]  # blocked the bot after their last update: the send says 403
        blocked_ids = {u.id for u in blocked}
        emu.inject("sendMessage", faults.blocked(), times=None,
                   when=lambda p: p.int("chat_id") in blocked_ids)  # fmt: skip
        gone = emu.user(started=True)
        await seed_subscribers(bot.store, [*users, gone])
        async with bot.store.transaction() as tx:
            await tx.subscribe(999999999, "en", ("*",))  # an id Telegram does not know
        emu.inject("sendMessage", 502, times=15, when=lambda p: p.int("chat_id") != OWNER_ID)
        emu.inject("sendMessage", faults.hang(), times=4,
                   when=lambda p: p.int("chat_id") != OWNER_ID)  # fmt: skip
        emu.inject("sendMessage", faults.retry_after(1), times=1,
                   when=lambda p: p.int("chat_id") != OWNER_ID)  # fmt: skip
        gone.deactivate()

        text = "/broadcast Rule change: TTPS list updated"
        bold = [{"type": "bot_command", "offset": 0, "length": 10},
                {"type": "bold", "offset": 11, "length": 11}]  # fmt: skip
        preview = await prepare(emu, owner, text, entities=bold)
        assert "<b>Rule change</b>: TTPS list updated" in preview.html
        assert "302 recipients" in preview.text
        await press_like(owner, preview, "✅ Send to 302")
        job = await wait_status(bot.store, {DONE}, timeout=30)
        report = await emu.wait_for("report", chat_id=owner, timeout=10)
        assert "Sent 291 · failed 1 · blocked 10" in report.text

        for u in users:
            expected = 0 if u in blocked else 1
            assert emu.delivered_count(u) == expected, u.id
        assert emu.delivered_count(gone) == 0
        got = emu.last(users[1])
        assert got.text == "Rule change: TTPS list updated"
        assert any(e["type"] == "bold" for e in got.entities)
        async with bot.store.transaction() as tx:
            states = await tx.recipient_states(job.id)
            chat = await tx.load_chat(blocked[0].id)
        assert sum(s == SENT for s in states.values()) == 291
        assert {states[u.id] for u in blocked} == {BLOCKED} and states[gone.id] == BLOCKED
        assert states[999999999] == FAILED
        assert chat is not None and not chat.active  # 403: inactive, never retried
        assert len([c for c in emu.calls("sendMessage") if c.params.get("chat_id") in
                    (blocked[0].id, str(blocked[0].id))]) == 1  # fmt: skip


async def test_non_admin_gets_the_unknown_command_reply(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, _owner):
        mallory = emu.user(first_name="Mal", language_code="en")
        await seed_subscribers(bot.store, [mallory])
        for command in ("/broadcast hello all", "/broadcasts", "/admin add 5", "/stats",
                        "/export", "/broadcast cancel"):  # fmt: skip
            await mallory.send(command)
            reply = await emu.wait_for(None, chat_id=mallory)
            assert reply.text == "I don't know that command. Send /help to see what I can do."
        assert await latest_job(bot.store) is None
        assert emu.delivered_count(mallory) == 6
        async with bot.store.transaction() as tx:
            assert await tx.audit_entries() == []


async def test_pause_resume_and_cancel(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path, broadcast_rate_per_second=40.0) as (bot, owner):
        users = [emu.user(started=True) for _ in range(120)]
        await seed_subscribers(bot.store, users)
        preview = await prepare(emu, owner)
        await press_like(owner, preview, "✅ Send")
        progress = await emu.wait_for(lambda m: "Pause" in str(m.buttons), chat_id=owner)
        await wait_until(lambda: sum(emu.delivered_count(u) for u in users) >= 10)
        await press_like(owner, progress, "Pause")
        await wait_status(bot.store, {PAUSED})
        await asyncio.sleep(0.3)  # the sends in flight land
        paused_at = sum(emu.delivered_count(u) for u in users)
        await asyncio.sleep(0.5)
        assert sum(emu.delivered_count(u) for u in users) == paused_at < 120

        await owner.send("/broadcast resume")
        await wait_status(bot.store, {RUNNING})
        await wait_until(lambda: sum(emu.delivered_count(u) for u in users) >= paused_at + 10)
        await owner.send("/broadcasts")
        listing = await emu.wait_for("Broadcasts", chat_id=owner)
        await press_like(owner, listing, "Cancel")
        job = await wait_status(bot.store, {CANCELLED})
        await asyncio.sleep(0.3)
        total = sum(emu.delivered_count(u) for u in users)
        assert paused_at + 10 <= total < 120
        assert all(emu.delivered_count(u) <= 1 for u in users)
        async with bot.store.transaction() as tx:
            counts = await tx.recipient_counts(job.id)
            actions = [e[2] for e in await tx.audit_entries()]
        assert counts[SENT] == total and counts["pending"] == 120 - total
        assert {"broadcast_confirm", "broadcast_pause", "broadcast_resume",
                "broadcast_cancel"} <= set(actions)  # fmt: skip
        await owner.send("/broadcast resume")
        await emu.wait_for("not paused", chat_id=owner)


async def test_audiences_change_the_recipients(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        en = [emu.user(started=True) for _ in range(4)]
        hant = [emu.user(started=True) for _ in range(3)]
        ttps = [emu.user(started=True) for _ in range(2)]
        await seed_subscribers(bot.store, en)
        await seed_subscribers(bot.store, hant, lang="zh-hant")
        await seed_subscribers(bot.store, ttps, schemes=("TTPS",))
        matched = '{"statuses": {"QMAS": "match", "TTPS:A": "no_match"}}'
        async with bot.store.transaction() as tx:
            await tx.save_last_result(en[0].id, matched)
            await tx.save_last_result(ttps[0].id, matched)
            await tx.save_last_result(emu.user().id, matched)  # not a subscriber: never messaged

        preview = await prepare(emu, owner)
        assert "All subscribers</b> — 9 recipients" in preview.html
        await press_like(owner, preview, "One language")
        menu = await emu.wait_for(lambda m: "繁體中文" in str(m.buttons), chat_id=owner)
        await press_like(owner, menu, "繁體中文")
        screen = await emu.wait_for("3 recipients", chat_id=owner)
        await press_like(owner, screen, "Scheme subscribers")
        menu = await emu.wait_for(lambda m: "TTPS" in str(m.buttons), chat_id=owner)
        await press_like(owner, menu, "TTPS")
        screen = await emu.wait_for("Subscribers of TTPS", chat_id=owner)
        assert "9 recipients" in screen.text  # subscribers of everything get every update
        await press_like(owner, screen, "Matched a scheme")
        menu = await emu.wait_for(lambda m: "QMAS" in str(m.buttons), chat_id=owner)
        await press_like(owner, menu, "QMAS")
        screen = await emu.wait_for("matched QMAS", chat_id=owner)
        assert "2 recipients" in screen.text
        await press_like(owner, screen, "✅ Send to 2")
        await wait_status(bot.store, {DONE})
        delivered = {u.id for u in [*en, *hant, *ttps] if emu.delivered_count(u)}
        assert delivered == {en[0].id, ttps[0].id}


async def test_groups_and_channels_audiences(bot_api, tmp_path):
    from bot.store import StoredChat

    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        group = emu.group("Visa chat", supergroup=True)
        group.add_bot(by=owner, as_admin=False)
        channel = emu.channel("News")
        channel.add_bot(as_admin=True)
        left = emu.group("Old chat")
        async with bot.store.transaction() as tx:
            await tx.save_chat(StoredChat(group.id, "supergroup", "Visa chat"))
            await tx.save_chat(StoredChat(left.id, "group", "Old chat", active=False))
            await tx.save_chat(StoredChat(channel.id, "channel", "News", registered=True))
        preview = await prepare(emu, owner)
        await press_like(owner, preview, "Groups")
        screen = await emu.wait_for("Audience: Groups — 1 recipients", chat_id=owner)
        await press_like(owner, screen, "Registered channels")
        screen = await emu.wait_for("Registered channels — 1 recipients", chat_id=owner)
        in_group = emu.delivered_count(group)  # e.g. a greeting when the bot joined
        await press_like(owner, screen, "✅ Send to 1")
        await wait_status(bot.store, {DONE})
        assert emu.delivered_count(channel) == 1 and emu.delivered_count(group) == in_group


async def test_copy_of_a_photo_and_discard(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        users = [emu.user(started=True) for _ in range(3)]
        await seed_subscribers(bot.store, users)
        photo = await owner.send_photo(caption="New QMAS points table")
        await owner.send("/broadcast", reply_to=photo)
        preview = await emu.wait_for(lambda m: "preview" in (m.text or ""), chat_id=owner)
        assert any(m.kind == "photo" for m in emu.sent(owner))  # the copy as a preview
        await press_like(owner, preview, "✅ Send to 3")
        await wait_status(bot.store, {DONE})
        for u in users:
            got = emu.last(u)
            assert got.kind == "photo" and got.caption == "New QMAS points table"

        preview = await prepare(emu, owner, "/broadcast never mind")
        await press_like(owner, preview, "Cancel")
        await emu.wait_for("discarded", chat_id=owner)
        await asyncio.sleep(0.2)
        assert all(emu.delivered_count(u) == 1 for u in users)


async def test_scheduled_broadcast_waits(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        users = [emu.user(started=True) for _ in range(2)]
        await seed_subscribers(bot.store, users)
        preview = await prepare(emu, owner)
        await press_like(owner, preview, "Send later")
        menu = await emu.wait_for(lambda m: "In 1 h" in str(m.buttons), chat_id=owner)
        await press_like(owner, menu, "In 1 h")
        screen = await emu.wait_for("Scheduled for", chat_id=owner)
        await press_like(owner, screen, "✅ Schedule")
        job = await wait_status(bot.store, {"scheduled"})
        await asyncio.sleep(0.3)
        assert all(emu.delivered_count(u) == 0 for u in users)
        async with bot.store.transaction() as tx:  # time passes
            await tx.update_broadcast(job.id, scheduled_at=1.0)
        bot.app.bot_data["broadcast_sender"].wake()
        await wait_status(bot.store, {DONE})
        assert all(emu.delivered_count(u) == 1 for u in users)


async def test_admins_stats_and_export(bot_api, tmp_path):
    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        helper = emu.user(first_name="Hal", language_code="en")
        await owner.send(f"/admin add {helper.id}")
        await emu.wait_for("is now a bot admin", chat_id=owner)
        await helper.send("/admin add 12345")
        await emu.wait_for("Only the bot's owners", chat_id=helper)
        await helper.send("/stats")
        stats = await emu.wait_for("Statistics", chat_id=helper)
        assert "Subscribers 0" in stats.text
        await helper.send("/export")
        doc = await emu.wait_for(lambda m: m.kind == "document", chat_id=helper)
        assert doc.caption.startswith("Statistics as CSV")
        await owner.send("/admin list")
        await emu.wait_for(str(helper.id), chat_id=owner)
        await owner.send(f"/admin remove {helper.id}")
        await emu.wait_for("no longer a bot admin", chat_id=owner)
        await helper.send("/stats")
        await emu.wait_for("I don't know that command", chat_id=helper)
        async with bot.store.transaction() as tx:
            log = [(e[1], e[2], e[4]) for e in await tx.audit_entries()]
        assert (helper.id, "admin_add", "denied") in log
        assert (OWNER_ID, "admin_add", "added") in log and (helper.id, "export", "ok") in log


async def test_uncertain_recipients_are_resent_only_when_the_admin_asks(bot_api, tmp_path):
    from bot.store.broadcasts import UNCERTAIN

    emu = bot_api
    async with admin_bot(emu, tmp_path) as (bot, owner):
        users = [emu.user(started=True) for _ in range(5)]
        await seed_subscribers(bot.store, users)
        async with bot.store.transaction() as tx:  # as a crashed process would leave it
            job_id = await tx.create_broadcast(OWNER_ID, OWNER_ID, kind="text", text="Update")
            await tx.fill_recipients(job_id, "all", -(2**62), 100)
            await tx.update_broadcast(job_id, filled=True, status=PAUSED)
            claimed = await tx.claim_recipients(job_id, 2)
            assert await tx.recover_sending() == 2
            assert await tx.recipient_counts(job_id) == {"pending": 3, UNCERTAIN: 2}
        await owner.send("/broadcast resume")
        await wait_status(bot.store, {DONE})
        uncertain = {r.chat_id for r in claimed}
        assert [emu.delivered_count(u) for u in users] == [
            0 if u.id in uncertain else 1 for u in users
        ]
        await owner.send("/broadcast status")
        report = await emu.wait_for("report", chat_id=owner)
        assert "Uncertain 2" in report.text and "may or may not have" in report.text
        await press_like(owner, report, "Resend to 2 uncertain")
        await wait_until(lambda: all(emu.delivered_count(u) == 1 for u in users))
        job = await wait_status(bot.store, {DONE})
        async with bot.store.transaction() as tx:
            assert await tx.recipient_counts(job.id) == {SENT: 5}
            entries = await tx.audit_entries()
            assert ("broadcast_resend", "resending") in [(e[2], e[4]) for e in entries]


async def test_a_groups_broadcast_and_replies_there_share_the_groups_limit(bot_api, tmp_path):
    """One limiter: a broadcast message to a group and the replies to people answering there
    count in the same window, so the group never gets more than its limit (here 6 a minute,
    a minute being one real second)."""
    from bot.store import StoredChat
    from tests.bot_e2e.walker import question_of

    emu = bot_api
    emu.limits(per_group_per_minute=6)
    emu.clock.scale = 60.0
    async with admin_bot(emu, tmp_path, group_messages_per_minute=6,
                         group_rate_window_seconds=1.0) as (bot, owner):  # fmt: skip
        people = [emu.user(first_name=f"P{i}") for i in range(6)]
        group = emu.group("Busy", supergroup=True)
        group.add_member(people[0], "creator")
        for p in people[1:]:
            group.add_member(p)
        group.add_bot(by=people[0])
        await emu.wait_for("I check which Hong Kong", chat_id=group)
        async with bot.store.transaction() as tx:
            await tx.save_chat(StoredChat(group.id, "supergroup", "Busy"))
        preview = await prepare(emu, owner)
        await press_like(owner, preview, "Groups")
        screen = await emu.wait_for("Audience: Groups — 1 recipients", chat_id=owner)
        await press_like(owner, screen, "✅ Send to 1")
        await emu.wait_for("Rule change: TTPS list updated", chat_id=group)
        # everyone asks at once, within the broadcast message's window
        await asyncio.gather(*(p.send(f"/check@{emu.bot.username}", chat=group) for p in people))
        await wait_status(bot.store, {DONE})
        await wait_until(lambda: len([m for m in emu.sent(group)
                                      if question_of(m, "en")]) == len(people))  # fmt: skip
    assert emu.rate_limited == 0
