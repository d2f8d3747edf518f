"""A broadcast to 100,000 subscribers against the emulator enforcing Telegram's limits, while
people answer the questionnaire: achieved rate, 429s, duplicates and misses, reply latency.

The real Application runs in polling mode on the in-process Bot API (the test emulator's core,
no network). Telegram's limits (overall per second, one a second per chat, 20 a minute per
group) are enforced by the emulator; time is "scaled" by raising the overall limit together
with the bot's BROADCAST_RATE_PER_SECOND (30/s × 10 = 300/s: 100,000 messages in ~6 minutes).
An admin prepares the broadcast with /broadcast and confirms it; meanwhile `--users` people
answer questions (one action, then a pause of `--think` seconds); each action's reply time is
measured from the action to the bot's first message or edit in that chat. The same people then
answer for `--baseline` seconds without a broadcast.

    .venv/bin/python bench/bench_broadcast.py                 # 30/s scaled ×10, then ×33
    .venv/bin/python bench/bench_broadcast.py --rates 1000 --recipients 20000

Targets: achieved rate / configured limit ≥ 0.95; duplicates 0 and misses 0; reply p99 during
the broadcast at most 1.5× the p99 without it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_application
from bot.settings import Settings
from dialogs import QuestionFlow
from tests.telegram_emulator import EmulatorCore, EmulatorRequest
from tests.telegram_emulator.fixtures import polling

OWNER = 555000001
TEXT = "<b>Rule change</b>: the TTPS list of eligible universities was updated."
EXPORT = QuestionFlow.default().export()
PROMPTS = [(q["prompt"]["en"], q) for q in EXPORT["questions"]]


def _question(text: str) -> dict | None:
    found = [q for prompt, q in PROMPTS if prompt in text]
    return max(found, key=lambda q: len(q["prompt"]["en"])) if found else None


async def _act(user, core: EmulatorCore, rng: random.Random) -> None:
    """One questionnaire action on what the bot last showed this user."""
    last = core.last(user)
    if last is None or "Catalogue" in (last.text or ""):
        await user.send("/restart" if last is not None else "/start")
        return
    labels = [(t, d) for row in last.buttons for t, d in row]
    see = [d for t, d in labels if "See my result" in t]
    if see:
        await user.press(last, see[0])
        return
    q = _question(last.text or "")
    answers = [(t, d) for t, d in labels if d.startswith("a|")]
    if q is not None and q["id"] == "age":
        await user.send(str(rng.randint(20, 50)))
    elif answers:
        await user.press(last, rng.choice(answers)[1])
    else:
        await user.send("3")


async def _answering(core, users, think: float, stop: asyncio.Event, latencies: list[float]):
    rng = random.Random(7)

    async def person(user) -> None:
        await asyncio.sleep(rng.random() * think)
        while not stop.is_set():
            since = len(core._events)
            start = time.perf_counter()
            await _act(user, core, rng)
            try:
                await core.wait_for(None, chat_id=user, since=since, timeout=30)
            except Exception:
                latencies.append(30.0)
            else:
                latencies.append(time.perf_counter() - start)
            await asyncio.sleep(think)

    await asyncio.gather(*(person(u) for u in users))


class SendClock:
    """Times of the broadcast's deliveries and of every successful send (the emulator side)."""

    def __init__(self, core: EmulatorCore, recipients: set[int]) -> None:
        self.first = self.last = 0.0
        self.broadcast = 0
        self.all_sends = 0
        original = core.call

        async def call(token, method, params=None):
            status, body = await original(token, method, params)
            if status == 200 and method in ("sendMessage", "editMessageText"):
                now = time.perf_counter()
                self.all_sends += 1
                chat = (params or {}).get("chat_id")
                if method == "sendMessage" and chat is not None and int(chat) in recipients:
                    self.broadcast += 1
                    self.first = self.first or now
                    self.last = now
            return status, body

        core.call = call  # type: ignore[method-assign]


async def quiet_replies(core, people, think: float, seconds: float) -> list[float]:
    """Reply times of `people` answering for `seconds` while nothing else is sent."""
    stop = asyncio.Event()
    times: list[float] = []
    task = asyncio.create_task(_answering(core, people, think, stop, times))
    await asyncio.sleep(seconds)
    stop.set()
    await task
    await asyncio.sleep(0.5)
    return times


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1e3


async def run(
    recipients: int, rate: float, users: int, think: float, baseline: float, per_chat: float
) -> dict:
    core = EmulatorCore(record_requests=False)
    core.limits(global_per_second=rate, per_chat_per_second=per_chat, per_group_per_minute=20)
    result: dict = {"rate": rate, "recipients": recipients}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            telegram_bot_token=core.token,
            database_url=f"sqlite:///{tmp}/bench.sqlite3",
            bot_admin_ids=frozenset({OWNER}),
            broadcast_rate_per_second=rate,
            broadcast_max_in_flight=max(32, int(rate / 20)),
        )
        app = build_application(
            settings,
            request=EmulatorRequest(core, read_timeout=30),
            get_updates_request=EmulatorRequest(core, read_timeout=30),
        )
        people = [core.user(first_name=f"P{i}", language_code="en") for i in range(users)]
        subs = [core.user(started=True) for _ in range(recipients)]
        ids = {u.id for u in subs}
        clock = SendClock(core, ids)
        owner = core.user(id=OWNER, first_name="Owner", language_code="en")
        async with polling(app):
            store = app.bot_data["services"].store
            async with store.transaction() as tx:
                for u in subs:
                    await tx.subscribe(u.id, "en", ("*",))
            sender = app.bot_data["broadcast_sender"]
            # The emulator keeps every user and message in this process; without this, full
            # garbage collections of its heap (not the bot's) would dominate the tail latency.
            gc.collect()
            gc.freeze()

            quiet = await quiet_replies(core, people, think, baseline)  # without a broadcast

            quiet_limited = core.rate_limited

            # with the broadcast
            sends_before = clock.all_sends
            stop = asyncio.Event()
            busy: list[float] = []
            await owner.send(f"/broadcast {TEXT}")
            preview = await core.wait_for(lambda m: bool(m.buttons), chat_id=owner, timeout=30)
            data = next(d for row in preview.buttons for t, d in row if t.startswith("✅"))
            limited_before = core.rate_limited
            task = asyncio.create_task(_answering(core, people, think, stop, busy))
            await owner.press(preview, data)
            while True:
                await asyncio.sleep(0.2)
                async with store.transaction() as tx:
                    job = (await tx.broadcasts(limit=1))[0]
                if job.status == "done":
                    break
            stop.set()
            await task
            elapsed = clock.last - clock.first
            counts = [core.delivered_count(u) for u in subs]
            result.update(
                achieved=clock.broadcast / elapsed if elapsed else 0.0,
                total_rate=(clock.all_sends - sends_before) / elapsed if elapsed else 0.0,
                seconds=elapsed,
                limited=core.rate_limited - limited_before,
                quiet_limited=quiet_limited,
                limited_broadcast=sender.rate_limited,
                duplicates=sum(c > 1 for c in counts),
                misses=sum(c == 0 for c in counts),
                quiet=quiet,
                busy=busy,
            )
    return result


def report(r: dict) -> None:
    q, b = r["quiet"], r["busy"]
    print(
        f"\n== configured {r['rate']:.0f}/s (emulator limit {r['rate']:.0f}/s), "
        f"{r['recipients']} recipients =="
    )
    print(
        f"broadcast rate     {r['achieved']:8.1f}/s   achieved / configured = "
        f"{r['achieved'] / r['rate']:.3f}   (all the bot's messages: "
        f"{r['total_rate'] / r['rate']:.3f})   in {r['seconds']:.1f} s"
    )
    print(
        f"429s received      {r['limited']} during the broadcast (by the broadcast: "
        f"{r['limited_broadcast']}); {r['quiet_limited']} without it"
    )
    print(f"duplicates {r['duplicates']}   misses {r['misses']}")
    print(
        f"reply time without broadcast: median {statistics.median(q) * 1e3:6.1f} ms  "
        f"p99 {_pct(q, 0.99):6.1f} ms  ({len(q)} replies)"
    )
    print(f"reply time during broadcast:  median {statistics.median(b) * 1e3:6.1f} ms  "
          f"p99 {_pct(b, 0.99):6.1f} ms  ({len(b)} replies)   "
          f"p99 ratio {_pct(b, 0.99) / _pct(q, 0.99):.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rates", type=float, nargs="+", default=[300.0, 1000.0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--baseline", type=float, default=20.0)
    parser.add_argument(
        "--per-chat",
        type=float,
        default=10.0,
        help="the emulator's per-chat limit: simulated people answer faster than "
        "people do and a result is several messages (the broadcast keeps to 1/s)",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for rate in args.rates:
        report(
            asyncio.run(
                run(args.recipients, rate, args.users, args.think, args.baseline, args.per_chat)
            )
        )


if __name__ == "__main__":
    main()
