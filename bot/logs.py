"""Structured logs: one JSON line per handled update, never the person's answers."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update

from bot.metrics import METRICS

log = logging.getLogger("bot.updates")

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if extra:
            payload.update(extra)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class _RedactToken(logging.Filter):
    """httpx logs request URLs, and Bot API URLs contain the token."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = ()
        return True


def configure_logging(level: str, token: str | None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Request-level chatter would log every URL; keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def update_kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in (
            "callback_query",
            "message",
            "edited_message",
            "my_chat_member",
            "channel_post",
            "chat_member",
            "inline_query",
        ):
            if getattr(update, kind, None) is not None:
                return kind
    return type(update).__name__


def logged(name: str) -> Callable[[F], F]:
    """Log the handler's name, the update's kind and chat type, and how long it took."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        async def wrapper(update: object, context: Any) -> Any:
            start = time.perf_counter()
            outcome = "ok"
            try:
                return await func(update, context)
            except Exception:
                outcome = "error"
                raise
            finally:
                ms = (time.perf_counter() - start) * 1000
                METRICS.observe(name, outcome, ms)
                if log.isEnabledFor(logging.INFO):  # the line's fields only when it is written
                    chat = update.effective_chat if isinstance(update, Update) else None
                    log.info(
                        "update",
                        extra={
                            "fields": {
                                "handler": name,
                                "kind": update_kind(update),
                                "chat_type": chat.type if chat else None,
                                "update_id": getattr(update, "update_id", None),
                                "ms": round(ms, 2),
                                "outcome": outcome,
                            }
                        },
                    )

        return wrapper  # type: ignore[return-value]

    return decorate
