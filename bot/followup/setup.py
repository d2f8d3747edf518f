"""Wiring into the Application (called from bot/app.py): the handlers, and the re-evaluation
duty on the broadcast sender (so only the sender's process — the lease holder — runs it)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks as cb
from bot.followup import handlers
from bot.followup.service import FollowupDuty


def register(application: Application) -> None:
    """Before the catch-all button handler and the unknown-command fallback."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("followup", handlers.followup_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(handlers.followup_button, pattern=cb.pattern(cb.FOLLOWUP))
    )


def start(application: Application, sender) -> FollowupDuty:
    from bot.services import SERVICES_KEY

    duty = FollowupDuty(application.bot, application.bot_data[SERVICES_KEY].settings)
    sender.duties.append(duty)
    return duty
