"""The broadcast's own pacing, and a meter of everything the bot sends.

Telegram allows a bot about 30 messages a second in all, one a second in one chat and about 20
a minute in one group. The broadcast keeps to a configured rate *including* the bot's other
messages (counted by `MeteredRequest`, which wraps the Bot's HTTP transport) and leaves a small
reserve free, so a reply to someone answering a question always finds room. A 429 pauses only
the broadcast (`Pacer.pause`), never the bot's replies.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from telegram.request import BaseRequest, RequestData

RATE_LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
NOT_LIMITED = {"sendChatAction"}


def is_rate_limited(method: str) -> bool:
    return method not in NOT_LIMITED and method.startswith(RATE_LIMITED_PREFIXES)


class SendMeter:
    """When the bot last sent to each chat, and its sends in the last seconds (all chats)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.recent: deque[float] = deque()  # every send in the last WINDOW seconds
        self.last_in_chat: dict[int, float] = {}
        self.group_recent: dict[int, deque[float]] = {}
        self.total = 0
        self.in_flight = 0  # sends whose answer has not come yet
        self._pruned = 0.0

    WINDOW = 1.0

    def record(self, chat_id: int | None) -> None:
        now = self.clock()
        self.total += 1
        self.recent.append(now)
        if chat_id is None:
            return
        self.last_in_chat[chat_id] = now
        if chat_id < 0:
            self.group_recent.setdefault(chat_id, deque()).append(now)
        if now - self._pruned > 10:
            self._prune(now)

    def in_last_second(self, now: float, span: float = WINDOW) -> int:
        recent = self.recent
        while recent and recent[0] <= now - span:
            recent.popleft()
        return len(recent)

    def group_sends(self, chat_id: int, now: float, span: float = 60.0) -> deque[float]:
        sent = self.group_recent.get(chat_id)
        if sent is None:
            return deque()
        while sent and sent[0] <= now - span:
            sent.popleft()
        return sent

    def _prune(self, now: float) -> None:
        self._pruned = now
        self.last_in_chat = {c: t for c, t in self.last_in_chat.items() if now - t < 5}
        self.group_recent = {c: d for c, d in self.group_recent.items() if d and now - d[-1] < 60}


class MeteredRequest(BaseRequest):
    """Wraps the Bot's request object; counts each send/edit/copy/forward in the meter."""

    def __init__(self, inner: BaseRequest, meter: SendMeter) -> None:
        self.inner = inner
        self.meter = meter

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if not is_rate_limited(endpoint):
            return await self.inner.do_request(
                url, method, request_data, read_timeout=read_timeout,
                write_timeout=write_timeout, connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )  # fmt: skip
        chat = request_data.parameters.get("chat_id") if request_data is not None else None
        try:
            chat_id = int(chat) if chat is not None else None
        except (TypeError, ValueError):  # @channelusername
            chat_id = None
        # Counted while in flight, then at the time the answer came: never earlier than
        # Telegram counted it, so the one-second window here holds it at least as long.
        self.meter.in_flight += 1
        try:
            return await self.inner.do_request(
                url, method, request_data, read_timeout=read_timeout,
                write_timeout=write_timeout, connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )  # fmt: skip
        finally:
            self.meter.in_flight -= 1
            self.meter.record(chat_id)


class Pacer:
    """How many broadcast messages may go now: a token bucket at the configured rate, capped so
    that the bot's sends in any second (replies included) stay below rate × (1 − reserve)."""

    def __init__(
        self,
        meter: SendMeter,
        rate: float,
        *,
        reserve: float = 0.0,
        per_chat_per_second: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        self.meter = meter
        self.rate = rate
        self.cap = max(1, int(rate * (1 - reserve)))
        self.chat_gap = 1.0 / per_chat_per_second
        self.group_per_minute = group_per_minute
        self.burst = max(1.0, rate * 0.05)
        self.tokens = 1.0
        self.last = meter.clock()
        self.paused_until = 0.0

    def available(self) -> int:
        now = self.meter.clock()
        if now < self.paused_until:
            self.last = now
            return 0
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        room = self.cap - self.meter.in_last_second(now) - self.meter.in_flight
        return max(0, min(int(self.tokens), room))

    def take(self) -> None:
        self.tokens -= 1

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: nothing more from the broadcast until then."""
        self.paused_until = max(self.paused_until, self.meter.clock() + seconds)
        self.tokens = 0.0

    def chat_ready_at(self, chat_id: int) -> float:
        """The earliest time a message to this chat keeps within its own limits."""
        now = self.meter.clock()
        ready = self.meter.last_in_chat.get(chat_id, -1e9) + self.chat_gap
        if chat_id < 0:
            sent = self.meter.group_sends(chat_id, now)
            if len(sent) >= self.group_per_minute:
                ready = max(ready, sent[len(sent) - self.group_per_minute] + 60.0)
        return ready if ready > now else 0.0
