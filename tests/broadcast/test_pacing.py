"""The broadcast's pacer on a fake clock: its rate, the replies' share, per-chat and group gaps."""

from __future__ import annotations

from bot.broadcast.pacing import Pacer, SendMeter, is_rate_limited


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _simulate(pacer: Pacer, meter: SendMeter, clock: FakeClock, seconds: float,
              replies_per_tick: int = 0, tick: float = 0.005) -> list[float]:  # fmt: skip
    sent: list[float] = []
    end = clock.now + seconds
    chat = 1
    while clock.now < end:
        for _ in range(replies_per_tick):
            meter.record(-5)  # a reply somewhere
        for _ in range(pacer.available()):
            pacer.take()
            chat += 1
            meter.record(chat)
            sent.append(clock.now)
        clock.now += tick
    return sent


def test_rate_and_sliding_window():
    clock = FakeClock()
    meter = SendMeter(clock)
    pacer = Pacer(meter, 300, reserve=0.03)
    sent = _simulate(pacer, meter, clock, 10.0)
    assert 0.95 * 3000 <= len(sent) <= 3000
    # never more than rate × (1 − reserve) in any one-second window
    j = 0
    for i, t in enumerate(sent):
        while sent[j] <= t - 1.0:
            j += 1
        assert i - j + 1 <= 291


def test_replies_go_first():
    clock = FakeClock()
    meter = SendMeter(clock)
    pacer = Pacer(meter, 300, reserve=0.03)
    sent = _simulate(pacer, meter, clock, 5.0, replies_per_tick=1)  # 200 replies a second
    assert len(sent) <= 5 * (291 - 200) + 300


def test_pause_after_429_and_in_flight_sends():
    clock = FakeClock()
    meter = SendMeter(clock)
    pacer = Pacer(meter, 30)
    pacer.pause(2.0)
    assert pacer.available() == 0
    clock.now += 2.01
    meter.in_flight = 30  # answers not back yet count as sent
    assert pacer.available() == 0
    meter.in_flight = 0
    assert pacer.available() >= 1


def test_per_chat_and_group_gaps():
    clock = FakeClock()
    meter = SendMeter(clock)
    pacer = Pacer(meter, 30, per_chat_per_second=1, group_per_minute=20)
    meter.record(42)
    assert pacer.chat_ready_at(42) == clock.now + 1.0
    assert pacer.chat_ready_at(43) == 0.0
    for _ in range(20):
        clock.now += 1.5
        meter.record(-100)
    clock.now += 1.5
    first = clock.now - 21 * 1.5 + 1.5
    assert pacer.chat_ready_at(-100) == first + 60.0


def test_which_methods_count():
    assert is_rate_limited("sendMessage") and is_rate_limited("copyMessage")
    assert is_rate_limited("editMessageText") and not is_rate_limited("sendChatAction")
    assert not is_rate_limited("answerCallbackQuery") and not is_rate_limited("getUpdates")
