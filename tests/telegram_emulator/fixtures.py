"""pytest fixtures (imported by tests/conftest.py) and helpers to run a PTB Application."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from .core import EmulatorCore
from .server import BotApiEmulator, EmulatorThread
from .transport import EmulatorRequest


@pytest_asyncio.fixture
async def bot_api(request: pytest.FixtureRequest) -> AsyncIterator[BotApiEmulator]:
    """A running HTTP Bot API emulator on 127.0.0.1 (closed after the test).

    For a synchronous test function the emulator serves from its own thread (the test's event
    loop does not run while a sync test blocks); async tests share its loop.
    """
    if not inspect.iscoroutinefunction(getattr(request, "function", None)):
        with EmulatorThread() as t:
            yield t.emu
        return
    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture
def bot_api_thread() -> Iterator[EmulatorThread]:
    """An emulator serving from its own thread: for tests that block (subprocess.run, ...)."""
    with EmulatorThread() as t:
        yield t


@pytest_asyncio.fixture
async def bot_api_core() -> AsyncIterator[EmulatorCore]:
    """The emulator core alone, for the in-process transport (no sockets)."""
    async with EmulatorCore() as core:
        yield core


def app_builder(emu: EmulatorCore, *, in_process: bool | None = None) -> Any:
    """An ``ApplicationBuilder`` wired to the emulator (HTTP if it serves HTTP, else in-process)."""
    from telegram.ext import Application

    builder = Application.builder().token(emu.token)
    if in_process is None:
        in_process = not isinstance(emu, BotApiEmulator)
    if in_process:
        return builder.request(EmulatorRequest(emu)).get_updates_request(EmulatorRequest(emu))
    assert isinstance(emu, BotApiEmulator)
    return builder.base_url(emu.base_url).base_file_url(emu.base_file_url)


@contextlib.asynccontextmanager
async def polling(app: Any, **start_polling_kwargs: Any) -> AsyncIterator[Any]:
    """initialize → start → updater.start_polling; then stop and shut down, always."""
    start_polling_kwargs.setdefault("poll_interval", 0.0)
    start_polling_kwargs.setdefault("timeout", 5)
    await app.initialize()
    try:
        await app.start()
        await app.updater.start_polling(**start_polling_kwargs)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
