"""A stop always ends: background tasks that swallow a cancellation, or are stopped while they
tidy up after a database error, neither hang the shutdown nor keep running.

The CI failure this guards against: with PostgreSQL unreachable, the reminder sender's pass
failed, and while it released its claimed rows the application's shutdown cancelled it; the
release swallowed that cancellation, the sender's loop went round again, and the shutdown waited
for it for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager
from datetime import date
from types import SimpleNamespace

from bot.reminders.sender import ReminderSender
from bot.settings import Settings
from bot.store.reminders import Reminder
from bot.tasks import stop_tasks


async def _stubborn(release: asyncio.Event) -> None:
    """A task that does not stop when asked, until `release` is set."""
    while not release.is_set():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)


async def test_stop_tasks_returns_those_that_would_not_stop_and_logs_them(caplog):
    release = asyncio.Event()

    async def polite() -> None:
        await asyncio.sleep(10)

    obstinate = asyncio.create_task(_stubborn(release), name="stubborn")
    well_behaved = asyncio.create_task(polite(), name="polite")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="bot.tasks"):
        stuck = await stop_tasks([obstinate, well_behaved], 0.2, "test")
    assert stuck == {obstinate}
    assert well_behaved.cancelled()
    assert "stubborn" in str(caplog.records[-1].__dict__.get("fields"))
    release.set()
    obstinate.cancel()
    await asyncio.wait([obstinate], timeout=1)


async def test_stop_tasks_lets_a_cancellation_of_its_caller_through():
    release = asyncio.Event()

    inner = asyncio.create_task(_stubborn(release))
    await asyncio.sleep(0)
    outer = asyncio.create_task(stop_tasks([inner], 30, "test"))
    await asyncio.sleep(0.05)
    outer.cancel()
    done, _ = await asyncio.wait([outer], timeout=2)
    assert outer in done and outer.cancelled()
    release.set()
    inner.cancel()
    await asyncio.wait([inner], timeout=1)


class _LeaseGoesAwayStore:
    """A store whose claim hands out rows and then loses the lease (as a database error or a
    takeover would end the pass), and whose release of those rows is slow."""

    def __init__(self, broadcast: SimpleNamespace) -> None:
        self.broadcast = broadcast
        self.releasing = asyncio.Event()
        self.released: list[int] = []

    @asynccontextmanager
    async def transaction(self):
        yield self

    async def recover_sending_reminders(self) -> int:
        return 0

    async def expire_reminders(self, today: str) -> int:
        return 0

    async def supersede_reminders(self, last_due: str) -> int:
        return 0

    async def claim_reminders(self, last_due: str, budget: int) -> list[Reminder]:
        self.broadcast.holds_lease = False  # lost right after the claim committed
        url = "https://www.immd.gov.hk/"
        return [Reminder(i, 100 + i, "IANG:fresh", "2027-03-01", 30, last_due, url, "en",
                         "sending") for i in range(budget)]  # fmt: skip

    async def finish_reminders(self, rows: list) -> None:
        self.releasing.set()
        await asyncio.sleep(5)  # a slow database
        self.released += [rid for rid, _, _ in rows]


async def test_the_reminder_sender_stops_when_cancelled_while_releasing_claimed_rows():
    broadcast = SimpleNamespace(holds_lease=True, lease=SimpleNamespace(token=1), store=None)
    store = _LeaseGoesAwayStore(broadcast)
    broadcast.store = store
    limiter = SimpleNamespace(broadcast_budget=lambda: 3, take=lambda: None)
    settings = Settings(_env_file=None, bot_today=date(2026, 12, 2), reminder_poll_seconds=60)
    sender = ReminderSender(broadcast, bot=None, settings=settings, limiter=limiter)
    task = sender.start()
    await asyncio.wait_for(store.releasing.wait(), 5)
    task.cancel()  # the application's shutdown, while the rows are being released
    done, _ = await asyncio.wait([task], timeout=2)
    assert task in done, "the sender swallowed its cancellation and kept running"
    assert task.cancelled()
