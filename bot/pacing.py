"""Per-group pacing: Telegram allows a bot about 20 messages a minute in one group, edits
included. Replies beyond that wait for a free slot rather than being dropped; private chats are
not held back (their limit is far above what one person's answers produce).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class GroupPacer:
    def __init__(self, per_minute: int = 20, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._sent: dict[int, deque[float]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def acquire(self, chat_id: int) -> float:
        """Wait until the group has a free slot; returns how long it waited."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        waited = 0.0
        async with lock:  # first come, first served within one group
            sent = self._sent.setdefault(chat_id, deque())
            while True:
                now = time.monotonic()
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.per_minute:
                    sent.append(now)
                    return waited
                delay = self.window - (now - sent[0]) + 0.01
                waited += delay
                await asyncio.sleep(delay)

    def penalise(self, chat_id: int, seconds: float) -> None:
        """Telegram said to wait: fill the window so nothing is sent before then."""
        sent = self._sent.setdefault(chat_id, deque())
        until = time.monotonic() + seconds - self.window
        sent.clear()
        sent.extend([until] * self.per_minute)
