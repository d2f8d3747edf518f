"""Helpers for several bot instances sharing one PostgreSQL (issue 7)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bot.app import build_application
from bot.settings import Settings
from bot.webhook import SECRET_HEADER, build_webhook_app
from dialogs import QuestionFlow

SECRET = "instances-secret"
# The first question's prompt, as the export has it: what /start's reply contains.
FIRST_PROMPT = QuestionFlow.default().export()["questions"][0]["prompt"]["en"]
_RUNNING: list[Any] = []


def running_stores() -> list[Any]:
    """The stores of the instances `webhook_instances` started last (tests break them)."""
    return list(_RUNNING)


# Typed answers that walk the questionnaire from the first question to the summary; every
# answer is only right at its own place, so a lost or reordered update shows in the answers.
# (the goal, the nationality, the age, the facts checklist typed as its line numbers, …).
TYPED_ANSWERS = ["Find work", "United States", "31", "2 3", "bachelor", "9", "no", "2000000",
                 "500000", "12345", "7", "6", "yes"]  # fmt: skip


def expected_answers(lang: str = "en") -> dict[str, Any]:
    flow = QuestionFlow.default()
    session = flow.new_session(lang)
    for text in TYPED_ANSWERS:
        reply = flow.answer(session, text=text)
        assert reply.accepted, (text, reply.message)
        session = reply.session
    assert flow.step(session).state == "summary"
    return dict(session.answers)


def instance_settings(emu: Any, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": emu.token,
        "telegram_api_base_url": emu.base_url,
        "database_url": database_url,
        "bot_admin_ids": frozenset(),
        "bot_mode": "webhook",
        "max_concurrent_updates": 256,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def webhook_instances(settings: list[Settings]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Start one Application per settings in this process (each with its own store connection,
    as separate processes would have) and yield an HTTP client per instance's webhook app."""
    apps = [build_application(s) for s in settings]
    _RUNNING[:] = [app.bot_data["services"].store for app in apps]
    clients: list[httpx.AsyncClient] = []
    try:
        for app in apps:
            await app.initialize()
            await app.start()
            transport = httpx.ASGITransport(app=build_webhook_app(app, "/hook", SECRET))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://bot"))
        yield clients
    finally:
        for client in clients:
            await client.aclose()
        for app in apps:
            if app.running:
                await app.stop()
            with contextlib.suppress(Exception):
                await app.shutdown()


async def post_update(client: httpx.AsyncClient, update: dict[str, Any]) -> int:
    response = await client.post("/hook", json=update, headers={SECRET_HEADER: SECRET}, timeout=60)
    return response.status_code


def take_pending(emu: Any) -> list[dict[str, Any]]:
    """The updates the emulator queued (no webhook is set, nobody polls)."""
    updates = list(emu.pending)
    emu.pending.clear()
    return updates


async def until(predicate: Any, timeout: float, interval: float = 0.05) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate() if asyncio.iscoroutinefunction(predicate) else not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await asyncio.sleep(interval)
