"""Webhook mode: our own small ASGI app, so the same server also answers /healthz and /metrics.

Each update is processed before the HTTP response is sent: Telegram only counts an update as
delivered once the answer it caused is committed, so a crash mid-update means Telegram resends it
instead of it being lost.

With a shared store (PostgreSQL, several instances behind one URL) updates go through
`bot/cluster.py`'s inbox: one user's updates are applied in update_id order whichever instance
they reach, and a resent update is acknowledged without running twice.

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

from bot.metrics import CONTENT_TYPE, METRICS
from bot.services import SERVICES_KEY

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20
STATS_CACHE_SECONDS = 5.0
ACTIVE_WINDOW_SECONDS = 3600.0


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def build_webhook_app(application: Application, path: str, secret: str) -> Starlette:
    expected = secret.encode()
    svc = application.bot_data.get(SERVICES_KEY)
    inbox = None
    if svc is not None and getattr(svc.store, "shared", False):
        from bot.cluster import UpdateInbox

        window = svc.settings.update_order_window_ms / 1000
        inbox = UpdateInbox(application, svc.store, window=window)
    cached: dict[str, object] = {"at": 0.0}

    async def receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:
            raw = json.loads(body)
            update = Update.de_json(raw, application.bot)
        except (ValueError, TypeError, KeyError):
            METRICS.count('bot_webhook_requests_total{result="bad"}')
            return PlainTextResponse("bad update", status_code=400)
        METRICS.count('bot_webhook_requests_total{result="ok"}')
        if inbox is not None:
            await inbox.handle(update, raw)
        else:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        if inbox is None:
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
        if svc is not None and time.monotonic() - float(cached["at"]) > STATS_CACHE_SECONDS:  # type: ignore[arg-type]
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
        stats = tx.statistics(time.time() - ACTIVE_WINDOW_SECONDS, history=5)
    METRICS.database.update(stats, application.bot_data.get(BROADCAST_KEY), ACTIVE_STATUSES)
