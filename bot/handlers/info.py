"""Commands that only inform: /help, /about, /privacy."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import send_screen, user_lang
from bot.logs import logged
from bot.screens import Screen
from bot.services import services
from bot.texts import t
from rules import load_catalogue


async def _lang(update: Update, context: ContextTypes.DEFAULT_TYPE):
    async with services(context).store.transaction() as tx:
        return user_lang(tx, update)


@logged("help")
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_screen(update, context, Screen(t("help", await _lang(update, context))))


@logged("about")
async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    catalogue = load_catalogue()
    text = t(
        "about",
        await _lang(update, context),
        version=catalogue.version,
        checked=catalogue.checked.isoformat(),
    )
    await send_screen(update, context, Screen(text))


@logged("privacy")
async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    days = services(context).settings.session_retention_days
    await send_screen(
        update, context, Screen(t("privacy", await _lang(update, context), days=days))
    )
