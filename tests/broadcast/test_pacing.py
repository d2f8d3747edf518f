"""The one outbound limiter (bot/pacing.py): the broadcast's budget on a fake clock, and the
request path on the real one with short windows: group windows shared by replies and broadcasts,
replies first, and a 429 pausing only what it must."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.pacing import (
    BROADCAST,
    MAX_CHATLESS_RETRIES,
    MAX_RETRIES,
    OutboundLimiter,
    _GroupWindow,
    is_rate_limited,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _simulate(limiter: OutboundLimiter, clock: FakeClock, seconds: float,
              replies_per_tick: int = 0, tick: float = 0.005) -> list[float]:  # fmt: skip
    sent: list[float] = []
    end = clock.now + seconds
    chat = 1
    while clock.now < end:
        for _ in range(replies_per_tick):
            limiter._stamp(5, None)  # a reply somewhere
        for _ in range(limiter.broadcast_budget()):
            limiter.take()
            chat += 1
            limiter._stamp(chat, None)
            sent.append(clock.now)
        clock.now += tick
    return sent


def test_broadcast_rate_and_sliding_window():
    clock = FakeClock()
    limiter = OutboundLimiter(300, reserve=0.03, clock=clock)
    sent = _simulate(limiter, clock, 10.0)
    assert 0.95 * 3000 <= len(sent) <= 3000
    # never more than rate × (1 − reserve) in any one-second window
    j = 0
    for i, t in enumerate(sent):
        while sent[j] <= t - 1.0:
            j += 1
        assert i - j + 1 <= 291


def test_replies_leave_the_broadcast_only_the_rest():
    clock = FakeClock()
    limiter = OutboundLimiter(300, reserve=0.03, clock=clock)
    sent = _simulate(limiter, clock, 5.0, replies_per_tick=1)  # 200 replies a second
    assert len(sent) <= 5 * (291 - 200) + 300


def test_in_flight_sends_hold_the_broadcast():
    clock = FakeClock()
    limiter = OutboundLimiter(30, clock=clock)
    limiter.in_flight = 30  # answers not back yet count as sent
    assert limiter.broadcast_budget() == 0
    limiter.in_flight = 0
    clock.now += 1
    assert limiter.broadcast_budget() >= 1


def test_per_chat_and_group_gaps_count_every_send():
    clock = FakeClock()
    limiter = OutboundLimiter(30, per_chat_per_second=1, group_per_minute=20, clock=clock)
    limiter._stamp(42, None)
    assert limiter.chat_ready_at(42) == clock.now + 1.0
    assert limiter.chat_ready_at(43) == 0.0
    first = clock.now + 1.5
    for _ in range(20):  # replies in a group fill its window for broadcasts too
        clock.now += 1.5
        window = limiter.groups.setdefault(-100, _GroupWindow())
        cell = [float("inf")]
        window.sent.append(cell)
        limiter._stamp(-100, cell)
    clock.now += 1.5
    assert limiter.chat_ready_at(-100) == first + 60.0


def test_which_methods_count():
    assert is_rate_limited("sendMessage") and is_rate_limited("copyMessage")
    assert is_rate_limited("editMessageText") and not is_rate_limited("sendChatAction")
    assert not is_rate_limited("answerCallbackQuery") and not is_rate_limited("getUpdates")


class FakeTelegram:
    """A callback for process_request: records arrival times; 429s on demand."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, int | None, str]] = []
        self.refuse: dict[tuple[int | None, str], int] = {}  # (chat, tag) -> retry_after, once

    async def __call__(self, endpoint: str, data: dict) -> dict:
        chat, tag = data.get("chat_id"), data.get("text", "")
        retry = self.refuse.pop((chat, tag), None)
        if retry is not None:
            raise RetryAfter(retry)
        self.arrivals.append((time.monotonic(), chat, tag))
        await asyncio.sleep(0.001)
        return {"ok": True}


async def _request(limiter, api, chat, tag="", priority=None, endpoint="sendMessage"):
    data = {"chat_id": chat, "text": tag} if chat is not None else {"text": tag}
    return await limiter.process_request(api, (endpoint, data), {}, endpoint, data, priority)


async def test_a_group_gets_no_more_than_its_window_from_replies_and_broadcasts_together():
    limiter = OutboundLimiter(1000, group_per_minute=4, group_window=0.4)
    api = FakeTelegram()
    jobs = [_request(limiter, api, -7, f"r{i}") for i in range(5)]
    jobs += [_request(limiter, api, -7, f"b{i}", BROADCAST) for i in range(5)]
    await asyncio.gather(*jobs)
    times = sorted(t for t, _, _ in api.arrivals)
    assert len(times) == 10
    for i in range(len(times) - 4):
        assert times[i + 4] - times[i] >= 0.4 - 0.01  # any 4 consecutive span the window


async def test_replies_in_a_group_go_before_broadcasts_waiting_there():
    limiter = OutboundLimiter(1000, group_per_minute=2, group_window=0.3)
    api = FakeTelegram()
    await asyncio.gather(_request(limiter, api, -7, "first"), _request(limiter, api, -7, "x"))
    waiting = [asyncio.create_task(_request(limiter, api, -7, f"b{i}", BROADCAST))
               for i in range(3)]  # fmt: skip
    await asyncio.sleep(0.05)
    reply = asyncio.create_task(_request(limiter, api, -7, "reply"))
    await asyncio.gather(reply, *waiting)
    order = [tag for _, _, tag in api.arrivals]
    assert order.index("reply") < min(order.index(f"b{i}") for i in range(3))


async def test_a_replys_429_pauses_that_chat_only_and_is_retried():
    limiter = OutboundLimiter(1000)
    api = FakeTelegram()
    api.refuse[(1, "a")] = 1
    started = time.monotonic()
    slow = asyncio.create_task(_request(limiter, api, 1, "a"))
    await asyncio.sleep(0.05)
    await _request(limiter, api, 2, "other chat")
    assert time.monotonic() - started < 0.5  # another chat is not held up
    await slow
    assert [tag for _, _, tag in api.arrivals] == ["other chat", "a"]
    assert api.arrivals[-1][0] - started >= 1.0
    assert limiter.rate_limited == 1


async def test_a_broadcasts_429_pauses_broadcasts_not_replies():
    limiter = OutboundLimiter(1000)
    api = FakeTelegram()
    api.refuse[(5, "b")] = 2
    with pytest.raises(RetryAfter):  # the sender re-queues the recipient itself
        await _request(limiter, api, 5, "b", BROADCAST)
    assert limiter.broadcast_budget() == 0
    started = time.monotonic()
    await _request(limiter, api, 5, "reply to the same person")
    await _request(limiter, api, 6, "reply elsewhere")
    assert time.monotonic() - started < 0.5


async def test_start_up_calls_outlast_more_429s_than_a_reply():
    """setWebhook/setMyCommands from instances starting together: giving up would end the
    process, so a chatless call is retried more often than a reply (whose error reaches the
    handler's apology)."""

    class Refusing:
        def __init__(self, times: int) -> None:
            self.left = times

        async def __call__(self, endpoint: str, data: dict) -> dict:
            if self.left:
                self.left -= 1
                raise RetryAfter(0)
            return {"ok": True}

    limiter = OutboundLimiter(1000)
    refused = MAX_RETRIES + 1
    assert await _request(limiter, Refusing(refused), None, "menu", endpoint="setWebhook") == {
        "ok": True
    }
    assert await _request(limiter, Refusing(MAX_CHATLESS_RETRIES), None, "m",
                          endpoint="setMyCommands") == {"ok": True}  # fmt: skip
    with pytest.raises(RetryAfter):
        await _request(limiter, Refusing(MAX_CHATLESS_RETRIES + 1), None, "m",
                       endpoint="getMyCommands")  # fmt: skip
    with pytest.raises(RetryAfter):
        await _request(limiter, Refusing(refused), 5, "reply")


async def test_a_429_without_a_chat_pauses_everything():
    limiter = OutboundLimiter(1000)
    api = FakeTelegram()
    api.refuse[(None, "menu")] = 1
    started = time.monotonic()
    await _request(limiter, api, None, "menu", endpoint="setMyCommands")
    assert time.monotonic() - started >= 1.0  # retried after retry_after
    assert limiter.paused_until > 0
    await _request(limiter, api, 3, "after")
    assert [tag for _, _, tag in api.arrivals] == ["menu", "after"]


async def test_replies_are_not_held_by_the_global_window_but_leave_the_broadcast_nothing():
    limiter = OutboundLimiter(5, reserve=0.0)
    api = FakeTelegram()
    started = time.monotonic()
    await asyncio.gather(*(_request(limiter, api, 100 + i, "r") for i in range(8)))
    assert time.monotonic() - started < 0.5  # eight replies at once, none waited
    assert limiter.broadcast_budget() == 0  # the second's share is used up
