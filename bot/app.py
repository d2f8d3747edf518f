"""Build the python-telegram-bot Application: handlers, store, menu and background upkeep."""

from __future__ import annotations

import asyncio
import gc
import logging

from telegram import (
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks as cb
from bot.broadcast import setup as broadcast_setup
from bot.cluster import INBOX_KEY
from bot.commands import GROUP_ADMIN_COMMANDS, GROUP_COMMANDS, PUBLIC_COMMANDS, commands_for
from bot.dispatch import route_by_kind
from bot.followup import setup as followup_setup
from bot.handlers import account, channels, fallback, groups, info, questionnaire, result, schemes
from bot.handlers.compare import compare as compare_command
from bot.handlers.compare import compare_button_pressed
from bot.handlers.myanswers import answers_file, myanswers, resume
from bot.ordering import PerUserUpdateProcessor
from bot.pacing import OutboundLimiter
from bot.reminders import setup as reminders_setup
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from bot.store import open_store
from bot.tasks import stop_tasks
from dialogs import QuestionFlow
from rules.catalogue_models import use_catalogue_dir

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 6 * 3600
SHUTDOWN_TASK_SECONDS = 15.0  # how long background tasks may take to stop (bot/tasks.py)


def register_handlers(application: Application) -> None:
    add = application.add_handler
    # Group messages posted as a chat (anonymous admins, channel identities) first: they must
    # never reach a handler that keeps a session for their shared sender id.
    as_a_chat = filters.ChatType.GROUPS & filters.SenderChat.ALL & ~filters.IS_AUTOMATIC_FORWARD
    add(MessageHandler(as_a_chat & filters.TEXT, groups.sent_as_a_chat), group=-1)
    # An edit changes the typed answer it gave (questionnaire.answer_typed); an edited command
    # or anything else runs nothing again.
    edited = filters.UpdateType.EDITED_MESSAGE
    add(MessageHandler(edited & (filters.COMMAND | ~filters.TEXT), fallback.edited_other),
        group=-1)  # fmt: skip
    add(CommandHandler(["start", "check"], questionnaire.start))
    add(CommandHandler("back", questionnaire.back))
    add(CommandHandler("restart", questionnaire.restart))
    add(CommandHandler("summary", questionnaire.summary))
    add(CommandHandler("result", questionnaire.result))
    add(CommandHandler("help", info.help_command))
    add(CommandHandler("about", info.about))
    add(CommandHandler("privacy", info.privacy))
    add(CommandHandler("schemes", schemes.schemes))
    add(CommandHandler("compare", compare_command))
    add(CommandHandler("myanswers", myanswers))
    add(CommandHandler("resume", resume))
    add(CommandHandler("settings", groups.settings_command))
    add(CommandHandler("channel", channels.channel))
    add(CommandHandler("post", channels.post))
    add(CommandHandler("language", account.language))
    add(CommandHandler("forget", account.forget))
    add(CallbackQueryHandler(account.language_button, pattern=cb.pattern(cb.LANGUAGE)))
    add(CallbackQueryHandler(account.forget_button, pattern=cb.pattern(cb.FORGET)))
    add(CallbackQueryHandler(schemes.scheme_button, pattern=cb.pattern(cb.SCHEME)))
    add(CallbackQueryHandler(compare_button_pressed, pattern=cb.pattern(cb.COMPARE)))
    add(CallbackQueryHandler(groups.settings_button, pattern=cb.pattern(cb.GROUP_SETTINGS)))
    add(CallbackQueryHandler(result.result_button, pattern=cb.pattern(cb.RESULT)))
    add(ChatMemberHandler(groups.track_chat, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.StatusUpdate.MIGRATE, groups.chat_migrated))
    broadcast_setup.register(application)  # subscriptions and admin broadcasts
    followup_setup.register(application)  # tell me if my result changes (issue 14)
    reminders_setup.register(application)  # /reminders and the "Remind me" button
    # Every other button, including forged or unparsable data, goes to the questionnaire,
    # which answers stale or unknown buttons with "this button has expired".
    add(CallbackQueryHandler(questionnaire.answer_button))
    private = filters.ChatType.PRIVATE
    add(MessageHandler(private & filters.COMMAND, fallback.unknown_command))
    add(MessageHandler(private & filters.TEXT, questionnaire.answer_text))
    add(MessageHandler(private & filters.Document.ALL, answers_file))  # an answers file back
    add(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       fallback.unsupported_message))  # fmt: skip
    add(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND,
                       groups.group_text))  # fmt: skip
    # Channel posts (and anything else) reach no handler: ignored safely.
    application.add_error_handler(fallback.on_error)


class BotApplication(Application):
    """The Application that also opens our store and sets the menu in `initialize()`.

    python-telegram-bot's `post_init` runs only under `run_polling`/`run_webhook`; doing this in
    `initialize()` makes every way of running the bot (our runner, tests, benchmarks) the same.
    """

    async def initialize(self) -> None:
        svc: Services = self.bot_data[SERVICES_KEY]
        await svc.store.open()
        try:
            await super().initialize()
            svc.bot_username = self.bot.username or ""
            await _set_menus(self)
        except BaseException:
            await svc.store.close()
            raise
        _freeze_start_up_heap()
        svc.background.add(asyncio.create_task(_purge_loop(svc)))
        sender = broadcast_setup.start(self)
        followup_setup.start(self, sender)  # re-evaluations run by the sender's process
        reminders_setup.start(self)  # after the broadcast sender: it follows its lease

    async def stop(self) -> None:
        # Webhook updates acknowledged and being handled in the background finish first.
        inbox = self.bot_data.get(INBOX_KEY)
        if inbox is not None:
            await inbox.close()
        await super().stop()

    async def shutdown(self) -> None:
        svc: Services = self.bot_data[SERVICES_KEY]
        await stop_tasks(list(svc.background), SHUTDOWN_TASK_SECONDS, "shutdown")
        svc.background.clear()
        try:
            await super().shutdown()
        finally:
            await svc.store.close()


_heap_frozen = False


def _freeze_start_up_heap() -> None:
    """Once per process, when the first application has started: collect, then `gc.freeze()`
    what is alive (modules, the rules and questions, the catalogue: some 100,000 objects that
    live as long as the process). Full collections then skip them: without this, each one
    (the first comes during the first minute or so of updates) walked all of it, a 60-90 ms
    stall in the middle of someone's update."""
    global _heap_frozen
    if _heap_frozen:
        return
    _heap_frozen = True
    gc.collect()
    gc.freeze()


def build_application(settings: Settings, **builder_overrides: object) -> BotApplication:
    """The Application for `settings`. `builder_overrides` name ApplicationBuilder methods to
    call (e.g. `request=...` for the benchmarks' in-process transport)."""
    assert settings.token, "a token is needed to build the Telegram application"
    use_catalogue_dir(settings.bot_catalogue_dir)  # None: the shipped catalogue
    builder = (
        Application.builder()
        .application_class(BotApplication)
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(PerUserUpdateProcessor(settings.max_concurrent_updates))
    )
    builder = builder.rate_limiter(outbound_limiter(settings))
    for name, value in builder_overrides.items():
        builder = getattr(builder, name)(value)
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        store=open_store(settings.database_url),
        flow=QuestionFlow.default().evaluating_on(settings.bot_today),
    )
    register_handlers(application)
    route_by_kind(application)  # the same handlers in the same order, fewer asked (bot/dispatch.py)
    return application  # type: ignore[return-value]


def outbound_limiter(settings: Settings) -> OutboundLimiter:
    """The one limiter every request passes (bot/pacing.py): replies, broadcasts, menus."""
    return OutboundLimiter(
        settings.broadcast_rate_per_second,
        reserve=settings.broadcast_reply_reserve,
        group_per_minute=settings.group_messages_per_minute,
        group_window=settings.group_rate_window_seconds,
        per_chat_per_second=settings.broadcast_per_chat_per_second,
    )


async def _set_menus(application: Application) -> None:
    """Set the command menus, skipping those Telegram already has as they should be (six calls
    per start otherwise, against a small flood limit). A 429 here is waited out and retried by the
    outbound limiter (bot/pacing.py), so instances starting together do not crash-loop."""
    bot = application.bot
    menus = (
        (BotCommandScopeDefault(), PUBLIC_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS),
    )
    for scope, names in menus:
        # Telegram keys menus by two-letter code only: "zh" gets Traditional, the script of
        # Hong Kong's government; /language sets an exact per-chat menu for the other script.
        for lang, code in (("en", None), ("zh-hant", "zh")):
            wanted = commands_for(lang, names)
            current = await bot.get_my_commands(scope=scope, language_code=code)
            if [(c.command, c.description) for c in current] == [
                (c.command, c.description) for c in wanted
            ]:
                continue
            await bot.set_my_commands(wanted, scope=scope, language_code=code)


async def _purge_loop(svc: Services) -> None:
    """Delete unfinished sessions idle longer than the retention period, now and then."""
    while True:
        try:
            removed = await svc.store.purge_sessions(svc.settings.session_retention_days * 86400)
            if removed:
                log.info("purged sessions", extra={"fields": {"removed": removed}})
            async with svc.store.transaction() as tx:  # resume codes past their last day
                await tx.delete_expired_resume_codes(svc.settings.today().isoformat())
        except Exception:
            log.exception("session purge failed")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
