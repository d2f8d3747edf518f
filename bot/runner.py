"""Start and stop the Telegram bot in polling or webhook mode.

Both modes share one async main so startup errors, signals and the clean shutdown are handled
the same way: on SIGTERM or SIGINT the bot stops taking updates, finishes the ones in hand
(each commits its answers before replying; in webhook mode an update still unfinished after
a while stays in the store's inbox for the next start) and closes the store. In webhook mode
the server listens before the webhook is set, and start-up calls wait out Telegram's flood
limit (429 `retry_after`) instead of ending the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application
from bot.logs import configure_logging
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cluster import UpdateInbox

log = logging.getLogger(__name__)

RECOVER_AFTER_SECONDS = 60.0


def run(settings: Settings) -> int:
    configure_logging(settings.log_level, settings.token)
    try:
        asyncio.run(serve(settings))
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN; check the token.", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(
            f"error: cannot reach the Bot API at {settings.telegram_api_base_url} ({exc}); "
            "check TELEGRAM_API_BASE_URL and the network.",
            file=sys.stderr,
        )
        return 1
    except TelegramError as exc:
        print(f"error: the Bot API refused to start the bot: {exc}", file=sys.stderr)
        return 1
    return 0


async def serve(
    settings: Settings, stop: asyncio.Event | None = None, *, handle_signals: bool = True
) -> None:
    """Run until `stop` is set (or, with `handle_signals`, SIGTERM or SIGINT arrives)."""
    stop = stop or asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

    application = build_application(settings)
    await application.initialize()
    try:
        await application.start()
        if settings.bot_mode == "webhook":
            await _serve_webhook(application, settings, stop)
        else:
            assert application.updater is not None
            await application.bot.delete_webhook()  # a 429 is waited out by the limiter
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.info("polling", extra={"fields": {"bot": application.bot.username}})
            await stop.wait()
            await application.updater.stop()
        await application.stop()
    finally:
        await application.shutdown()


async def _serve_webhook(application: Application, settings: Settings, stop: asyncio.Event) -> None:
    import uvicorn

    from bot.webhook import build_webhook_app, update_inbox, webhook_path

    if not settings.webhook_url or not settings.webhook_secret:
        raise SystemExit("error: BOT_MODE=webhook needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    app = build_webhook_app(application, webhook_path(settings.webhook_url), secret)
    config = uvicorn.Config(
        app,
        host=settings.webhook_listen,
        port=settings.webhook_port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    # uvicorn would take SIGTERM itself and re-raise it once it stops, cutting our shutdown short.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    # Listen first, then tell Telegram: an update sent before would fail and wait for a resend.
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():
        await task  # it could not listen: its error ends the start
        port = settings.webhook_port
        raise SystemExit(f"error: the webhook server could not listen on port {port}")
    # A 429 (instances starting together) is waited out and retried by the outbound limiter.
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
    where = {"listen": settings.webhook_listen, "port": settings.webhook_port}
    log.info("webhook", extra={"fields": where})
    inbox = update_inbox(application)
    sweeper = asyncio.create_task(_recover_loop(inbox)) if inbox is not None else None
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    stopper.cancel()
    if sweeper is not None:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper


async def _recover_loop(inbox: UpdateInbox) -> None:
    """Updates acknowledged by a process killed before it handled them: everything pending at
    start (SQLite has one process), then every minute what has waited over a minute with its
    user's drain lock free (an instance that died, with several on PostgreSQL)."""
    older_than = 0.0
    while True:
        try:
            await inbox.recover(older_than)
        except Exception:
            log.exception("update inbox: recovery failed")
        older_than = RECOVER_AFTER_SECONDS
        await asyncio.sleep(RECOVER_AFTER_SECONDS)
