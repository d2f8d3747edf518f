"""Wiring into the Application (called from bot/app.py): handlers and the sender's background
task (paced by the Bot's outbound limiter, bot/pacing.py)."""

from __future__ import annotations

import asyncio

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks as cb
from bot.broadcast import BROADCAST_KEY
from bot.broadcast.checkpoint import checkpoint_loop, sqlite_path
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
    add(CallbackQueryHandler(admin.broadcast_button, pattern=cb.pattern(cb.BROADCAST)))
    add(CallbackQueryHandler(subscriptions.subscribe_button, pattern=cb.pattern(cb.SUBSCRIBE)))


def start(application: Application) -> BroadcastSender:
    svc = application.bot_data[SERVICES_KEY]
    limiter = application.bot.rate_limiter
    sender_class = BroadcastSender
    if getattr(svc.store, "shared", False):  # several instances: one sender, by lease (issue 7)
        from bot.cluster import LeasedBroadcastSender

        sender_class = LeasedBroadcastSender
    processor = application.update_processor

    def busy() -> bool:  # someone's update is being handled: the broadcast lets it go first
        return processor.current_concurrent_updates > 0 or application.update_queue.qsize() > 0

    sender = sender_class(svc.store, application.bot, svc.settings, limiter, busy=busy)
    application.bot_data[BROADCAST_KEY] = sender
    svc.background.add(sender.start())  # cancelled with the other background tasks
    path = sqlite_path(svc.store)
    if path is not None:
        svc.background.add(asyncio.create_task(checkpoint_loop(path), name="wal-checkpoint"))
    return sender
