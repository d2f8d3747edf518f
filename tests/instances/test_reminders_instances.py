"""Deadline reminders with two instances on one PostgreSQL (issue 14): only the broadcast
lease's holder sends, every reminder arrives once, and when the holder stops the other instance
takes over and sends the next ones (once)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

from bot.app import build_application
from bot.broadcast import BROADCAST_KEY
from bot.reminders import REMINDERS_KEY
from bot.store import open_store
from bot.store.reminders import ReminderSpec
from tests.instances.conftest import instance_settings, until

URL = "https://www.immd.gov.hk/eng/services/visas/IANG.html"
STAGES = {30: "2027-01-30", 7: "2027-02-22", 1: "2027-02-28"}


@contextlib.asynccontextmanager
async def instances(settings):
    apps = [build_application(s) for s in settings]
    try:
        for app in apps:
            await app.initialize()
            await app.start()
        yield apps
    finally:
        for app in apps:
            if app.running:
                await app.stop()
            with contextlib.suppress(Exception):
                await app.shutdown()


async def seed(url: str, user_ids: list[int]) -> None:
    store = open_store(url)
    await store.open()
    try:
        async with store.transaction() as tx:
            for uid in user_ids:
                specs = [ReminderSpec("IANG:fresh", "2027-03-01", n, due, URL)
                         for n, due in STAGES.items()]  # fmt: skip
                await tx.add_reminders(uid, "en", specs)
    finally:
        await store.close()


def reminders(emu, user) -> list[str]:
    return [m.text for m in emu.sent(user) if (m.text or "").startswith("⏰ Reminder: IANG")]


async def test_two_instances_send_each_reminder_once(bot_api, pg_url):
    emu = bot_api
    users = [emu.user(id=8100 + i, first_name=f"U{i}", started=True) for i in range(40)]
    await seed(pg_url, [u.id for u in users])
    fast = {"bot_today": date(2027, 1, 30), "reminder_poll_seconds": 0.1,
            "broadcast_lease_seconds": 1.0, "broadcast_rate_per_second": 400.0}  # fmt: skip
    settings = [instance_settings(emu, pg_url, **fast) for _ in range(2)]
    async with instances(settings) as apps:
        await until(lambda: all(len(reminders(emu, u)) >= 1 for u in users), 30)
        await asyncio.sleep(0.5)  # both senders look again a few times
        await emu.quiet()
        assert [len(reminders(emu, u)) for u in users] == [1] * len(users)
        holders = [app for app in apps if app.bot_data[BROADCAST_KEY].holds_lease]
        assert len(holders) == 1
        holder = holders[0]
        other = next(app for app in apps if app is not holder)
        assert holder.bot_data[REMINDERS_KEY].sent == len(users)
        assert other.bot_data[REMINDERS_KEY].sent == 0

        # the holder stops; the other instance takes the lease over and sends the next stage
        await holder.stop()
        await holder.shutdown()
        for s in settings:
            s.bot_today = date(2027, 2, 22)
        other.bot_data[REMINDERS_KEY].wake()
        await until(lambda: all(len(reminders(emu, u)) >= 2 for u in users), 30)
        await asyncio.sleep(0.5)
        await emu.quiet()
        assert [len(reminders(emu, u)) for u in users] == [2] * len(users)
        assert all("7 days left" in reminders(emu, u)[-1] for u in users)
        assert other.bot_data[REMINDERS_KEY].sent == len(users)
