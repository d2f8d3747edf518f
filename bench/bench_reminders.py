"""Deadline reminders due for 100,000 people, sent while people answer the questionnaire: the
reminders' rate, duplicates and misses, and a person's reply time with and without them.

As bench_broadcast.py: the real Application in polling mode on the in-process Bot API (the test
emulator's core, no network) enforcing Telegram's limits, time "scaled" by raising the overall
limit together with BROADCAST_RATE_PER_SECOND (the reminders' pace is the broadcasts': the one
outbound limiter, bot/pacing.py, at broadcast priority). `--people` reminders are queued (one
due stage each, BOT_TODAY on its due day); `--users` people answer questions (one action, then
`--think` seconds) while nothing is being sent, half of `--baseline` seconds before the reminders
and half after them (so a drift of the machine or of the growing database and emulator weighs on
both sides alike), and while the reminders go.

    .venv/bin/python bench/bench_reminders.py                       # 100,000 at 1000/s
    .venv/bin/python bench/bench_reminders.py --people 20000 --rate 300

Target (issue 14): reply p99 while the reminders are sent at most 1.5x the p99 without them;
every reminder sent once (duplicates 0, misses 0).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_broadcast import SendClock, _answering, _pct, quiet_replies
from bot.app import build_application
from bot.reminders import REMINDERS_KEY
from bot.settings import Settings
from bot.store.reminders import ReminderSpec
from tests.telegram_emulator import EmulatorCore, EmulatorRequest
from tests.telegram_emulator.fixtures import polling

DUE = date(2027, 1, 30)
SPEC = ReminderSpec("IANG:fresh", "2027-03-01", 30, DUE.isoformat(),
                    "https://www.immd.gov.hk/eng/services/visas/IANG.html")  # fmt: skip


# The emulator keeps every message it delivers in this process (some 7 tracked objects a
# reminder); Telegram's servers are not in the bot's heap. Without freezing what has survived
# (as after the setup), full collections of that growing heap (100-200 ms and more) would land in
# the reply times. Done alike with and without the reminders.
FREEZE_SECONDS = 1.0


async def _freeze_every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        gc.freeze()


async def run(people: int, rate: float, users: int, think: float, baseline: float,
              per_chat: float) -> dict:  # fmt: skip
    core = EmulatorCore(record_requests=False)
    core.limits(global_per_second=rate, per_chat_per_second=per_chat, per_group_per_minute=20)
    result: dict = {"rate": rate, "people": people}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            telegram_bot_token=core.token,
            database_url=f"sqlite:///{tmp}/bench.sqlite3",
            bot_today=DUE,
            reminder_poll_seconds=3600.0,  # a pass only when woken below
            broadcast_rate_per_second=rate,
            broadcast_max_in_flight=max(32, int(rate / 20)),
        )
        app = build_application(
            settings,
            request=EmulatorRequest(core, read_timeout=30),
            get_updates_request=EmulatorRequest(core, read_timeout=30),
        )
        answering = [core.user(first_name=f"P{i}", language_code="en") for i in range(users)]
        reminded = [core.user(started=True) for _ in range(people)]
        clock = SendClock(core, {u.id for u in reminded})
        async with polling(app):
            store = app.bot_data["services"].store
            sender = app.bot_data[REMINDERS_KEY]
            started = time.perf_counter()
            async with store.transaction() as tx:
                for u in reminded:
                    await tx.add_reminders(u.id, "en", [SPEC])
            result["queue_seconds"] = time.perf_counter() - started
            gc.collect()
            gc.freeze()  # the emulator's heap, not the bot's, would dominate full collections
            freezer = asyncio.create_task(_freeze_every(FREEZE_SECONDS))

            before = await quiet_replies(core, answering, think, baseline / 2)

            stop = asyncio.Event()
            busy: list[float] = []
            limited_before = core.rate_limited
            task = asyncio.create_task(_answering(core, answering, think, stop, busy))
            sender.wake()
            # Watched from the sender's counters; the full count (a scan of the table, ~15 ms
            # at 100,000 rows, on the bot's event loop) only every few seconds and at the end.
            looked = time.monotonic()
            while True:
                await asyncio.sleep(0.2)
                if sender.sent + sender.dropped < people and time.monotonic() - looked < 5.0:
                    continue
                looked = time.monotonic()
                async with store.transaction() as tx:
                    counts = await tx.reminder_counts()
                if not counts.get("pending") and not counts.get("sending"):
                    break
            stop.set()
            await task
            await asyncio.sleep(0.5)
            after = await quiet_replies(core, answering, think, baseline / 2)
            freezer.cancel()
            elapsed = clock.last - clock.first
            delivered = [core.delivered_count(u) for u in reminded]
            result.update(
                achieved=clock.broadcast / elapsed if elapsed else 0.0,
                seconds=elapsed,
                limited=core.rate_limited - limited_before,
                duplicates=sum(c > 1 for c in delivered),
                misses=sum(c == 0 for c in delivered),
                counts=counts,
                quiet=before + after,
                before=before,
                after=after,
                busy=busy,
            )
    return result


def report(r: dict) -> None:
    q, b = r["quiet"], r["busy"]
    print(f"\n== {r['people']} reminders due, limit {r['rate']:.0f}/s ==")
    print(f"queued in          {r['queue_seconds']:8.1f} s")
    print(f"reminder rate      {r['achieved']:8.1f}/s   achieved / limit = "
          f"{r['achieved'] / r['rate']:.3f}   in {r['seconds']:.1f} s")  # fmt: skip
    print(f"429s received      {r['limited']}   final states {r['counts']}")
    print(f"duplicates {r['duplicates']}   misses {r['misses']}")
    print(f"reply time without reminders: median {statistics.median(q) * 1e3:6.1f} ms  "
          f"p99 {_pct(q, 0.99):6.1f} ms  ({len(q)} replies; p99 before "
          f"{_pct(r['before'], 0.99):.1f} ms, after {_pct(r['after'], 0.99):.1f} ms)")  # fmt: skip
    ratio = _pct(b, 0.99) / _pct(q, 0.99)
    print(f"reply time while sending:     median {statistics.median(b) * 1e3:6.1f} ms  "
          f"p99 {_pct(b, 0.99):6.1f} ms  ({len(b)} replies)   p99 ratio {ratio:.2f} "
          f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--baseline", type=float, default=60.0)
    parser.add_argument("--per-chat", type=float, default=10.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    report(asyncio.run(run(args.people, args.rate, args.users, args.think, args.baseline,
                           args.per_chat)))  # fmt: skip


if __name__ == "__main__":
    main()
