"""The command menus, following the contract's command table: what anyone may use in a private
chat, the group-friendly subset in groups, and /settings for group administrators."""

from __future__ import annotations

from telegram import BotCommand

from bot.texts import t
from rules.i18n import Lang

PUBLIC_COMMANDS: tuple[str, ...] = (
    "start", "check", "back", "summary", "result", "restart", "schemes", "compare", "language",
    "help", "about", "privacy", "subscribe", "unsubscribe", "reminders", "followup", "myanswers",
    "resume", "forget",
)  # fmt: skip


GROUP_COMMANDS: tuple[str, ...] = (
    "check", "back", "summary", "restart", "result", "schemes", "compare", "resume", "help",
    "about",
)  # fmt: skip
GROUP_ADMIN_COMMANDS: tuple[str, ...] = (*GROUP_COMMANDS, "settings")


def commands_for(lang: Lang, names: tuple[str, ...] = PUBLIC_COMMANDS) -> list[BotCommand]:
    return [BotCommand(name, t(f"cmd_{name}", lang)) for name in names]
