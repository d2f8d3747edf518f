"""Several instances behind one webhook URL, sharing PostgreSQL (issue 7).

Per-user ordering across instances — `UpdateInbox`:
  One user's updates may reach two instances at the same moment. In one process,
  `bot/ordering.py` already runs a user's updates one after another; across processes the
  database does it. Every update is first written to `update_inbox` (its update_id is the key,
  so a resent update is recognised and acknowledged without running twice), and the webhook
  request is answered then (`bot/webhook.py`): handling happens after. The instance tries the
  user's *drain lock* — a session-level `pg_try_advisory_lock` — and, holding it, processes
  every pending update of that user in update_id order, including ones that reached another
  instance (the payload is in the row). The instance that did not get the lock waits until its
  update is marked done by whoever processed it; if the lock holder dies, PostgreSQL frees the
  lock with its connection and the waiting instance drains. An update acknowledged by an
  instance killed before handling it stays pending in the table: `UpdateInbox.recover` (at
  start and every minute, on every instance) drains users whose oldest pending update is older
  than that and whose lock is free. SQLite (one process) uses the same table and methods, with
  the lock in memory.
  An update is taken only once it is `update_order_window_ms` old (by the database's clock): a
  lower update_id sent at the same moment to another instance has that long to be registered
  first. An update older than one already applied (it arrived later than the window) is still
  applied, not dropped, and counted in `bot_updates_late_total`.

  Why a session-level lock held across the handler's awaits and not a lock per transaction:
  ordering needs the whole update (read the session, reply, commit) to be exclusive, and the
  handlers' transactions stay short (nothing but their own statements awaited inside). The
  drain lock uses its own key space (`drain_lock_key`), so nothing else ever waits on it.

  Exactly once: an update marked done is never run again. One killed in the middle of its
  handler (after its answer was committed, before it was marked done) runs again after the
  restart; the handlers are idempotent for that case (a typed answer remembers the message it
  came from, a button press names the question it answers).

One broadcast sender at a time — `LeasedBroadcastSender`:
  The sender runs only while its instance holds the `broadcast-sender` lease (a row with an
  expiry by the database's clock and a fencing token that grows on every takeover). The holder
  renews it every third of its length; every transaction of the sender first checks the token
  (`Store.check_fence`, which also blocks a takeover until that transaction commits), so a
  holder that lost the lease without noticing cannot write. It also stops *sending* before its
  lease could have expired (a local deadline that starts before each renewal request), and
  cancels its requests in flight. The new holder starts like a restarted sender: recipients left
  in `sending` become `uncertain` (never resent automatically), the rest continue. So a killed
  holder's broadcast is finished by another instance and nobody gets a copy twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.broadcast.sender import BroadcastSender
from bot.metrics import METRICS
from bot.ordering import ordering_key
from bot.store.base import Lease, LeaseLost
from bot.tasks import stop_tasks

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)

BROADCAST_LEASE = "broadcast-sender"
INBOX_KEY = "update_inbox"  # bot_data: the application's UpdateInbox (see bot/webhook.py)
DEDUPE_SECONDS = 3600.0  # processed updates are remembered (id and user only) this long
PURGE_EVERY = 300.0
CLOSE_SECONDS = 20.0  # on shutdown, how long updates in hand may take to finish
DROP_SECONDS = 10.0  # how long the broadcast sender's cancelled tasks may take to stop


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class UpdateInbox:
    """Every webhook update goes through here (see the module's docstring): stored, then
    acknowledged, then handled in the background; works on both stores (SQLite's drain lock is
    in memory, one process owning the file)."""

    def __init__(
        self, application: Application, store: Any, *, window: float, poll: float = 0.01
    ) -> None:
        self.application = application
        self.store = store
        self.window = window
        self.poll = poll
        self._done: dict[int, asyncio.Event] = {}  # waiters in this process, by update_id
        self._next_purge = 0.0
        self._mine: set[int] = set()  # update_ids being handled by this process
        self._draining: set[int] = set()  # user keys this process is draining now
        self._again: set[int] = set()  # ... and that got a new update meanwhile
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, update: Update, raw: dict[str, Any]) -> None:
        """Store the update durably and start handling it; returns before the handler runs.

        A resend of an update processed before (or being processed here) is only counted."""
        key = ordering_key(update)
        key = 0 if key is None else key  # nobody to order by (rare): one queue for them all
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY
            with contextlib.suppress(Exception):
                await self.store.inbox_purge(DEDUPE_SECONDS)
        state, generation = await self.store.inbox_enter(update.update_id, key, json.dumps(raw))
        if state == "done" or update.update_id in self._mine:
            if generation is not None:
                await self.store.inbox_unlock(key, generation)
            METRICS.count("bot_updates_duplicate_total")
            return
        if key in self._draining:
            self._again.add(key)  # the drain running here takes it after the current one
            if generation is not None:  # PostgreSQL's lock is re-entrant: give this one back
                await self.store.inbox_unlock(key, generation)
            return
        self._mine.add(update.update_id)
        self._spawn(self._handle(update, key, generation))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def recover(self, older_than: float = 0.0) -> int:
        """Handle updates acknowledged but never processed (their process was killed): drain
        every user with unprocessed updates older than `older_than` whose lock is free."""
        users = await self.store.inbox_stale_users(older_than, 1000)
        for key in users:
            if key not in self._draining:
                self._spawn(self._recover_user(key))
        return len(users)

    async def _recover_user(self, key: int) -> None:
        generation = await self.store.inbox_try_lock(key)
        if generation is None:
            return  # someone is draining this user already
        try:
            processed = await self._drain(key, generation)
        finally:
            await self.store.inbox_unlock(key, generation)
        if processed:
            METRICS.count("bot_updates_recovered_total", len(processed))
            log.info("recovered updates", extra={"fields": {"count": len(processed)}})

    async def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Finish the updates in hand, for up to `timeout` seconds; then stop them (they stay in
        the inbox, so the next start handles them)."""
        deadline = time.monotonic() + timeout
        while self._tasks:
            left = deadline - time.monotonic()
            if left <= 0:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                return
            await asyncio.wait(list(self._tasks), timeout=left)

    async def _handle(self, update: Update, key: int, generation: int | None) -> None:
        app = self.application
        work = self._until_done(key, update.update_id, generation)
        try:
            await app.update_processor.process_update(update, work)
        except Exception:
            log.exception("update failed", extra={"fields": {"update_id": update.update_id}})
        finally:
            self._mine.discard(update.update_id)
            if inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
                work.close()  # never started (cancelled while queued): give the lock back
                if generation is not None:
                    await self.store.inbox_unlock(key, generation)

    async def _until_done(self, key: int, update_id: int, generation: int | None) -> None:
        store = self.store
        delay = self.poll
        while True:
            if generation is None and key not in self._draining:
                generation = await store.inbox_try_lock(key)
            if generation is not None:
                try:
                    if update_id in await self._drain(key, generation):
                        return
                finally:
                    await store.inbox_unlock(key, generation)
                    generation = None
            else:
                METRICS.count("bot_update_lock_waits_total")
            if await store.inbox_is_done(update_id):
                return
            # Another instance is draining this user (and will take this update too): wait for
            # it, woken at once if this process finishes it, else by polling with a backoff.
            event = self._done.setdefault(update_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), delay)
            self._done.pop(update_id, None)
            delay = min(delay * 2, 0.1)

    async def _drain(self, key: int, generation: int) -> set[int]:
        """Process the user's pending updates in order; returns the ids processed here."""
        if key in self._draining:
            return set()  # this process drains them already (PostgreSQL's lock is re-entrant)
        self._draining.add(key)
        try:
            return await self._drain_locked(key, generation)
        finally:
            self._draining.discard(key)
            self._again.discard(key)

    async def _drain_locked(self, key: int, generation: int) -> set[int]:
        store, app = self.store, self.application
        processed: set[int] = set()
        nxt: tuple[int, str, int | None] | float | None = await store.inbox_done_next(
            0, key, self.window
        )
        while True:
            if nxt is None:
                if key in self._again:  # one came in while the last query ran: look again
                    self._again.discard(key)
                    nxt = await store.inbox_done_next(0, key, self.window)
                    continue
                return processed
            if isinstance(nxt, float):  # the lowest one is younger than the window
                await asyncio.sleep(min(nxt, self.window) + 0.001)
                nxt = await store.inbox_done_next(0, key, self.window)
                continue
            if store.generation != generation:
                return processed  # reconnected: the lock went with the old connection
            update_id, payload, applied = nxt
            if applied is not None and update_id < applied:
                METRICS.count("bot_updates_late_total")
                log.warning(
                    "update applied out of order", extra={"fields": {"update_id": update_id}}
                )
            self._again.discard(key)
            try:
                update = Update.de_json(json.loads(payload), app.bot)
                await app.process_update(update)
            except Exception:  # a poison update must not block the user's later ones
                log.exception("update failed", extra={"fields": {"update_id": update_id}})
            nxt = await store.inbox_done_next(update_id, key, self.window)
            processed.add(update_id)
            event = self._done.pop(update_id, None)
            if event is not None:
                event.set()


class _FencedStore:
    """The sender's view of the store: every transaction first checks the lease's token."""

    def __init__(self, store: Any, sender: LeasedBroadcastSender) -> None:
        self._store = store
        self._sender = sender

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        lease = self._sender.lease
        if lease is None:
            raise LeaseLost("not holding the broadcast lease")
        async with self._store.transaction() as tx:
            await self._store.check_fence(tx, lease.name, lease.token)
            yield tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class LeasedBroadcastSender(BroadcastSender):
    """The broadcast sender for a shared store: it runs only while holding the lease."""

    def __init__(
        self, store: Any, bot: Any, settings: Any, limiter: Any, *a: Any, **kw: Any
    ) -> None:
        super().__init__(store, bot, settings, limiter, *a, **kw)
        self.real_store = store
        self.store = _FencedStore(store, self)
        self.holder = instance_name()
        self.ttl = float(settings.broadcast_lease_seconds)
        self.lease: Lease | None = None
        self.takeovers = 0  # leases acquired by this process
        self._valid_until = 0.0  # time.monotonic(): no new request after this
        self._requests: set[asyncio.Task[Any]] = set()

    @property
    def holds_lease(self) -> bool:
        return self.lease is not None and time.monotonic() < self._valid_until

    async def _run(self) -> None:
        while True:
            lease = await self._acquire()
            self.lease = lease
            self.takeovers += 1
            METRICS.count("bot_broadcast_lease_acquired_total")
            log.info("broadcast lease taken",
                     extra={"fields": {"holder": self.holder, "token": lease.token}})  # fmt: skip
            runner = asyncio.create_task(super()._run(), name="broadcast-sender-run")
            keeper = asyncio.create_task(self._keep(lease), name="broadcast-lease")
            try:
                await asyncio.wait({runner, keeper}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await self._drop(runner, keeper)
                with contextlib.suppress(Exception):
                    await self.real_store.release_lease(lease)
                raise
            await self._drop(runner, keeper)
            log.warning("broadcast lease lost", extra={"fields": {"token": lease.token}})

    async def _drop(self, *tasks: asyncio.Task[Any]) -> None:
        self.lease = None
        self._valid_until = 0.0
        self.current = None
        await stop_tasks([*tasks, *self._requests], DROP_SECONDS, "broadcast sender")
        self._requests.clear()

    async def _acquire(self) -> Lease:
        while True:
            started = time.monotonic()
            try:
                lease = await self.real_store.acquire_lease(BROADCAST_LEASE, self.holder, self.ttl)
            except Exception:
                log.exception("broadcast lease: database error")
                lease = None
            if lease is not None:
                self._valid_until = started + self.ttl * 0.9
                return lease
            await asyncio.sleep(min(self.ttl / 3, 2.0))

    async def _keep(self, lease: Lease) -> None:
        """Renew until the lease is lost; returns then."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            started = time.monotonic()
            try:
                ok = await self.real_store.renew_lease(lease, self.ttl)
            except Exception:
                log.exception("broadcast lease: renewal failed")
                if time.monotonic() >= self._valid_until:
                    return
                continue
            if not ok:
                return
            self._valid_until = started + self.ttl * 0.9

    async def _deliver(self, job: Any, chat_id: int) -> Any:
        if not self.holds_lease:
            raise asyncio.CancelledError  # the recipient stays `sending`: uncertain, not resent
        task = asyncio.current_task()
        if task is not None:
            self._requests.add(task)
        try:
            return await super()._deliver(job, chat_id)
        finally:
            if task is not None:
                self._requests.discard(task)
