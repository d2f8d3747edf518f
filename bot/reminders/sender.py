"""The reminder sender: one background task per process; only the broadcast lease's holder
sends (several instances on PostgreSQL, `bot/cluster.py`), and every one of its transactions
checks the lease's fencing token, as the broadcast sender's do.

Each pass (every `REMINDER_POLL_SECONDS`, or at once when woken): pending reminders whose
deadline has passed are dropped (`expired`, logged and counted); of a person's reminders for
one deadline that are all due (the bot was down), only the latest stage goes (`superseded` for
the others); then the due ones are claimed — marked `sending` in a committed transaction before
their request — and marked `sent` after it. After a crash or `kill -9`, or when another instance
takes the lease over, rows found in `sending` become `uncertain` and are never resent: nobody
gets a reminder twice (the at-most-once boundary of the broadcasts, README). Everything else
that was due while the bot was down goes out when it comes back.

Pacing: the one outbound limiter (bot/pacing.py) at BROADCAST priority, within its broadcast
budget and a second apart per chat, and yielding while someone's update is being handled, so a
person's reply goes first. 403 (the person blocked the bot) drops all their pending reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import date
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.metrics import METRICS
from bot.pacing import BROADCAST
from bot.reminders import due_by, reminder_text
from bot.store.base import LeaseLost
from bot.store.reminders import R_BLOCKED, R_FAILED, R_PENDING, R_SENT, Reminder

log = logging.getLogger(__name__)


TICK = 0.002
# A reminder may wait: while someone's update is being handled the sender waits up to this many
# short waits (1 ms each) in a row before sending anyway, and keeps few requests in flight,
# so that a reply never queues behind a crowd of reminder requests on the event loop.
MAX_YIELD = 50
YIELD_SECONDS = 0.001
MAX_IN_FLIGHT = 16
# Requests are started one per turn of the event loop, never a batch in one turn: a step of a
# reply waits behind at most one reminder's work, not behind a claimed batch's.
FLUSH_EVERY = 64  # results written in one transaction ...
FLUSH_SECONDS = 0.05  # ... or after this long; while a reply is being made, up to 4x this long
LEASE_WAIT = 1.0


class ReminderSender:
    def __init__(self, broadcast_sender: Any, bot: Any, settings: Any, limiter: Any,
                 busy: Any = None) -> None:  # fmt: skip
        self.broadcast = broadcast_sender  # its lease (if any) and fenced store are used
        self.bot = bot
        self.settings = settings
        self.limiter = limiter
        self.busy = busy or (lambda: False)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # the lease token under which `sending` rows were last recovered
        self._recovered_token: int | None = -1
        self.sent = 0
        self.passes = 0
        self.dropped = 0
        self.uncertain = 0
        self._attempts: dict[int, int] = {}  # network errors per reminder id
        self._requested: set[int] = set()  # reminder ids whose request has started

    # --- lifecycle
    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self._run(), name="reminder-sender")
        return self._task

    def wake(self) -> None:
        """Reminders were added, or the date moved (tests): look now."""
        self._wake.set()

    @property
    def store(self) -> Any:
        return self.broadcast.store  # fenced by the lease's token on a shared store

    def _token(self) -> int | None:
        """The lease token this process may send under; None when it may not (another instance
        holds the lease). A store only one process uses has no lease: 0."""
        if not hasattr(self.broadcast, "holds_lease"):
            return 0
        if not self.broadcast.holds_lease or self.broadcast.lease is None:
            return None
        return int(self.broadcast.lease.token)

    async def _run(self) -> None:
        while True:
            try:
                token = self._token()
                if token is None:
                    await self._sleep(LEASE_WAIT)
                    continue
                if token != self._recovered_token:
                    await self._recover()
                    self._recovered_token = token
                await self.run_pass()
                await self._sleep(self.settings.reminder_poll_seconds)
            except asyncio.CancelledError:
                raise
            except LeaseLost:
                log.info("reminders: lease lost; waiting")
                await asyncio.sleep(LEASE_WAIT)
            except Exception:
                log.exception("reminder sender failed; retrying in a moment")
                await asyncio.sleep(1.0)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _recover(self) -> None:
        async with self.store.transaction() as tx:
            n = await tx.recover_sending_reminders()
        if n:
            self.uncertain += n
            METRICS.count("bot_reminders_uncertain_total", n)
            log.warning("reminders uncertain after a restart or takeover; not resent",
                        extra={"fields": {"uncertain": n}})  # fmt: skip

    # --- one pass
    async def run_pass(self) -> int:
        """Drop what is past, then send everything due; returns how many were sent."""
        self.passes += 1
        settings = self.settings
        today: date = settings.today()
        last_due = due_by(settings.bot_today, settings.reminder_hour)
        async with self.store.transaction() as tx:
            expired = await tx.expire_reminders(today.isoformat())
            superseded = await tx.supersede_reminders(last_due.isoformat())
        if expired or superseded:
            self.dropped += expired + superseded
            if expired:
                METRICS.count("bot_reminders_dropped_total", expired, reason="expired")
            if superseded:
                METRICS.count("bot_reminders_dropped_total", superseded, reason="superseded")
            fields = {"expired": expired, "superseded": superseded}
            log.warning("reminders dropped: their date passed while the bot was not sending",
                        extra={"fields": fields})  # fmt: skip
        return await self._send_due(today, last_due)

    async def _send_due(self, today: date, last_due: date) -> int:
        limiter = self.limiter
        busy = self.busy
        in_flight: set[asyncio.Task[None]] = set()
        waiting: dict[asyncio.Task[None], int] = {}  # in flight -> reminder id
        claimed: deque[Reminder] = deque()  # claimed (`sending`), request not started yet
        results: list[tuple[int, str, str | None]] = []
        blocked: list[int] = []
        sent = 0
        exhausted = False
        yielded = 0
        room_max = min(self.settings.broadcast_max_in_flight, MAX_IN_FLIGHT)
        try:
            last_flush = time.monotonic()
            while not exhausted or claimed or in_flight or results:
                now = time.monotonic()
                if (results or blocked) and (
                    len(results) >= FLUSH_EVERY or now - last_flush >= FLUSH_SECONDS or exhausted
                ) and (  # a few transactions a second, not one per message; not mid-reply
                    not busy() or now - last_flush >= 4 * FLUSH_SECONDS
                    or len(results) >= 4 * FLUSH_EVERY or (exhausted and not claimed)
                ):  # fmt: skip
                    last_flush = now
                    sent += await self._flush(results, blocked)
                    await asyncio.sleep(0)
                    continue
                if exhausted and not claimed:
                    await asyncio.sleep(TICK)
                    continue
                if self._token() is None:
                    raise LeaseLost("reminders: the lease is gone")
                if busy() and yielded < MAX_YIELD:
                    yielded += 1  # someone's update is being handled: it goes first
                    await asyncio.sleep(YIELD_SECONDS)
                    continue
                yielded = 0
                if not claimed:
                    budget = min(limiter.broadcast_budget(), room_max - len(in_flight))
                    if budget <= 0:
                        await asyncio.sleep(TICK)
                        continue
                    async with self.store.transaction() as tx:
                        batch = await tx.claim_reminders(last_due.isoformat(), budget)
                    if len(batch) < budget:
                        exhausted = True
                    claimed.extend(batch)
                    await asyncio.sleep(0)  # the claim's transaction, then the first request
                    continue
                rem = claimed.popleft()  # budgeted when claimed
                limiter.take()
                task = asyncio.create_task(self._send_one(rem, today, results, blocked))
                waiting[task] = rem.id
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                task.add_done_callback(lambda t: waiting.pop(t, None))
                await asyncio.sleep(0)  # one request started a turn
        finally:
            # Stopped (shutdown, lease lost): requests under way stop and their rows stay
            # `sending` (uncertain after the restart); rows whose request had not started yet
            # go back to pending, so they are not lost.
            unstarted = [rid for task, rid in waiting.items() if rid not in self._requested]
            unstarted += [rem.id for rem in claimed]
            for task in list(in_flight):
                task.cancel()
            if unstarted:
                # Shielded, so a stop does not cut the release short; but a stop that arrives
                # meanwhile still stops this task (swallowing it kept the loop running, and
                # the application's shutdown waited on it for ever).
                try:
                    await asyncio.shield(self._release(unstarted))
                except Exception:
                    log.exception("reminders: claimed rows not released (they become uncertain)")
        return sent

    async def _release(self, ids: list[int]) -> None:
        async with self.store.transaction() as tx:
            await tx.finish_reminders([(rid, R_PENDING, None) for rid in ids])

    async def _send_one(self, rem: Reminder, today: date, results: list, blocked: list) -> None:
        ready = self.limiter.chat_ready_at(rem.user_id)
        if ready:
            await asyncio.sleep(max(0.0, ready - time.monotonic()))
        for _ in range(MAX_YIELD):
            if not self.busy():
                break
            await asyncio.sleep(YIELD_SECONDS)  # a reply is being made: it goes first
        self._requested.add(rem.id)  # from here on it may arrive: not released on a stop
        text = reminder_text(rem.scheme, date.fromisoformat(rem.deadline), rem.url, rem.lang, today)  # type: ignore[arg-type]
        kwargs = {"chat_id": rem.user_id, "text": text, "parse_mode": "HTML",
                  "link_preview_options": {"is_disabled": True}}  # fmt: skip
        try:
            await self.bot.do_api_request(
                "sendMessage", api_kwargs=kwargs,
                read_timeout=self.settings.broadcast_request_timeout, rate_limit_args=BROADCAST,
            )  # fmt: skip
        except RetryAfter:
            results.append((rem.id, R_PENDING, None))  # the limiter paused the broadcasts
        except Forbidden as exc:
            results.append((rem.id, R_BLOCKED, str(exc)[:200]))
            blocked.append(rem.user_id)
        except BadRequest as exc:
            results.append((rem.id, R_FAILED, str(exc)[:200]))
        except NetworkError as exc:  # timeouts, 5xx: tried again, a few times
            tries = self._attempts[rem.id] = self._attempts.get(rem.id, 0) + 1
            if tries >= self.settings.broadcast_max_attempts:
                results.append((rem.id, R_FAILED, str(exc)[:200]))
            else:
                results.append((rem.id, R_PENDING, None))
        except TelegramError as exc:
            results.append((rem.id, R_FAILED, str(exc)[:200]))
        else:
            results.append((rem.id, R_SENT, None))
        finally:
            self._requested.discard(rem.id)

    async def _flush(self, results: list, blocked: list) -> int:
        done, results[:] = list(results), []
        users, blocked[:] = sorted(set(blocked)), []
        async with self.store.transaction() as tx:
            await tx.finish_reminders(done)
            for user_id in users:
                await tx.drop_reminders(user_id, R_BLOCKED)
                await tx.mark_chat_inactive(user_id)
        sent = sum(1 for _, state, _ in done if state == R_SENT)
        self.sent += sent
        if sent:
            METRICS.count("bot_reminders_sent_total", sent)
        if users:
            METRICS.count("bot_reminders_blocked_total", len(users))
        for rid, state, _ in done:
            if state != R_PENDING:
                self._attempts.pop(rid, None)
        if any(state == R_PENDING for _, state, _ in done):
            await asyncio.sleep(self.settings.broadcast_retry_seconds)  # not in a tight loop
        return sent
