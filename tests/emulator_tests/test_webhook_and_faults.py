"""Webhook delivery to PTB's own webhook server, and fault injection."""

from __future__ import annotations

import asyncio
import itertools
import socket

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.telegram_emulator import BotApiEmulator, EmulatorCore, EmulatorRequest, faults
from tests.telegram_emulator.fixtures import app_builder

from .echo_bot import add_handlers

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    app = add_handlers(app_builder(emu).build())
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    await app.initialize()
    await app.start()
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", webhook_url=url,
            secret_token="s3cret-Token_1",
        )
        assert emu.webhook is not None and emu.webhook["url"] == url
        info = await app.bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        ann = emu.user(first_name="Ann")
        await ann.send("/start")
        welcome = await emu.wait_for("Welcome", chat_id=ann)
        await ann.press(welcome, "No")
        await emu.wait_for("You chose no", chat_id=ann)
        assert [d.status for d in emu.webhook_deliveries] == [200, 200]
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
        async with httpx.AsyncClient(trust_env=False) as client:
            wrong = await client.post(url, json={"update_id": 999},
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            missing = await client.post(url, json={"update_id": 999})
        assert wrong.status_code == 403 and missing.status_code == 403
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_retries_and_errors(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    emu.webhook_retry_delay = 0.01
    emu.webhook_max_attempts = 3  # Telegram keeps trying until the update expires (see below)
    async with Bot(emu.token, base_url=emu.base_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
            await bot.set_webhook("https://example.org/hook")
        with pytest.raises(BadRequest, match=r"(?i)secret token"):
            await bot.set_webhook("http://127.0.0.1:1/hook", secret_token="bad secret!")
        dead = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
        await bot.set_webhook(dead, secret_token="s")
        u = emu.user()
        await u.send("hello")
        for _ in range(200):
            if len(emu.webhook_deliveries) >= emu.webhook_max_attempts:
                break
            await asyncio.sleep(0.01)
        assert len(emu.webhook_deliveries) == emu.webhook_max_attempts == 3
        assert all(d.status is None and d.error for d in emu.webhook_deliveries)
        info = await bot.get_webhook_info()
        assert info.last_error_message and info.url == dead
        await bot.delete_webhook(drop_pending_updates=True)
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates(timeout=0) == ()


async def test_injected_faults_over_http(bot_api: BotApiEmulator) -> None:
    emu = bot_api
    u = emu.user(started=True)
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(emu.token, base_url=emu.base_url, request=request) as bot:
        emu.inject("sendMessage", 502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(u.id, "1")
        await bot.send_message(u.id, "2")  # only the next call failed
        emu.inject("sendMessage", faults.retry_after(7))
        with pytest.raises(RetryAfter):
            await bot.send_message(u.id, "3")
        assert emu.rate_limited == 1
        # the response is lost but the message went out: the classic duplicate-send trap
        emu.inject("sendMessage", faults.delay_response(1.0))
        with pytest.raises(TimedOut):
            await bot.send_message(u.id, "4")
        assert [m.text for m in emu.sent(u)] == ["2", "4"]
        emu.inject("sendMessage", faults.error_after(500))
        with pytest.raises(NetworkError):
            await bot.send_message(u.id, "5")
        assert emu.delivered_count(u) == 3
        v = emu.user(started=True)
        inj = emu.inject("sendMessage", faults.blocked(), times=None,
                         when=lambda p: p.int("chat_id") == v.id)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(v.id, "x")
        with pytest.raises(Forbidden):
            await bot.send_message(v.id, "y")
        await bot.send_message(u.id, "6")
        assert inj.hits == 2
        inj.remove()
        await bot.send_message(v.id, "z")
        emu.inject("*", lambda p: (400, "Bad Request: custom") if p.get("text") == "!" else None,
                   times=None)
        with pytest.raises(BadRequest, match="Custom"):
            await bot.send_message(u.id, "!")
        await bot.send_message(u.id, "fine")


async def test_hang_and_delay_in_process(bot_api_core: EmulatorCore) -> None:
    emu = bot_api_core
    u = emu.user(started=True)
    async with Bot(emu.token, request=EmulatorRequest(emu, read_timeout=0.2)) as bot:
        emu.inject("sendMessage", faults.hang())
        with pytest.raises(TimedOut):
            await bot.send_message(u.id, "lost")
        assert emu.sent(u) == []
        emu.inject("sendMessage", faults.delay(0.05))
        m = await bot.send_message(u.id, "slow but fine")
        assert emu.last(u).message_id == m.message_id
    assert emu.requests[-1].duration >= 0.05


async def _slow_hook_server(delay: float, seen: list[dict], active: list[int]):  # type: ignore[no-untyped-def]
    """A minimal HTTP/1.1 server on 127.0.0.1 answering 200 after ``delay``."""
    import json

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":")[1])
                body = await reader.readexactly(length)
                active[0] += 1
                active[1] = max(active[1], active[0])
                await asyncio.sleep(delay)
                active[0] -= 1
                seen.append(json.loads(body))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_webhook_concurrency(bot_api_core: EmulatorCore, concurrency: int) -> None:
    emu = bot_api_core
    emu.webhook_concurrency = concurrency
    seen: list[dict] = []
    active = [0, 0]  # now, max
    server = await _slow_hook_server(0.02, seen, active)
    port = server.sockets[0].getsockname()[1]
    try:
        async with emu.make_bot() as bot:
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=40)
            users = [emu.user() for _ in range(8)]  # one queue per chat: parallel across chats
            for i, u in enumerate(users):
                await u.send(f"m{i}")
            for _ in range(300):
                info = await bot.get_webhook_info()
                if len(seen) == 8 and info.pending_update_count == 0:
                    break
                await asyncio.sleep(0.01)
    finally:
        server.close()
    assert sorted(x["message"]["text"] for x in seen) == [f"m{i}" for i in range(8)]
    assert active[1] == concurrency and info.pending_update_count == 0
    if concurrency == 1:
        assert [x["message"]["text"] for x in seen] == [f"m{i}" for i in range(8)]


async def _hook_server(answer):  # type: ignore[no-untyped-def]
    """A webhook on 127.0.0.1 whose answer to each update is ``await answer(update)``: a
    status code (or it never answers, until the emulator's timeout)."""
    import json

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":")[1])
                body = await reader.readexactly(length)
                status = await answer(json.loads(body))
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


def _texts(updates: list[dict]) -> list[str]:
    return [u["message"]["text"] for u in updates if "message" in u]


async def test_webhook_one_update_per_chat_in_flight_slow_chat_does_not_hold_others(
    bot_api_core: EmulatorCore,
) -> None:
    """Telegram (WebhookActor): one update of a chat at a time, in order; a chat whose update
    is slow to be answered holds only its own later updates."""
    emu = bot_api_core
    emu.webhook_concurrency = 40
    seen: list[dict] = []
    release = asyncio.Event()

    async def answer(update: dict) -> int:
        seen.append(update)
        if update["message"]["text"] == "slow":
            await release.wait()
        return 200

    server, url = await _hook_server(answer)
    try:
        async with emu.make_bot() as bot:
            await bot.set_webhook(url)
            ann, bob = emu.user(), emu.user()
            await ann.send("slow")
            await ann.send("after slow")
            await bob.send("b1")
            await bob.send("b2")
            for _ in range(200):
                if len(seen) >= 3:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
            assert _texts(seen) == ["slow", "b1", "b2"]  # Ann's second waits for her first
            assert (await bot.get_webhook_info()).pending_update_count == 2
            release.set()
            for _ in range(200):
                if len(seen) == 4:
                    break
                await asyncio.sleep(0.01)
            assert _texts(seen)[-1] == "after slow"
    finally:
        release.set()
        server.close()


async def test_webhook_resends_with_growing_delays_while_the_chat_waits(
    bot_api_core: EmulatorCore,
) -> None:
    emu = bot_api_core
    emu.webhook_retry_delay = 0.05
    emu.webhook_max_delay = 0.2
    times: dict[str, list[float]] = {}
    loop = asyncio.get_running_loop()

    async def answer(update: dict) -> int:
        text = update["message"]["text"]
        times.setdefault(text, []).append(loop.time())
        return 500 if text == "bad" and len(times[text]) <= 5 else 200

    server, url = await _hook_server(answer)
    try:
        async with emu.make_bot() as bot:
            await bot.set_webhook(url)
            ann, bob = emu.user(), emu.user()
            await ann.send("bad")
            await ann.send("next")
            await bob.send("other chat")
            for _ in range(400):
                if "next" in times:
                    break
                await asyncio.sleep(0.01)
    finally:
        server.close()
    bad = times["bad"]
    assert len(bad) == 6 and len(times["next"]) == 1
    assert times["next"][0] > bad[-1]  # Ann's next update waited for the failing one
    assert times["other chat"][0] < bad[1]  # Bob's did not
    gaps = [b - a for a, b in itertools.pairwise(bad)]
    assert gaps[1] > gaps[0] * 1.5 and max(gaps) < 0.2 * 1.5 + 0.1  # doubling, then capped
    failed = [d for d in emu.webhook_deliveries if d.status == 500]
    assert len(failed) == 5 and all("Wrong response" in (d.error or "") for d in failed)


async def test_webhook_times_out_and_gives_up_after_expiry(bot_api_core: EmulatorCore) -> None:
    """No answer within the timeout counts as a failure; a callback query expires after 150 s,
    a message after 24 h (emulated), and then the next update of the queue goes."""
    emu = bot_api_core
    emu.webhook_timeout = 0.2
    emu.webhook_retry_delay = 0.01
    emu.webhook_max_delay = 0.02
    seen: list[dict] = []

    async def answer(update: dict) -> int:
        seen.append(update)
        if "callback_query" in update or update["message"]["text"] == "stuck":
            await asyncio.sleep(3600)  # never in time
        return 200

    server, url = await _hook_server(answer)
    try:
        async with emu.make_bot() as bot:
            ann = emu.user(started=True)
            msg = await bot.send_message(ann.id, "pick", reply_markup={
                "inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
            await bot.set_webhook(url)
            await ann.press(emu.last(ann), "Go")
            await asyncio.sleep(0.5)
            assert any(d.error == "Read timeout expired" for d in emu.webhook_deliveries)
            assert (await bot.get_webhook_info()).last_error_message == "Read timeout expired"
            emu.clock.advance(151)  # the query expires: dropped
            for _ in range(100):
                if not emu.pending:
                    break
                await asyncio.sleep(0.02)
            assert not emu.pending and msg.message_id
            await ann.send("stuck")
            await ann.send("after")
            await asyncio.sleep(0.5)
            assert "after" not in _texts(seen)  # a message is resent for a day
            emu.clock.advance(86400)
            for _ in range(200):
                if "after" in _texts(seen):
                    break
                await asyncio.sleep(0.02)
            assert _texts(seen)[-1] == "after"
    finally:
        server.close()
