"""The command menu, following the contract's command table (commands anyone may use)."""

from __future__ import annotations

from telegram import BotCommand

from bot.texts import t
from rules.i18n import Lang

PUBLIC_COMMANDS: tuple[str, ...] = (
    "start", "check", "back", "summary", "result", "restart", "schemes", "language",
    "help", "about", "privacy", "subscribe", "unsubscribe", "forget",
)  # fmt: skip


def commands_for(lang: Lang) -> list[BotCommand]:
    return [BotCommand(name, t(f"cmd_{name}", lang)) for name in PUBLIC_COMMANDS]
