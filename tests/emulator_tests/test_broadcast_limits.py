"""A naive concurrent broadcaster against flood limits, with emulated time sped up."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import RetryAfter

from tests.telegram_emulator import EmulatorCore, faults

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_broadcast_respects_limits_exactly_once() -> None:
    # 100 emulated seconds per real second: a "retry after 1" costs 10 ms of real time
    async with EmulatorCore(time_scale=100) as emu:
        emu.limits(global_per_second=30, per_chat_per_second=1)
        users = [emu.user(started=True) for _ in range(80)]
        users[5].block_bot()
        emu.inject("sendMessage", faults.delay_response(0.0), times=3)  # harmless slow answers
        async with emu.make_bot() as bot:

            async def send(uid: int) -> str:
                for _ in range(50):
                    try:
                        await bot.send_message(uid, "<b>Rule change</b>", parse_mode="HTML")
                        return "ok"
                    except RetryAfter as exc:
                        wait = exc.retry_after
                        secs = wait.total_seconds() if hasattr(wait, "total_seconds") else wait
                        await asyncio.sleep(emu.clock.real_seconds(float(secs)))
                    except Exception as exc:  # Forbidden for the blocked user
                        return type(exc).__name__
                return "gave up"

            results = await asyncio.wait_for(asyncio.gather(*(send(u.id) for u in users)), 10)
        assert results.count("ok") == 79 and results[5] == "Forbidden"
        assert emu.rate_limited > 0
        assert all(emu.delivered_count(u) == (0 if i == 5 else 1) for i, u in enumerate(users))
        # never more than 30 deliveries in any emulated second
        times = sorted(m.sent_at for m in emu.sent())
        assert len(times) == 79
        assert all(times[i + 30] - times[i] >= 1.0 for i in range(len(times) - 30))


async def test_in_process_throughput() -> None:
    async with EmulatorCore(record_requests=False) as emu:
        u = emu.user(started=True)
        async with emu.make_bot() as bot:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await asyncio.gather(*(bot.send_message(u.id, f"m{i}") for i in range(500)))
            elapsed = loop.time() - t0
        assert emu.delivered_count(u) == 500 and not emu.requests
        assert elapsed < 3, elapsed


async def test_clock_scale_change_is_continuous_and_grace() -> None:
    async with EmulatorCore() as emu:
        before = emu.clock.now()
        emu.clock.scale = 1000
        assert 0 <= emu.clock.now() - before < 1  # no jump when the speed changes
        emu.clock.advance(5)
        assert emu.clock.now() >= before + 5
        u = emu.user(started=True)
        emu.limits(per_chat_per_second=1, grace=0.5)
        status, _ = await emu.call(emu.token, "sendMessage", {"chat_id": u.id, "text": "1"})
        emu.clock.advance(0.6)  # beyond the shortened (0.5 s) window
        status, _ = await emu.call(emu.token, "sendMessage", {"chat_id": u.id, "text": "2"})
        assert status == 200
        status, body = await emu.call(emu.token, "sendMessage", {"chat_id": u.id, "text": "3"})
        assert status == 429 and body["parameters"]["retry_after"] == 1
