"""The durable broadcast sender: one background task per process.

A job's recipients are written to the database (from its audience, in chunks) before anything
is sent. Each recipient is then marked `sending` in a committed transaction *before* its request
and `sent` (or `failed`, `blocked`) after. After a crash, recipients still in `sending` may or
may not have the message (Telegram has no idempotency key): they become `uncertain`, are never
resent automatically, and the admin may resend them with a button. Everything else resumes.

Pacing is the outbound limiter's (bot/pacing.py), the one every request passes: the sender
asks it how many messages may start (`broadcast_budget`) and when a chat may get one
(`chat_ready_at`), and sends at priority BROADCAST so that people's replies go first.

Errors: 429 pauses the broadcast for retry_after (only the broadcast, in the limiter); 403
marks the chat inactive and is never retried; 400 (e.g. "chat not found") fails that recipient;
a group moved to a supergroup is followed; network errors and 5xx are retried with exponential
backoff up to BROADCAST_MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.outbox import markup
from bot.pacing import BROADCAST, REPLY, OutboundLimiter, retry_seconds
from bot.settings import Settings
from bot.store import Store
from bot.store.broadcasts import (
    BLOCKED,
    CANCELLED,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    SENDING,
    SENT,
    BroadcastJob,
    Recipient,
)
from bot.store.followups import PERSONAL

log = logging.getLogger(__name__)

FILL_CHUNK = 2000
TICK = 0.005
MAX_YIELD = 10  # at most this many short waits in a row for updates being handled
IDLE_WAIT = 5.0


@dataclass
class JobRun:
    """What the sender keeps in memory about the job it is sending (counts for progress)."""

    job: BroadcastJob
    counts: dict[str, int]
    started: float = field(default_factory=time.monotonic)
    sent_at_start: int = 0
    rate_limited: int = 0

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    def move(self, old: str, new: str, n: int = 1) -> None:
        self.counts[old] = self.counts.get(old, 0) - n
        self.counts[new] = self.counts.get(new, 0) + n

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        done = self.count(SENT) - self.sent_at_start
        return done / elapsed if elapsed > 0.5 and done > 0 else 0.0


class BroadcastSender:
    def __init__(
        self, store: Store, bot: Bot, settings: Settings, limiter: OutboundLimiter, busy=None
    ) -> None:
        self.store = store
        # True while the bot is handling someone's update: the broadcast waits (a little) so
        # that replies get the event loop first.
        self.busy = busy or (lambda: False)
        self.bot = bot
        self.settings = settings
        self.limiter = limiter
        self.current: JobRun | None = None
        self._wake = asyncio.Event()
        self._control = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.rate_limited = 0  # 429s the broadcast received (all jobs)
        self.uncertain_at_start = 0
        # Work that only the sender's process (with a shared store: the lease holder) does,
        # run when the sender is idle, through its store (fenced by the lease): the
        # re-evaluation after a new catalogue and the daily date-driven check (bot/followup/).
        self.duties: list[Callable[[Store], Awaitable[None]]] = []
        from bot.broadcast.views import progress_screen

        self._progress_screen = progress_screen

    # --- lifecycle
    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self._run(), name="broadcast-sender")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """A job was confirmed, paused, resumed or cancelled: look again now."""
        self._wake.set()
        self._control.set()

    # --- the loop
    async def _run(self) -> None:
        async with self.store.transaction() as tx:
            self.uncertain_at_start = await tx.recover_sending()
        if self.uncertain_at_start:
            log.warning("broadcast recipients uncertain after a restart",
                        extra={"fields": {"uncertain": self.uncertain_at_start}})  # fmt: skip
        while True:
            try:
                async with self.store.transaction() as tx:
                    job = await tx.next_broadcast(time.time())
                    if job is not None and job.status != RUNNING:
                        await tx.update_broadcast(job.id, status=RUNNING)
                        job.status = RUNNING
                    if job is not None and job.started_at is None:
                        job.started_at = time.time()
                        await tx.update_broadcast(job.id, started_at=job.started_at)
                    due = await tx.next_scheduled_at() if job is None else None
                if job is None and self.duties:
                    await self._run_duties()
                if job is None:
                    wait = IDLE_WAIT if due is None else min(IDLE_WAIT, due - time.time())
                    wait = max(0.05, wait)
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
                    continue
                await self._run_job(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast sender failed; retrying in a moment")
                await asyncio.sleep(1.0)

    async def _run_duties(self) -> None:
        for duty in self.duties:
            try:
                await duty(self.store)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender duty failed", extra={"fields": {"duty": repr(duty)}})

    async def _fill(self, job: BroadcastJob) -> None:
        while not job.filled:
            async with self.store.transaction() as tx:
                last = await tx.fill_recipients(job.id, job.audience, job.fill_cursor, FILL_CHUNK)
                if last is None:
                    job.filled = True
                    counts = await tx.recipient_counts(job.id)
                    job.total = sum(counts.values())
                    await tx.update_broadcast(job.id, filled=True, total=job.total)
                else:
                    job.fill_cursor = last
                    await tx.update_broadcast(job.id, fill_cursor=last)
            await asyncio.sleep(0)  # let updates in between chunks

    async def _run_job(self, job: BroadcastJob) -> None:
        await self._fill(job)
        async with self.store.transaction() as tx:
            counts = await tx.recipient_counts(job.id)
        run = JobRun(job, counts, sent_at_start=counts.get(SENT, 0))
        self.current = run
        settings = self.settings
        limiter = self.limiter
        in_flight: set[asyncio.Task[None]] = set()
        retries: list[tuple[float, int, Recipient]] = []  # (due, seq, recipient)
        seq = itertools.count()
        results: list[tuple[int, str, int, str | None]] = []
        inactive: list[int] = []
        moved: list[tuple[Recipient, int]] = []
        exhausted = False
        status = RUNNING
        next_progress = 0.0
        next_status_check = time.monotonic() + 1.0
        yielded = 0

        def retry_later(rec: Recipient, delay: float) -> None:
            heapq.heappush(retries, (time.monotonic() + delay, next(seq), rec))

        async def send_one(rec: Recipient) -> None:
            rec.attempts += 1
            try:
                # a personal job's recipient has its own text (issue 14)
                await self._deliver(job if rec.text is None else replace(job, text=rec.text),
                                    rec.chat_id)  # fmt: skip
            except RetryAfter as exc:
                rec.attempts -= 1
                wait = retry_seconds(exc)
                self.rate_limited += 1
                run.rate_limited += 1
                retry_later(rec, wait)  # the limiter has paused the broadcast
            except Forbidden as exc:
                results.append((rec.id, BLOCKED, rec.attempts, str(exc)[:200]))
                inactive.append(rec.chat_id)
            except ChatMigrated as exc:
                rec.attempts -= 1
                moved.append((rec, int(exc.new_chat_id)))
            except BadRequest as exc:  # chat not found, and other refusals: not retried
                results.append((rec.id, FAILED, rec.attempts, str(exc)[:200]))
            except NetworkError as exc:  # timeouts, connection errors, 5xx
                if rec.attempts >= settings.broadcast_max_attempts:
                    results.append((rec.id, FAILED, rec.attempts, str(exc)[:200]))
                else:
                    retry_later(rec, settings.broadcast_retry_seconds * 2 ** (rec.attempts - 1))
            except TelegramError as exc:
                results.append((rec.id, FAILED, rec.attempts, str(exc)[:200]))
            else:
                results.append((rec.id, SENT, rec.attempts, None))

        def spawn(rec: Recipient) -> None:
            limiter.take()
            task = asyncio.create_task(send_one(rec))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)

        while True:
            now = time.monotonic()
            if self._control.is_set() or now >= next_status_check:
                self._control.clear()
                next_status_check = now + 1.0
                async with self.store.transaction() as tx:
                    fresh = await tx.load_broadcast(job.id)
                if fresh is not None:
                    status = fresh.status
                    job.progress_message_id = fresh.progress_message_id
                    if status == RUNNING and exhausted:
                        exhausted = False  # resend or resume may have added pending rows
            if results or inactive or moved:
                await self._flush(run, results, inactive, moved)
            if status == RUNNING and self.busy() and yielded < MAX_YIELD:
                yielded += 1  # someone's update is being handled: let it finish first
                await asyncio.sleep(TICK / 5)
                continue
            yielded = 0
            if status == RUNNING:
                room = settings.broadcast_max_in_flight - len(in_flight)
                budget = min(limiter.broadcast_budget(), room)
                while budget > 0 and retries and retries[0][0] <= now:
                    rec = heapq.heappop(retries)[2]
                    ready = limiter.chat_ready_at(rec.chat_id)
                    if ready:
                        retry_later(rec, max(0.0, ready - now))
                        continue
                    spawn(rec)
                    budget -= 1
                if budget > 0 and not exhausted:
                    async with self.store.transaction() as tx:
                        claimed = await tx.claim_recipients(job.id, budget)
                        if job.kind == PERSONAL and claimed:
                            texts = await tx.recipient_texts([r.id for r in claimed])
                            for rec in claimed:
                                rec.text = texts.get(rec.id, "")
                    run.move("pending", SENDING, len(claimed))
                    if len(claimed) < budget:
                        exhausted = True
                    for rec in claimed:
                        ready = limiter.chat_ready_at(rec.chat_id)
                        if ready:
                            retry_later(rec, ready - now)
                        else:
                            spawn(rec)
                finished = exhausted and not in_flight and not retries and not results
            else:
                finished = not in_flight
            if now >= next_progress:
                next_progress = now + settings.broadcast_progress_seconds
                await self._progress(run, status)
            if finished:
                await self._flush(run, results, inactive, moved)
                if retries:  # paused or cancelled while waiting to retry: back to pending
                    ids = [r[2].id for r in retries]
                    async with self.store.transaction() as tx:
                        await tx.release_recipients(ids)
                    run.move(SENDING, "pending", len(ids))
                    retries.clear()
                async with self.store.transaction() as tx:
                    # Decided on what the database says now: an admin may have pressed
                    # resend, pause or cancel since the last look.
                    fresh = await tx.load_broadcast(job.id)
                    run.counts = await tx.recipient_counts(job.id)
                    left = run.counts.get(PENDING, 0) + run.counts.get(SENDING, 0)
                    if fresh is not None and fresh.status == RUNNING and not left:
                        await tx.update_broadcast(job.id, status=DONE, finished_at=time.time())
                    elif fresh is not None and fresh.status == CANCELLED and not fresh.finished_at:
                        await tx.update_broadcast(job.id, finished_at=time.time())
                    fresh = await tx.load_broadcast(job.id)
                if fresh is not None:
                    run.job = fresh
                    status = fresh.status
                await self._progress(run, status, final=True)
                self.current = None
                if status not in (DONE, CANCELLED):  # paused: wait to be resumed
                    self._wake.clear()
                return
            await asyncio.sleep(TICK if status == RUNNING else 0.05)

    async def _flush(
        self,
        run: JobRun,
        results: list[tuple[int, str, int, str | None]],
        inactive: list[int],
        moved: list[tuple[Recipient, int]],
    ) -> None:
        done, results[:] = list(results), []
        chats, inactive[:] = list(inactive), []
        migrations, moved[:] = list(moved), []
        requeue: list[Recipient] = []
        async with self.store.transaction() as tx:
            if done:
                await tx.finish_recipients(done)
            for chat_id in chats:
                await tx.mark_chat_inactive(chat_id)
            for rec, new_id in migrations:
                await tx.move_chat(rec.chat_id, new_id)
                if await tx.move_recipient(rec.id, new_id):
                    rec.chat_id = new_id
                    requeue.append(rec)
                else:  # the supergroup is already a recipient of this job
                    await tx.finish_recipients(
                        [(rec.id, FAILED, rec.attempts, "moved to a listed chat")]
                    )
                    done.append((rec.id, FAILED, rec.attempts, None))
        for _, state, _, _ in done:
            run.move(SENDING, state)
        for rec in requeue:
            # deliver to the supergroup: it is still `sending` for this job
            try:
                await self._deliver(run.job, rec.chat_id)
            except TelegramError as exc:
                async with self.store.transaction() as tx:
                    await tx.finish_recipients([(rec.id, FAILED, rec.attempts + 1, str(exc)[:200])])
                run.move(SENDING, FAILED)
            else:
                async with self.store.transaction() as tx:
                    await tx.finish_recipients([(rec.id, SENT, rec.attempts + 1, None)])
                run.move(SENDING, SENT)

    async def _deliver(self, job: BroadcastJob, chat_id: int) -> Any:
        timeout = self.settings.broadcast_request_timeout
        if job.kind == "copy":
            kwargs = {"chat_id": chat_id, "from_chat_id": job.from_chat_id,
                      "message_id": job.message_id}  # fmt: skip
            return await self.bot.do_api_request(
                "copyMessage", api_kwargs=kwargs, read_timeout=timeout, rate_limit_args=BROADCAST
            )
        kwargs = {"chat_id": chat_id, "text": job.text, "parse_mode": "HTML",
                  "link_preview_options": {"is_disabled": True}}  # fmt: skip
        return await self.bot.do_api_request(
            "sendMessage", api_kwargs=kwargs, read_timeout=timeout, rate_limit_args=BROADCAST
        )

    async def _progress(self, run: JobRun, status: str, *, final: bool = False) -> None:
        job = run.job
        if job.progress_message_id is None:
            return
        if not final and self.limiter.chat_ready_at(job.admin_chat_id):
            return  # the admin's chat had a message this second: next time
        lang = await self._admin_lang(job)
        screen = self._progress_screen(run, status, lang, final=final)
        kwargs = {"chat_id": job.admin_chat_id, "message_id": job.progress_message_id,
                  "text": screen.text, "parse_mode": "HTML",
                  "link_preview_options": {"is_disabled": True}}  # fmt: skip
        if screen.keyboard is not None:
            kwargs["reply_markup"] = markup(screen.keyboard)
        # The final report must get through: at REPLY priority the limiter waits out a 429 and
        # retries; a passing one may be skipped.
        try:
            await self.bot.do_api_request(
                "editMessageText", api_kwargs=kwargs, read_timeout=10,
                rate_limit_args=REPLY if final else BROADCAST,
            )  # fmt: skip
        except TelegramError as exc:
            if "not modified" not in str(exc).lower():
                log.info("progress not updated", extra={"fields": {"error": str(exc)}})

    async def _admin_lang(self, job: BroadcastJob) -> str:
        async with self.store.transaction() as tx:
            user = await tx.load_user(job.created_by)
        return user.lang if user and user.lang else "en"
