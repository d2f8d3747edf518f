"""Who may use the bot-admin commands: owners (BOT_ADMIN_IDS) and the admins they added."""

from __future__ import annotations

from bot.settings import Settings
from bot.store.base import Transaction


def is_owner(settings: Settings, user_id: int) -> bool:
    return user_id in settings.bot_admin_ids


async def is_admin(tx: Transaction, settings: Settings, user_id: int) -> bool:
    return is_owner(settings, user_id) or user_id in await tx.admin_ids()
