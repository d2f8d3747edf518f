"""The method registry: ``@api_method("sendMessage")`` registers a handler.

A handler is ``fn(core, params) -> result`` (sync or async); it raises ``ApiError`` for errors.
Method names are matched case-insensitively, like Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
METHODS: dict[str, tuple[str, Handler]] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = (name, fn)
        return fn

    return deco


def lookup(name: str) -> tuple[str, Handler] | None:
    return METHODS.get(name.lower())
