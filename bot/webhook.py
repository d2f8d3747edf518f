"""Webhook mode: our own small ASGI app, so the same server also answers /healthz and /metrics.

An update is stored, acknowledged, then handled (issue 12). Telegram keeps one queue per chat
and sends the next update of that chat only once the previous one was answered; it waits about
a minute and then resends. Handling before answering would hold a whole chat behind group
pacing, `retry_after` sleeps or a slow handler, and a resent update could run twice. So each
update is first written to the store's update inbox (`bot/cluster.py`, on SQLite as on
PostgreSQL; its update_id is the key, so a resend is recognised and acknowledged without
running again), the request is answered 200 at once, and the update is handled in the
background in update_id order per user. A process killed after answering loses nothing: the
next start handles what the inbox still holds (and, with several instances, another instance
does within a minute).

A body that can never parse is logged and acknowledged (200): Telegram would resend it all day.

/metrics (Prometheus text): updates by handler and outcome, the handler latency histogram,
errors, webhook requests, sessions and users, and broadcast progress. Database figures are read
at scrape time and cached for a few seconds.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.cluster import INBOX_KEY, UpdateInbox
from bot.metrics import CONTENT_TYPE, METRICS
from bot.services import SERVICES_KEY

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20
STATS_CACHE_SECONDS = 5.0
ACTIVE_WINDOW_SECONDS = 3600.0


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def update_inbox(application: Application) -> UpdateInbox | None:
    """The application's update inbox (one per application), or None without a store."""
    inbox = application.bot_data.get(INBOX_KEY)
    svc = application.bot_data.get(SERVICES_KEY)
    if inbox is None and svc is not None:
        window = svc.settings.update_order_window_ms / 1000 if svc.store.shared else 0.0
        inbox = application.bot_data[INBOX_KEY] = UpdateInbox(application, svc.store, window=window)
    return inbox


def build_webhook_app(application: Application, path: str, secret: str) -> Starlette:
    expected = secret.encode()
    svc = application.bot_data.get(SERVICES_KEY)
    inbox = update_inbox(application)
    if svc is None or inbox is None:
        raise ValueError("the webhook needs the bot's services (build_application)")
    shared = bool(svc.store.shared)
    cached: dict[str, object] = {"at": 0.0}

    async def receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        try:
            if len(body) > MAX_BODY:
                raise ValueError("too large")
            raw = json.loads(body)
            update = Update.de_json(raw, application.bot)
            if not isinstance(update.update_id, int):
                raise TypeError("update_id")
        except (ValueError, TypeError, KeyError, AttributeError):
            # Telegram would resend it until it expires; it will never parse better.
            METRICS.count('bot_webhook_requests_total{result="bad"}')
            log.warning("webhook: unreadable update acknowledged and dropped",
                        extra={"fields": {"bytes": len(body)}})  # fmt: skip
            return Response(status_code=200)
        METRICS.count('bot_webhook_requests_total{result="ok"}')
        await inbox.accept(update, raw)  # stored; handled in the background
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        if not shared:
            return JSONResponse({"ok": application.running})
        # Several instances: one that cannot reach the shared database cannot take updates, so
        # it says so (503) and the load balancer sends them to another.
        try:
            async with svc.store.transaction():  # type: ignore[union-attr]
                pass
            database = True
        except Exception:
            database = False
        ok = application.running and database
        return JSONResponse({"ok": ok, "database": database}, status_code=200 if ok else 503)

    async def metrics(_: Request) -> Response:
        if time.monotonic() - float(cached["at"]) > STATS_CACHE_SECONDS:  # type: ignore[arg-type]
            cached["at"] = time.monotonic()
            try:
                await _database_gauges(application, svc)
            except Exception:
                log.exception("metrics: database figures unavailable")
        return PlainTextResponse(METRICS.render(), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route(path, receive_update, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


async def _database_gauges(application: Application, svc: object) -> None:
    """Sessions, users and broadcast progress, as gauges (every instance reports the database's
    figures; `bot_broadcast_lease_held` tells which instance is sending)."""
    from bot.broadcast import BROADCAST_KEY
    from bot.store.broadcasts import ACTIVE_STATUSES

    store = svc.store  # type: ignore[attr-defined]
    async with store.transaction() as tx:
        stats = await tx.statistics(time.time() - ACTIVE_WINDOW_SECONDS, history=5)
    METRICS.database.update(stats, application.bot_data.get(BROADCAST_KEY), ACTIVE_STATUSES)
