"""Wiring into the Application (called from bot/app.py): handlers, the metered transport and
the sender's background task."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters
from telegram.request import HTTPXRequest

from bot import callbacks as cb
from bot.broadcast import BROADCAST_KEY
from bot.broadcast.checkpoint import checkpoint_loop, sqlite_path
from bot.broadcast.pacing import MeteredRequest, SendMeter
from bot.broadcast.sender import BroadcastSender
from bot.services import SERVICES_KEY

ADMIN_COMMANDS = ("broadcast", "broadcasts", "admin", "stats", "export")


def register(application: Application) -> None:
    """Before the catch-all button handler and the unknown-command fallback."""
    from bot.handlers import admin, subscriptions

    add = application.add_handler
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    add(CommandHandler("subscribe", subscriptions.subscribe, filters=private))
    add(CommandHandler("unsubscribe", subscriptions.unsubscribe, filters=private))
    for name in ADMIN_COMMANDS:
        add(CommandHandler(name, getattr(admin, name), filters=private))
    add(CallbackQueryHandler(admin.broadcast_button, pattern=rf"^{cb.BROADCAST}\|"))
    add(CallbackQueryHandler(subscriptions.subscribe_button, pattern=rf"^{cb.SUBSCRIBE}\|"))


def with_meter(overrides: dict[str, Any]) -> dict[str, Any]:
    """Wrap the Bot's request object so that every message the bot sends is counted."""
    inner = overrides.get("request") or HTTPXRequest(connection_pool_size=256)
    return {**overrides, "request": MeteredRequest(inner, SendMeter())}


def start(application: Application) -> BroadcastSender:
    svc = application.bot_data[SERVICES_KEY]
    request = application.bot.request
    meter = request.meter if isinstance(request, MeteredRequest) else SendMeter()
    sender_class = BroadcastSender
    if getattr(svc.store, "shared", False):  # several instances: one sender, by lease (issue 7)
        from bot.cluster import LeasedBroadcastSender

        sender_class = LeasedBroadcastSender
    processor = application.update_processor

    def busy() -> bool:  # someone's update is being handled: the broadcast lets it go first
        return processor.current_concurrent_updates > 0 or application.update_queue.qsize() > 0

    sender = sender_class(svc.store, application.bot, svc.settings, meter, busy=busy)
    application.bot_data[BROADCAST_KEY] = sender
    svc.background.add(sender.start())  # cancelled with the other background tasks
    path = sqlite_path(svc.store)
    if path is not None:
        svc.background.add(asyncio.create_task(checkpoint_loop(path), name="wal-checkpoint"))
    return sender
