"""Fault injection: what ``emu.inject(method, fault)`` makes the next matching call(s) do.

A fault gets ``proceed`` (a coroutine function running the real method) and returns the result
or raises ``ApiError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from .errors import ApiError, forbidden, too_many_requests

Proceed = Callable[[], Awaitable[Any]]


class Fault:
    async def apply(self, core: Any, proceed: Proceed) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


class Error(Fault):
    """Answer with this error instead of running the method."""

    def __init__(self, code: int, description: str | None = None, **parameters: Any):
        if description is None:
            try:
                description = HTTPStatus(code).phrase
            except ValueError:
                description = "Error"
        self.error = ApiError(code, description, parameters or None)

    async def apply(self, core: Any, proceed: Proceed) -> Any:
        raise self.error


class Delay(Fault):
    """Wait ``seconds`` (real) before running the method (client read timeouts fire)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    async def apply(self, core: Any, proceed: Proceed) -> Any:
        await asyncio.sleep(self.seconds)
        return await proceed()


class DelayResponse(Fault):
    """Run the method (the message IS sent), then wait before answering: a lost response."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    async def apply(self, core: Any, proceed: Proceed) -> Any:
        result = await proceed()
        await asyncio.sleep(self.seconds)
        return result


class ErrorAfter(Fault):
    """Run the method (side effects happen), then answer with an error anyway."""

    def __init__(self, code: int = 502, description: str | None = None):
        self.error = Error(code, description).error

    async def apply(self, core: Any, proceed: Proceed) -> Any:
        await proceed()
        raise self.error


class Hang(Fault):
    """Never answer (until the emulator closes): the client times out."""

    async def apply(self, core: Any, proceed: Proceed) -> Any:
        await core._closing.wait()
        raise ApiError(500, "Internal Server Error")


def error(code: int, description: str | None = None, **parameters: Any) -> Error:
    return Error(code, description, **parameters)


def server_error(code: int = 500) -> Error:
    return Error(code)


def retry_after(seconds: int) -> Error:
    e = too_many_requests(seconds)
    return Error(e.code, e.description, **(e.parameters or {}))


def blocked() -> Error:
    e = forbidden("bot was blocked by the user")
    return Error(e.code, e.description)


def delay(seconds: float) -> Delay:
    return Delay(seconds)


def delay_response(seconds: float) -> DelayResponse:
    return DelayResponse(seconds)


def error_after(code: int = 502, description: str | None = None) -> ErrorAfter:
    return ErrorAfter(code, description)


def hang() -> Hang:
    return Hang()


def to_fault(action: Any) -> Fault | None:
    """None → run normally; int → that HTTP error; (code, description[, params]); ApiError."""
    if action is None or isinstance(action, Fault):
        return action
    if isinstance(action, bool):
        raise TypeError("a fault cannot be a bool")
    if isinstance(action, int):
        return Error(action)
    if isinstance(action, ApiError):
        return Error(action.code, action.description, **(action.parameters or {}))
    if isinstance(action, tuple):
        code, desc, *rest = action
        return Error(code, desc, **(rest[0] if rest else {}))
    raise TypeError(f"unsupported fault {action!r}")
