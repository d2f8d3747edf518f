"""Channels a bot admin registers, and scheme cards published to them (/channel, /post).

The bot must be an administrator of a channel to post; registering checks that first, so the
admin hears about a missing permission at once rather than when a post fails.
"""

from __future__ import annotations

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.handlers.admin import _admin_lang, _audit
from bot.handlers.common import send_screen
from bot.handlers.schemes import card_screens, find_card
from bot.logs import logged
from bot.outbox import send_html
from bot.screens import Screen
from bot.services import services
from bot.store import StoredChat
from bot.texts import t
from rules.cards import scheme_cards
from rules.i18n import LANGS, Lang

POSTING_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def _channel_ref(arg: str) -> int | str:
    arg = arg.strip()
    try:
        return int(arg)
    except ValueError:
        return arg if arg.startswith("@") else f"@{arg}"


def _label(chat: StoredChat) -> str:
    return f"{chat.title or ''} ({chat.chat_id})".strip()


@logged("channel")
async def channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    user = update.effective_user
    assert user is not None
    args = context.args or []
    action = args[0].lower() if args else ""
    svc = services(context)
    if action == "list":
        async with svc.store.transaction() as tx:
            rows = [c for c in await tx.chats(types=("channel",)) if c.registered]
        text = (t("channel_list", lang, channels="\n".join(f"• {_label(c)}" for c in rows))
                if rows else t("channel_list_empty", lang))  # fmt: skip
        await send_screen(update, context, Screen(text))
        return
    if action not in {"add", "remove"} or len(args) < 2:
        await send_screen(update, context, Screen(t("channel_usage", lang)))
        return
    ref = _channel_ref(args[1])
    try:
        chat = await context.bot.get_chat(ref)
    except (BadRequest, Forbidden):
        await _audit(context, user.id, f"channel {action}", str(ref), "not found")
        await send_screen(update, context, Screen(t("channel_not_found", lang, channel=str(ref))))
        return
    name = chat.title or str(chat.id)
    if action == "add":
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
        if member.status not in POSTING_STATUSES:
            await _audit(context, user.id, "channel add", str(chat.id), "bot not admin")
            await send_screen(update, context, Screen(t("channel_not_admin", lang, channel=name)))
            return
    async with svc.store.transaction() as tx:
        row = await tx.load_chat(chat.id) or StoredChat(chat.id, "channel", chat.title)
        row.title = chat.title
        row.registered = action == "add"
        row.active = True if action == "add" else row.active
        row.bot_admin = True if action == "add" else row.bot_admin
        await tx.save_chat(row)
    await _audit(context, user.id, f"channel {action}", str(chat.id), "ok")
    key = "channel_added" if action == "add" else "channel_removed"
    await send_screen(update, context, Screen(t(key, lang, channel=name)))


@logged("post")
async def post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/post SCHEME [@channel]: the scheme's card, with a button to start the check."""
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    user = update.effective_user
    assert user is not None
    args = context.args or []
    card = find_card(args[0], lang) if args else None
    if card is None:
        names = ", ".join(c.scheme for c in scheme_cards(lang))
        await send_screen(update, context, Screen(t("post_usage", lang, schemes=names)))
        return
    svc = services(context)
    async with svc.store.transaction() as tx:
        targets = [c for c in await tx.chats(types=("channel",)) if c.registered]
    if len(args) > 1:
        ref = _channel_ref(args[1])
        targets = [c for c in targets if ref in (c.chat_id, f"@{c.title}")] or [
            StoredChat(ref if isinstance(ref, int) else 0, "channel", str(ref))
        ]
    if not targets:
        await send_screen(update, context, Screen(t("channel_list_empty", lang)))
        return
    posted: list[str] = []
    for target in targets:
        channel_lang: Lang = target.lang if target.lang in LANGS else lang  # type: ignore[assignment]
        link = f"https://t.me/{svc.bot_username}?start={card.scheme.lower()}"
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn_check_me", channel_lang),
                                                               url=link)]])  # fmt: skip
        screens = card_screens(find_card(card.scheme, channel_lang) or card, channel_lang)
        try:
            for screen in screens[:-1]:
                await send_html(context.bot, target.chat_id, screen.text)
            await send_html(context.bot, target.chat_id, screens[-1].text, keyboard)
        except (BadRequest, Forbidden) as exc:
            await _audit(context, user.id, "post", f"{card.scheme} -> {target.chat_id}", str(exc))
            reason = str(exc)
            await send_screen(
                update,
                context,
                Screen(t("post_failed", lang, channel=_label(target), reason=reason)),
            )
            continue  # fmt: skip
        posted.append(_label(target))
        await _audit(context, user.id, "post", f"{card.scheme} -> {target.chat_id}", "ok")
    if posted:
        text = t("post_done", lang, scheme=card.short_name, channels=", ".join(posted))
        await send_screen(update, context, Screen(text))
