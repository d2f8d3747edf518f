"""Groups, supergroups, forum topics and channels: where the bot is, group settings, and typed
answers (which in a group are replies to the bot's question, or mention it).

With privacy mode on (the default), Telegram gives a bot in a group only commands meant for it
(`/check@bot`; a bare `/check` only while it was the last bot to post there), replies to its
messages and service messages — never a plain @mention. So typed answers are replies to the
bot's question, and every text the bot posts in a group names commands as `/command@bot`. A
message mentioning the bot reaches it only where it sees everything (privacy mode off, or an
administrator bot); the mention is then read as a typed answer too.
"""

from __future__ import annotations

import re
import time

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import callbacks as cb
from bot.group_settings import settings_of
from bot.handlers.common import current_lang, edit_screen, is_private, send_screen, user_lang
from bot.handlers.questionnaire import answer_typed
from bot.logs import logged
from bot.screens import LANGUAGE_NAMES, Screen
from bot.services import services
from bot.store import StoredChat
from bot.texts import t
from rules.i18n import LANGS, Lang

# The commands that keep nothing about the sender; any other needs a person to belong to.
SESSION_FREE_COMMANDS = {"help", "about", "privacy", "schemes"}
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
PRESENT_STATUSES = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER,
                    ChatMember.RESTRICTED}  # fmt: skip
ADMIN_CACHE_SECONDS = 60.0


async def is_chat_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the chat; asked of Telegram and remembered for a minute."""
    cache: dict = context.application.bot_data.setdefault("chat_admin_cache", {})
    now = time.monotonic()
    hit = cache.get((chat_id, user_id))
    if hit is not None and hit[1] > now:
        return hit[0]
    member = await context.bot.get_chat_member(chat_id, user_id)
    answer = member.status in ADMIN_STATUSES
    cache[(chat_id, user_id)] = (answer, now + ADMIN_CACHE_SECONDS)
    return answer


@logged("my_chat_member")
async def track_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the chats table current: added, removed, promoted, or blocked by a user."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    new = change.new_chat_member
    present = new.status in PRESENT_STATUSES and getattr(new, "is_member", True) is not False
    was_present = change.old_chat_member.status in PRESENT_STATUSES
    svc = services(context)
    async with svc.store.transaction() as tx:
        known = await tx.load_chat(chat.id)
        # A group upgraded to a supergroup: its row moved to the new id (`chat_migrated`, which
        # Telegram's migrate message reaches first), and Telegram then says the bot "joined" the
        # supergroup. It was there all along: no second intro.
        was_present = was_present or (known is not None and known.active)
        row = known or StoredChat(chat.id, chat.type)
        row.type = chat.type
        row.title = chat.title or row.title
        row.active = present
        row.bot_admin = new.status in ADMIN_STATUSES
        await tx.save_chat(row)
        quiet = settings_of(row).quiet
        lang: Lang = row.lang if row.lang in LANGS else await user_lang(tx, update)  # type: ignore[assignment]
    joined = present and not was_present
    if joined and not quiet and chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}:
        intro = t("group_intro", lang, title=chat.title or "", bot=svc.bot_username)
        await send_screen(update, context, Screen(intro))


@logged("chat_migrated")
async def chat_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its settings and members' sessions move to the new id."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with services(context).store.transaction() as tx:
        before = await tx.load_chat(old)
        if before is not None and before.migrated_to == new:
            return  # moved already, by the other of the two migrate messages
        await tx.move_chat(old, new)


def posted_as_the_group(update: Update) -> bool:
    """Sent on behalf of the group itself (`from` is GroupAnonymousBot, `sender_chat` the
    group): only its administrators can do that."""
    message = update.effective_message
    return (
        message is not None
        and message.sender_chat is not None
        and message.sender_chat.id == message.chat.id
    )


def _command_of(text: str, username: str) -> str | None:
    """`/name` or `/name@ourbot` → name; None for text or another bot's command."""
    m = re.match(r"/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?", text)
    if m is None or (m.group(2) and m.group(2).lower() != username.lower()):
        return None
    return m.group(1).lower()


async def sent_as_a_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handled here and nowhere else (see `_sent_as_a_chat`), except session-free commands."""
    if await _sent_as_a_chat(update, context):
        raise ApplicationHandlerStop  # outside `logged`, which would count it as an error


@logged("sent_as_a_chat")
async def _sent_as_a_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A group message posted as a chat — an anonymous administrator as the group, or someone
    as their channel. It is nobody in particular: every such sender shares one user id, so it
    must never get a session, a language or a subscription. /settings from the group itself
    is an administrator's; a command that needs a person gets a button that opens the check in
    a private chat (the bot cannot tell who pressed it until they do)."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    command = _command_of(message.text or "", svc.bot_username)
    if command in SESSION_FREE_COMMANDS:
        return False  # answered as for anyone
    if command is not None:
        lang = await current_lang(update, context)
        if command == "settings":
            if posted_as_the_group(update):
                await settings_command(update, context)
            else:
                await send_screen(update, context, Screen(t("settings_admins_only", lang)))
        else:
            link = f"https://t.me/{svc.bot_username}?start=check"
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn_check_privately", lang),
                                                                   url=link)]])  # fmt: skip
            await send_screen(update, context, Screen(t("anonymous_sender", lang), keyboard))
    return True  # no typed answers, no hints: there is no one to answer


def _without_mention(text: str, username: str) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


@logged("group_text")
async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the bot's question (or, where the bot sees every message, one that mentions
    it) is a typed answer."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    svc = services(context)
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None \
        and replied.from_user.id == context.bot.id  # fmt: skip
    mentioned = bool(svc.bot_username) and f"@{svc.bot_username.lower()}" in message.text.lower()
    if not (to_bot or mentioned):
        return  # people talking to each other
    text = _without_mention(message.text, svc.bot_username) if mentioned else message.text
    if text and await answer_typed(update, context, text, must_exist=True):
        return
    async with svc.store.transaction() as tx:
        lang = await user_lang(tx, update)
        quiet = settings_of(await tx.load_chat(message.chat.id)).quiet
    if not quiet:
        hint = t("group_start_hint", lang, name=user.first_name, bot=svc.bot_username)
        await send_screen(update, context, Screen(hint))


def _settings_screen(row: StoredChat, lang: Lang, owner: int) -> Screen:
    settings = settings_of(row)

    def state(on: bool) -> str:
        return t("setting_on" if on else "setting_off", lang)

    language = LANGUAGE_NAMES.get(row.lang or "", "—")
    text = t("settings_screen", lang, title=row.title or "", language=language,
             results=state(settings.results_in_group), quiet=state(settings.quiet))  # fmt: skip

    def button(label: str, key: str, value: str) -> InlineKeyboardButton:
        data = cb.Callback(cb.GROUP_SETTINGS, owner, None, key, value).encode()
        return InlineKeyboardButton(label, callback_data=data)

    rows = [
        [button(("✓ " if row.lang == code else "") + name, "lang", code)
         for code, name in LANGUAGE_NAMES.items()],
        [button(t("btn_toggle_results", lang, state=state(settings.results_in_group)),
                "results", "off" if settings.results_in_group else "on")],
        [button(t("btn_toggle_quiet", lang, state=state(settings.quiet)),
                "quiet", "off" if settings.quiet else "on")],
    ]  # fmt: skip
    return Screen(text, InlineKeyboardMarkup(rows))


@logged("settings")
async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    svc = services(context)
    async with svc.store.transaction() as tx:
        lang = await user_lang(tx, update)
        row = await tx.load_chat(chat.id) or StoredChat(chat.id, chat.type, chat.title)
    if is_private(update) or chat.type == ChatType.CHANNEL:
        text = t("settings_groups_only", lang, bot=svc.bot_username)
        await send_screen(update, context, Screen(text))
        return
    if not posted_as_the_group(update) and not await is_chat_admin(context, chat.id, user.id):
        await send_screen(update, context, Screen(t("settings_admins_only", lang)))
        return
    await send_screen(update, context, _settings_screen(row, lang, user.id))


@logged("settings_button")
async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    user = update.effective_user
    assert query is not None and chat is not None and user is not None
    data = cb.decode(query.data)
    svc = services(context)
    lang = await current_lang(update, context)
    if data is None or is_private(update) or not await is_chat_admin(context, chat.id, user.id):
        await query.answer(t("settings_admins_only", lang), show_alert=True)
        return
    async with svc.store.transaction() as tx:
        row = await tx.load_chat(chat.id) or StoredChat(chat.id, chat.type, chat.title)
        settings = settings_of(row)
        if data.arg1 == "lang" and data.arg2 in LANGS:
            row.lang = data.arg2
        elif data.arg1 == "results":
            settings.results_in_group = data.arg2 == "on"
        elif data.arg1 == "quiet":
            settings.quiet = data.arg2 == "on"
        row.settings = settings.model_dump_json()
        await tx.save_chat(row)
    await query.answer(t("settings_saved", lang))
    await edit_screen(update, context, _settings_screen(row, lang, user.id))
