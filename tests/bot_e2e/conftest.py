"""Run the real bot Application against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from bot.app import build_application
from bot.settings import Settings
from bot.store import open_store
from tests.telegram_emulator import BotApiEmulator
from tests.telegram_emulator.fixtures import polling


@dataclass
class RunningBot:
    emu: BotApiEmulator
    app: object
    db_url: str
    settings: Settings

    @property
    def store(self):
        return self.app.bot_data["services"].store


def bot_settings(emu: BotApiEmulator, db_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": emu.token,
        "telegram_api_base_url": emu.base_url,
        "database_url": f"sqlite:///{db_path}",
        "bot_admin_ids": frozenset(),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def run_bot(emu: BotApiEmulator, settings: Settings) -> AsyncIterator[RunningBot]:
    app = build_application(settings)
    async with polling(app):
        yield RunningBot(emu, app, settings.database_url, settings)


@pytest_asyncio.fixture
async def bot(bot_api: BotApiEmulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with run_bot(bot_api, bot_settings(bot_api, tmp_path / "bot.sqlite3")) as running:
        yield running


async def rows_about(db_url: str, user_id: int) -> int:
    store = open_store(db_url)
    await store.open()
    try:
        return await store.count_rows_about(user_id)
    finally:
        await store.close()
