"""The one outbound limiter: every request the bot makes passes `OutboundLimiter`, installed as
python-telegram-bot's rate limiter (`ApplicationBuilder.rate_limiter`), so replies, broadcasts
and their progress messages all see the same windows.

Telegram's limits (Bot FAQ): about 30 messages a second in all, about one a second in one chat
(short bursts are tolerated), about 20 a minute in one group, edits included. Here:

- **global window**: every send counts (answered ones in the last second, and those in flight).
  A broadcast message (`BROADCAST`) starts only while the count is below `rate × (1 − reserve)`
  — the broadcast sender asks `broadcast_budget()` how many may start now — so a person's reply
  (`REPLY`, the default) always finds room and is never held by this window: Telegram's ~30 a
  second is the bound for bulk notifications, and holding replies to it would cap how many
  people a busy bot can answer.
- **per group**: `group_per_minute` per `group_window` seconds for every priority; waiters are
  served replies first, then in arrival order.
- **per chat**: a broadcast message waits a second after anything sent to that chat. Replies
  are not held back in a chat: a person's answers come one at a time and an answer's edit plus
  the next question is the kind of short burst Telegram tolerates.

A slot is stamped when its request has been answered, not when it was let go: Telegram counts
arrivals, and a request in flight would otherwise let the next one in early.

A 429 pauses only what it must: for a reply, that chat (everything to it waits, then the reply
is retried); for a broadcast message, the broadcast (replies carry on, the sender re-queues the
recipient); for a request without a chat (`setMyCommands`, `setWebhook`), everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

REPLY = 0  # a person is waiting for it
BROADCAST = 1  # may wait: broadcasts and their progress reports

RATE_LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
NOT_LIMITED = {"sendChatAction"}
MAX_RETRIES = 3  # a reply's retries after a 429 before the error reaches the handler
# A request without a chat (setWebhook, setMyCommands, getMyCommands, deleteWebhook at start-up):
# instances starting together share their flood limit, and giving up ends the process.
MAX_CHATLESS_RETRIES = 5


def is_rate_limited(method: str) -> bool:
    return method not in NOT_LIMITED and method.startswith(RATE_LIMITED_PREFIXES)


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int in some releases and a timedelta in newer ones."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram said to wait (read without PTB 22's deprecation warning)."""
    value = getattr(exc, "_retry_after", None)
    return seconds(value if value is not None else exc.retry_after)


def chat_of(data: dict[str, Any]) -> int | None:
    chat = data.get("chat_id")
    try:
        return int(chat) if chat is not None else None
    except (TypeError, ValueError):  # @channelusername
        return None


class _GroupWindow:
    """One group's sliding window; waiters queue by (priority, arrival)."""

    __slots__ = ("changed", "sent", "waiters")

    def __init__(self) -> None:
        self.sent: deque[list[float]] = deque()  # [stamp]; inf while in flight
        self.waiters: list[tuple[int, int]] = []  # heap of (priority, ticket)
        self.changed = asyncio.Event()

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class OutboundLimiter(BaseRateLimiter[int]):
    """See the module docstring. `rate_limit_args` is the request's priority (REPLY if None)."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        reserve: float = 0.03,
        group_per_minute: int = 20,
        group_window: float = 60.0,
        per_chat_per_second: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.rate = rate
        self.broadcast_cap = max(1, int(rate * (1 - reserve)))
        self.group_per_minute = group_per_minute
        self.group_window = group_window
        self.chat_gap = 1.0 / per_chat_per_second
        self.recent: deque[float] = deque()  # answered sends in the last second (all chats)
        self.in_flight = 0
        self.total = 0
        self.last_in_chat: dict[int, float] = {}
        self.groups: dict[int, _GroupWindow] = {}
        self.chat_paused: dict[int, float] = {}  # chat -> until (a reply's 429)
        self.paused_until = 0.0  # everything (a 429 without a chat)
        self.broadcast_paused_until = 0.0  # broadcasts only (a broadcast's 429)
        self.rate_limited = 0  # 429s seen
        self._tickets = itertools.count()
        self._burst = max(1.0, rate * 0.05)
        self._tokens = 1.0
        self._last = clock()
        self._pruned = 0.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    # --- what the broadcast sender asks
    def broadcast_budget(self) -> int:
        """How many broadcast messages may start now: a token bucket at `rate`, capped so the
        bot's sends in any second (replies included, in flight counted) stay below the cap."""
        now = self.clock()
        if now < max(self.paused_until, self.broadcast_paused_until):
            self._last = now
            return 0
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        room = self.broadcast_cap - self._in_last_second(now) - self.in_flight
        return max(0, min(int(self._tokens), room))

    def take(self) -> None:
        """One broadcast message was started (counted against the bucket)."""
        self._tokens -= 1

    def pause_broadcasts(self, wait: float) -> None:
        self.broadcast_paused_until = max(self.broadcast_paused_until, self.clock() + wait)
        self._tokens = 0.0

    def chat_ready_at(self, chat_id: int) -> float:
        """When a broadcast message to this chat keeps within its limits (0.0: now)."""
        now = self.clock()
        ready = max(self.last_in_chat.get(chat_id, -1e9) + self.chat_gap,
                    self.chat_paused.get(chat_id, 0.0))  # fmt: skip
        window = self.groups.get(chat_id)
        if window is not None:
            ready = max(ready, self._group_free_at(window, now))
            if window.waiters:
                ready = max(ready, now + 0.05)  # replies queued there go first
        return ready if ready > now else 0.0

    # --- BaseRateLimiter
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        priority = REPLY if rate_limit_args is None else rate_limit_args
        limited = is_rate_limited(endpoint)
        chat_id = chat_of(data)
        retries = MAX_RETRIES if chat_id is not None else MAX_CHATLESS_RETRIES
        for attempt in range(retries + 1):
            if self._pause_left(chat_id, priority) > 0:  # (no coroutine when nothing waits)
                await self._wait_paused(chat_id, priority)
            if not limited:
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    self._penalise(chat_id, priority, exc, endpoint)
                    if priority == BROADCAST or attempt == retries:
                        raise
                    continue
            # Only groups have a window to wait for (`_admit`): a private chat goes straight on.
            cell = None if chat_id is None or chat_id >= 0 else await self._admit(chat_id, priority)
            self.in_flight += 1
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._penalise(chat_id, priority, exc, endpoint)
                if priority == BROADCAST or attempt == retries:
                    raise
            finally:
                self.in_flight -= 1
                self._stamp(chat_id, cell)
        raise AssertionError("unreachable")

    # --- internals
    def _in_last_second(self, now: float) -> int:
        recent = self.recent
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        return len(recent)

    def _group_free_at(self, window: _GroupWindow, now: float) -> float:
        sent = window.sent
        while sent and now - sent[0][0] >= self.group_window:
            sent.popleft()
        if len(sent) < self.group_per_minute:
            return now
        oldest = sent[len(sent) - self.group_per_minute][0]
        return now + 0.01 if oldest == float("inf") else oldest + self.group_window

    def _pause_left(self, chat_id: int | None, priority: int) -> float:
        """Seconds until a 429's pause over this request ends (0 or less: none)."""
        until = self.paused_until
        if chat_id is not None:
            until = max(until, self.chat_paused.get(chat_id, 0.0))
        if priority == BROADCAST:
            until = max(until, self.broadcast_paused_until)
        return until - self.clock()

    async def _wait_paused(self, chat_id: int | None, priority: int) -> None:
        while (wait := self._pause_left(chat_id, priority)) > 0:
            await asyncio.sleep(wait)

    async def _admit(self, chat_id: int, priority: int) -> list[float]:
        """Wait for this group's window (broadcasts keep to the global one by their budget);
        returns the group's cell to stamp. Only for groups (negative ids): other chats have no
        window, and `process_request` does not call this for them."""
        window = self.groups.get(chat_id)
        if window is None:
            window = self.groups[chat_id] = _GroupWindow()
        me = (priority, next(self._tickets))
        heapq.heappush(window.waiters, me)
        try:
            while True:
                now = self.clock()
                if window.waiters[0] == me:
                    free_at = self._group_free_at(window, now)
                    if free_at <= now:
                        heapq.heappop(window.waiters)
                        cell = [float("inf")]
                        window.sent.append(cell)
                        window.notify()
                        return cell
                    timeout = free_at - now
                else:
                    timeout = None
                changed = window.changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout)
        except BaseException:
            if me in window.waiters:
                window.waiters.remove(me)
                heapq.heapify(window.waiters)
                window.notify()
            raise

    def _stamp(self, chat_id: int | None, cell: list[float] | None) -> None:
        now = self.clock()
        self.total += 1
        self.recent.append(now)
        if chat_id is not None:
            self.last_in_chat[chat_id] = now
        if cell is not None:
            cell[0] = now
            window = self.groups.get(chat_id)  # type: ignore[arg-type]
            if window is not None:
                window.notify()
        if now - self._pruned > 10:
            self._prune(now)

    def _penalise(self, chat_id: int | None, priority: int, exc: RetryAfter, endpoint: str) -> None:
        wait = retry_seconds(exc)
        self.rate_limited += 1
        until = self.clock() + wait
        log.info("429 from Telegram", extra={"fields": {
            "method": endpoint, "chat": chat_id, "retry_after": wait, "priority": priority}})
        if chat_id is None:
            self.paused_until = max(self.paused_until, until)
        elif priority == BROADCAST:
            self.pause_broadcasts(wait)  # never the replies, not even to that chat
        else:
            self.chat_paused[chat_id] = max(self.chat_paused.get(chat_id, 0.0), until)
        window = self.groups.get(chat_id) if chat_id is not None else None
        if window is not None:
            window.notify()

    def _prune(self, now: float) -> None:
        self._pruned = now
        self.last_in_chat = {c: t for c, t in self.last_in_chat.items() if now - t < 5}
        self.chat_paused = {c: t for c, t in self.chat_paused.items() if t > now}
        self.groups = {
            c: w for c, w in self.groups.items()
            if w.waiters or (w.sent and now - w.sent[-1][0] < self.group_window)
        }  # fmt: skip
