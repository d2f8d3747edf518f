"""Per-group pacing: Telegram allows a bot about 20 messages a minute in one group, edits
included. Replies beyond that wait for a free slot rather than being dropped; private chats are
not held back (their limit is far above what one person's answers produce).

A slot is stamped when its request has been answered, not when it was let go: Telegram counts
arrivals, and a request in flight for a few milliseconds would otherwise let the next one in
early.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class GroupPacer:
    def __init__(self, per_minute: int = 20, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._sent: dict[int, deque[list[float]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def _reserve(self, chat_id: int) -> list[float]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # first come, first served within one group
            sent = self._sent.setdefault(chat_id, deque())
            while True:
                now = time.monotonic()
                while sent and now - sent[0][0] >= self.window:
                    sent.popleft()
                if len(sent) < self.per_minute:
                    # In flight: counts as "now" until the answer stamps it.
                    cell = [float("inf")]
                    sent.append(cell)
                    return cell
                oldest = sent[0][0]
                delay = 0.01 if oldest == float("inf") else self.window - (now - oldest) + 0.01
                await asyncio.sleep(delay)

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Hold one of the group's slots for the duration of a request."""
        cell = await self._reserve(chat_id)
        try:
            yield
        finally:
            cell[0] = time.monotonic()

    def penalise(self, chat_id: int, seconds: float) -> None:
        """Telegram said to wait: fill the window so nothing is sent before then."""
        sent = self._sent.setdefault(chat_id, deque())
        until = time.monotonic() + seconds - self.window
        sent.clear()
        sent.extend([until] for _ in range(self.per_minute))
