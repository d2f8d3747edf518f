"""The user's own settings and data: /language and /forget."""

from __future__ import annotations

from telegram import BotCommandScopeChat, Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.commands import commands_for
from bot.handlers.common import (
    current_lang,
    edit_screen,
    load_session,
    owner_of,
    refuse_foreign_button,
    save_session,
    send_screen,
    session_key,
)
from bot.handlers.questionnaire import show_step
from bot.logs import logged
from bot.screens import Screen, forget_screen, language_screen
from bot.services import services
from bot.texts import t
from rules.i18n import LANGS


@logged("language")
async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await current_lang(update, context)
    await send_screen(update, context, language_screen(lang, owner_of(update)))


@logged("language_button")
async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    data = cb.decode(query.data)
    svc = services(context)
    if await refuse_foreign_button(update, context, data):
        return
    if data is None or data.arg1 not in LANGS:
        current = await current_lang(update, context)
        await query.answer(t("button_expired_alert", current))
        return
    lang = data.arg1
    async with svc.store.transaction() as tx:
        await tx.save_user_lang(update.effective_user.id, lang)
        session, existed = await load_session(tx, svc.flow, session_key(update), update)
        session = svc.flow.set_language(session, lang)
        if existed:
            await save_session(tx, session_key(update), session, finished=False)
    await query.answer()
    await edit_screen(update, context, Screen(t("language_set", lang)))
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        # Telegram's per-language menus only know two-letter codes; a per-chat menu is exact.
        await context.bot.set_my_commands(commands_for(lang), scope=BotCommandScopeChat(chat.id))
    if existed and session.answers:
        await show_step(update, context, session)


@logged("forget")
async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await current_lang(update, context)
    await send_screen(update, context, forget_screen(lang, owner_of(update)))


@logged("forget_button")
async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    data = cb.decode(query.data)
    svc = services(context)
    if await refuse_foreign_button(update, context, data):
        return
    lang = await current_lang(update, context)
    await query.answer()
    if data is not None and data.arg1 == "yes":
        await svc.store.forget_user(update.effective_user.id)
        await edit_screen(update, context, Screen(t("forget_done", lang)))
    else:
        await edit_screen(update, context, Screen(t("forget_cancelled", lang)))
