"""/subscribe [ID…], /unsubscribe [ID…], and the "tell me when these rules change" button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.broadcast.schemes import mask_schemes
from bot.handlers.common import send_screen, user_lang
from bot.logs import logged
from bot.screens import Screen
from bot.services import services
from bot.store.broadcasts import ALL_SCHEMES
from bot.texts import t
from rules.catalogue_models import SCHEME_IDS


def parse_schemes(args: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Scheme ids named in a command (any case, `-` for `_`), and the words that are not."""
    known, unknown = [], []
    for arg in args:
        for word in arg.replace(",", " ").split():
            sid = word.strip().upper().replace("-", "_")
            if sid in SCHEME_IDS:
                known.append(sid)
            elif sid in {"ALL", "*"}:
                known.append(ALL_SCHEMES)
            else:
                unknown.append(word)
    return tuple(dict.fromkeys(known)), unknown


def describe(subscription: list[str], lang: str) -> str:
    if not subscription:
        return t("sub_none", lang)
    if ALL_SCHEMES in subscription:
        return t("sub_now_all", lang)
    return t("sub_now_schemes", lang, schemes=", ".join(subscription))


@logged("subscribe")
async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    schemes, unknown = parse_schemes(list(context.args or []))
    async with services(context).store.transaction() as tx:
        lang = await user_lang(tx, update)
        if not unknown:
            await tx.subscribe(user.id, lang, schemes or (ALL_SCHEMES,))
        now = await tx.subscription(user.id)
    if unknown:
        text = t("sub_unknown", lang, words=" ".join(unknown), ids=" ".join(SCHEME_IDS))
    else:
        text = f"{describe(now, lang)}\n{t('sub_how_to_stop', lang)}"
    await send_screen(update, context, Screen(text))


@logged("unsubscribe")
async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    schemes, unknown = parse_schemes(list(context.args or []))
    async with services(context).store.transaction() as tx:
        lang = await user_lang(tx, update)
        if not unknown:
            await tx.unsubscribe(user.id, tuple(s for s in schemes if s != ALL_SCHEMES))
        now = await tx.subscription(user.id)
    if unknown:
        text = t("sub_unknown", lang, words=" ".join(unknown), ids=" ".join(SCHEME_IDS))
    elif not now:
        text = t("unsub_done", lang)
    else:
        text = describe(now, lang)
    await send_screen(update, context, Screen(text))


@logged("subscribe_button")
async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a result: subscribe to the schemes that result was about."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = cb.decode(query.data)
    try:
        schemes = mask_schemes(data.arg2) if data is not None else ()
    except ValueError:
        schemes = ()
    async with services(context).store.transaction() as tx:
        lang = await user_lang(tx, update)
        await tx.subscribe(user.id, lang, schemes or (ALL_SCHEMES,))
        now = await tx.subscription(user.id)
    await query.answer(t("sub_button_done", lang))
    text = f"{describe(now, lang)}\n{t('sub_how_to_stop', lang)}"
    await send_screen(update, context, Screen(text))
