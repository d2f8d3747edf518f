"""Helpers for the broadcast tests: a bot with an owner, seeded subscribers, button presses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.store import open_store
from tests.bot_e2e.conftest import RunningBot, bot_settings, run_bot
from tests.telegram_emulator import BotApiEmulator, MessageRecord, User

OWNER_ID = 777000001

FAST = {
    "broadcast_rate_per_second": 400.0,
    "broadcast_progress_seconds": 0.5,
    "broadcast_retry_seconds": 0.05,
    "broadcast_request_timeout": 0.5,
}


@contextlib.asynccontextmanager
async def admin_bot(
    emu: BotApiEmulator, tmp_path: Path, **overrides: object
) -> AsyncIterator[tuple[RunningBot, User]]:
    values = {"bot_admin_ids": frozenset({OWNER_ID}), **FAST, **overrides}
    settings = bot_settings(emu, tmp_path / "bot.sqlite3", **values)
    owner = emu.user(id=OWNER_ID, first_name="Olive", language_code="en")
    async with run_bot(emu, settings) as running:
        yield running, owner


async def seed_subscribers(
    store, users: list[User], *, lang: str = "en", schemes: tuple[str, ...] = ("*",)
) -> None:
    async with store.transaction() as tx:
        for u in users:
            await tx.subscribe(u.id, lang, schemes)


def button_like(message: MessageRecord, prefix: str) -> str:
    """The callback data of the first button whose text starts with (or contains) `prefix`."""
    for row in message.buttons:
        for text, data in row:
            if text.startswith(prefix) or prefix in text:
                return data
    raise AssertionError(f"no button like {prefix!r} in {message.buttons}")


async def press_like(user: User, message: MessageRecord, prefix: str):
    return await user.press(message, button_like(message, prefix))


async def prepare(emu, owner: User, text: str = "/broadcast Rule change: TTPS list updated",
                  **kw) -> MessageRecord:  # fmt: skip
    await owner.send(text, **kw)
    return await emu.wait_for(lambda m: bool(m.buttons) and "preview" in (m.text or ""),
                              chat_id=owner, timeout=10)  # fmt: skip


async def wait_until(predicate, timeout: float = 20.0, step: float = 0.02) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


async def job_status(store, job_id: int) -> str:
    async with store.transaction() as tx:
        job = await tx.load_broadcast(job_id)
    return job.status if job else ""


async def latest_job(store):
    async with store.transaction() as tx:
        jobs = await tx.broadcasts(limit=1)
    return jobs[0] if jobs else None


async def wait_status(store, statuses: set[str], timeout: float = 30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        job = await latest_job(store)
        if job is not None and job.status in statuses:
            return job
        if loop.time() > deadline:
            counts = {}
            if job is not None:
                async with store.transaction() as tx:
                    counts = await tx.recipient_counts(job.id)
            raise AssertionError(f"job {job}, not {statuses}; recipients {counts}")
        await asyncio.sleep(0.05)


async def open_db(db_url: str):
    store = open_store(db_url)
    await store.open()
    return store
