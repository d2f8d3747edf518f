"""Webhook mode: our own small ASGI app, so the same server also answers /healthz and /metrics.

Each update is processed before the HTTP response is sent: Telegram only counts an update as
delivered once the answer it caused is committed, so a crash mid-update means Telegram resends it
instead of it being lost.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.metrics import METRICS

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def build_webhook_app(application: Application, path: str, secret: str) -> Starlette:
    expected = secret.encode()

    async def receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("bad update", status_code=400)
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": application.running})

    async def metrics(_: Request) -> Response:
        return PlainTextResponse(
            METRICS.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    return Starlette(
        routes=[
            Route(path, receive_update, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )
