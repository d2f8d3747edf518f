"""Per-user ordering: one user's updates run one after another; different users run at once.

python-telegram-bot either processes every update in sequence (one slow user blocks everyone)
or all concurrently (two quick button presses of one user could race). This processor chains
each update behind the previous one with the same key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def ordering_key(update: object) -> int | None:
    """The user an update belongs to; channel posts and the like fall back to the chat."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            await coroutine
            return
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        try:
            if previous is not None:
                await asyncio.shield(previous)
            await coroutine
        finally:
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]

    async def initialize(self) -> None:
        self._tails.clear()

    async def shutdown(self) -> None:
        pending = list(self._tails.values())
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
