"""Wiring into the Application (called from bot/app.py): the /reminders command, the buttons and
the sender's background task (after the broadcast sender, whose lease it follows)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks as cb
from bot.broadcast import BROADCAST_KEY
from bot.reminders import REMINDERS_KEY
from bot.reminders.sender import ReminderSender
from bot.services import SERVICES_KEY


def register(application: Application) -> None:
    """Before the catch-all button handler and the unknown-command fallback."""
    from bot.handlers import reminders

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("reminders", reminders.reminders_command,
                                           filters=private))  # fmt: skip
    application.add_handler(
        CallbackQueryHandler(reminders.remind_button, pattern=cb.pattern(cb.REMIND))
    )


def start(application: Application) -> ReminderSender:
    svc = application.bot_data[SERVICES_KEY]
    broadcast = application.bot_data[BROADCAST_KEY]
    processor = application.update_processor

    def busy() -> bool:  # someone's update is being handled: their reply goes first
        return processor.current_concurrent_updates > 0 or application.update_queue.qsize() > 0

    sender = ReminderSender(broadcast, application.bot, svc.settings,
                            application.bot.rate_limiter, busy=busy)  # fmt: skip
    application.bot_data[REMINDERS_KEY] = sender
    svc.background.add(sender.start())  # cancelled with the other background tasks
    return sender
