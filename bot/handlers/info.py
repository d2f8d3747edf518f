"""Commands that only inform: /help, /about, /privacy."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import current_lang, is_private, send_screen
from bot.logs import logged
from bot.screens import Screen
from bot.services import services
from bot.texts import t
from rules import load_catalogue


@logged("help")
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await current_lang(update, context)
    if is_private(update):
        text = t("help", lang)
    else:  # groups: commands named /command@bot (privacy mode)
        text = t("help_group", lang, bot=services(context).bot_username)
    await send_screen(update, context, Screen(text))


@logged("about")
async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    catalogue = load_catalogue()
    lang = await current_lang(update, context)
    text = t("about", lang, version=catalogue.version, checked=catalogue.checked.isoformat())
    # What the catalogue says it has not reviewed yet (e.g. a new Policy Address), in force today
    today = services(context).settings.today()
    notices = [n.text[lang] for n in catalogue.notices if n.in_force(today)]
    if notices:
        text += "\n\n" + "\n".join(f"⚠️ {html.escape(n, quote=False)}" for n in notices)
    await send_screen(update, context, Screen(text))


@logged("privacy")
async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    settings = services(context).settings
    text = t(
        "privacy",
        await current_lang(update, context),
        days=settings.session_retention_days,
        code_days=settings.resume_code_days,
    )
    await send_screen(update, context, Screen(text))
