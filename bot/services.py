"""What handlers need, built once per process and kept in `application.bot_data`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store
    from dialogs import QuestionFlow

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    store: Store
    flow: QuestionFlow
    bot_username: str = ""
    background: set = field(default_factory=set)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]
