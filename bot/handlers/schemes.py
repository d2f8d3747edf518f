"""/schemes: browse every scheme — what it is, who it is for, key thresholds, official link and
the date its rules were checked."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.handlers.common import (
    current_lang,
    edit_screen,
    load_session,
    owner_of,
    send_screen,
    session_key,
    user_lang,
)
from bot.handlers.questionnaire import screens_for
from bot.logs import logged
from bot.render import escape as _e
from bot.render import pack_messages
from bot.screens import Screen
from bot.services import services
from bot.texts import t, t_raw
from rules.cards import SchemeCard, scheme_cards
from rules.documents import SchemeDocuments
from rules.i18n import Lang


def list_screen(lang: Lang, intro: str | None = None) -> Screen:
    buttons = [
        InlineKeyboardButton(card.short_name,
                             callback_data=cb.Callback(cb.SCHEME, None, None, card.scheme).encode())
        for card in scheme_cards(lang)
    ]  # fmt: skip
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Screen(intro or t("schemes_intro", lang), InlineKeyboardMarkup(rows))


def card_screens(card: SchemeCard, lang: Lang) -> list[Screen]:
    blocks = [f"<b>{_e(card.short_name)}</b> — {_e(card.name)}\n<i>{_e(card.summary)}</i>"]
    lines = [t("card_requirements", lang), *(f"• {_e(r)}" for r in card.requirements)]
    blocks.append("\n".join(lines))
    for cat in card.categories:
        cat_lines = [f"<b>{_e(cat.name)}</b> — {_e(cat.summary)}"]
        cat_lines += [f"• {_e(r)}" for r in cat.requirements]
        blocks.append("\n".join(cat_lines))
    if card.next_steps:
        blocks.append("\n".join([t("result_next_steps", lang),
                                 *(f"· {_e(s)}" for s in card.next_steps)]))  # fmt: skip
    if card.caveats:
        blocks.append("\n".join(f"⚠️ {_e(c)}" for c in card.caveats))
    if card.documents is not None:
        blocks.append(documents_block(card.documents, lang))
    source = t_raw("result_source", lang, url=html.escape(card.source, quote=True),
                   checked=card.checked.isoformat())  # fmt: skip
    blocks.append(f"{source}\n{t('card_disclaimer', lang)}")
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_all_schemes", lang),
                             callback_data=cb.Callback(cb.SCHEME, None, None, "list").encode()),
        InlineKeyboardButton(t("btn_check_me", lang),
                             callback_data=cb.Callback(cb.SCHEME, None, None, "check").encode()),
    ]])  # fmt: skip
    parts = pack_messages(blocks)
    return [Screen(p) for p in parts[:-1]] + [Screen(parts[-1], keyboard)]


def documents_block(docs: SchemeDocuments, lang: Lang) -> str:
    """What to prepare: the listed forms and documents with the official list, or a pointer to
    the official page where our sources list none."""
    heading = t("compare_aspect_documents", lang)
    url = html.escape(docs.page, quote=True)
    if not docs.listed:
        return f"{heading}\n{t_raw('documents_not_listed', lang, url=url)}"
    lines = [heading, *(f"· {_e(item.text)}" for item in docs.items)]
    if docs.checked is not None:
        lines.append(t_raw("documents_page", lang, url=url, checked=docs.checked.isoformat()))
    return "\n".join(lines)


def find_card(name: str, lang: Lang) -> SchemeCard | None:
    wanted = name.strip().upper().replace(" ", "_").replace("-", "_")
    aliases = {"NEW_CIES": "CIES", "GEP_ENTREPRENEURS": "GEP_INVEST"}
    wanted = aliases.get(wanted, wanted)
    for card in scheme_cards(lang):
        if card.scheme == wanted or card.short_name.upper() == name.strip().upper():
            return card
    return None


@logged("schemes")
async def schemes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await current_lang(update, context)
    if context.args:
        name = " ".join(context.args)[:40]
        card = find_card(name, lang)
        if card is None:
            await send_screen(
                update, context, list_screen(lang, t("card_unknown_scheme", lang, name=name))
            )
            return  # fmt: skip
        for screen in card_screens(card, lang):
            await send_screen(update, context, screen)
        return
    await send_screen(update, context, list_screen(lang))


@logged("scheme_button")
async def scheme_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    svc = services(context)
    async with svc.store.transaction() as tx:
        lang = await user_lang(tx, update)
        session = None
        if data is not None and data.arg1 == "check":
            session, _ = await load_session(tx, svc.flow, session_key(update), update)
    await query.answer()
    if session is not None:
        for screen in screens_for(svc, svc.flow, session, owner_of(update)):
            await send_screen(update, context, screen)
        return
    if data is None or data.arg1 == "list":
        await edit_screen(update, context, list_screen(lang))
        return
    card = find_card(data.arg1, lang)
    if card is None:
        await edit_screen(update, context, list_screen(lang))
        return
    first, *rest = card_screens(card, lang)
    await edit_screen(update, context, first)
    for screen in rest:
        await send_screen(update, context, screen)
