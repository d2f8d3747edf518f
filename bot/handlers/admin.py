"""Bot-admin commands: /broadcast, /broadcasts, /admin, /stats, /export, and the broadcast
buttons. Anyone who is not a bot admin gets exactly the reply to an unknown command.

Every admin action is written to the audit log (who, what, when, result) in the same
transaction as its effect.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta

from telegram import InaccessibleMessage, InputFile, Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.broadcast import BROADCAST_KEY
from bot.broadcast.admins import is_admin, is_owner
from bot.broadcast.views import (
    HONG_KONG,
    job_screen,
    jobs_screen,
    preview_header,
    preview_screen,
    stats_text,
    valid_audience,
)
from bot.handlers import fallback
from bot.handlers.common import edit_screen, send_screen, user_lang
from bot.logs import logged
from bot.outbox import send_html
from bot.screens import Screen
from bot.services import services
from bot.store.broadcasts import (
    CANCELLED,
    DONE,
    DRAFT,
    PAUSED,
    PENDING,
    RUNNING,
    SCHEDULED,
)
from bot.texts import t

CONTROL_WORDS = {"status", "pause", "resume", "cancel"}
COMMAND_PREFIX = re.compile(r"^/broadcast(@\w+)?\s*", re.IGNORECASE)
ACTIVE_DAYS = 7


def _sender(context: ContextTypes.DEFAULT_TYPE):
    return context.application.bot_data.get(BROADCAST_KEY)


def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = _sender(context)
    if sender is not None:
        sender.wake()


async def _admin_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The admin's language, or None (after the unknown-command reply) for anyone else."""
    user = update.effective_user
    svc = services(context)
    async with svc.store.transaction() as tx:
        admin = user is not None and await is_admin(tx, svc.settings, user.id)
        lang = await user_lang(tx, update)
    if not admin:
        await fallback.unknown_command(update, context)
        return None
    return lang


async def _audit(context, admin_id: int, action: str, detail: str, result: str) -> None:
    async with services(context).store.transaction() as tx:
        await tx.audit(admin_id, action, detail, result)


# --- /broadcast
@logged("broadcast")
async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    assert message is not None and user is not None and chat is not None
    args = list(context.args or [])
    if (
        args
        and args[0].lower() in CONTROL_WORDS
        and (len(args) == 1 or (len(args) == 2 and args[1].lstrip("#").isdigit()))
    ):
        job_id = int(args[1].lstrip("#")) if len(args) == 2 else None
        await _control_command(update, context, lang, args[0].lower(), job_id)
        return
    svc = services(context)
    reply = message.reply_to_message
    if reply is not None and not args:
        kind, text, from_chat, message_id = "copy", None, chat.id, reply.message_id
    else:
        text = COMMAND_PREFIX.sub("", message.text_html or "", count=1).strip()
        kind, from_chat, message_id = "text", None, None
        if not text:
            await send_screen(update, context, Screen(t("bc_usage", lang)))
            return
    async with svc.store.transaction() as tx:
        job_id = await tx.create_broadcast(user.id, chat.id, kind=kind, text=text,
                                     from_chat_id=from_chat, message_id=message_id)  # fmt: skip
        job = await tx.load_broadcast(job_id)
        count = await tx.audience_count(job.audience)
        await tx.audit(user.id, "broadcast_prepare", f"#{job_id} {kind}", "ok")
    assert job is not None
    screen = preview_screen(job, count, lang)
    if kind == "copy":
        await context.bot.do_api_request(
            "copyMessage",
            api_kwargs={"chat_id": chat.id, "from_chat_id": chat.id, "message_id": message_id},
        )
    elif t("bc_preview_above", lang) in screen.text:
        await send_html(context.bot, chat.id, text)
    await send_screen(update, context, screen)


async def _control_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str, word: str, job_id: int | None
) -> None:
    user = update.effective_user
    assert user is not None
    svc = services(context)
    async with svc.store.transaction() as tx:
        if job_id is None:
            active = await tx.broadcasts(statuses=(RUNNING, PAUSED, SCHEDULED), limit=1)
            recent = active or await tx.broadcasts(limit=1)
            job = recent[0] if recent else None
        else:
            job = await tx.load_broadcast(job_id)
            if job is not None and job.status == DRAFT:
                job = None
        result = None
        if job is not None and word != "status":
            result = await _apply_control(tx, job, word)
            await tx.audit(user.id, f"broadcast_{word}", f"#{job.id}", result)
            job = await tx.load_broadcast(job.id)
        counts = await tx.recipient_counts(job.id) if job is not None else {}
    if job is None:
        await send_screen(update, context, Screen(t("bc_no_job", lang)))
        return
    _wake(context)
    if result is not None:
        await send_screen(update, context, Screen(t(f"bc_control_{result}", lang, id=job.id)))
    await send_screen(update, context, job_screen(job, counts, lang))


async def _apply_control(tx, job, word: str) -> str:
    """Change a job's status; returns ok, or why not (for the reply and the audit log)."""
    if word == "pause":
        if job.status not in (RUNNING, SCHEDULED):
            return "not_running"
        await tx.update_broadcast(job.id, status=PAUSED)
        return "paused"
    if word == "resume":
        if job.status != PAUSED:
            return "not_paused"
        later = job.started_at is None and (job.scheduled_at or 0) > time.time()
        await tx.update_broadcast(job.id, status=SCHEDULED if later else RUNNING)
        return "resumed"
    if word == "cancel":
        if job.status not in (RUNNING, SCHEDULED, PAUSED):
            return "not_active"
        await tx.update_broadcast(job.id, status=CANCELLED)
        return "cancelled"
    if word == "resend":
        n = await tx.resend_uncertain(job.id)
        if not n:
            return "nothing_uncertain"
        await tx.update_broadcast(job.id, status=RUNNING, finished_at=None)
        return "resending"
    return "unknown"


# --- /broadcasts
@logged("broadcasts")
async def broadcasts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    screen = await _jobs_screen(context, lang)
    await send_screen(update, context, screen)


async def _jobs_screen(context, lang: str) -> Screen:
    async with services(context).store.transaction() as tx:
        jobs = [(job, await tx.recipient_counts(job.id)) for job in await tx.broadcasts(limit=10)]
    return jobs_screen(jobs, lang)


# --- the buttons
@logged("broadcast_button")
async def broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = cb.decode(query.data)
    svc = services(context)
    async with svc.store.transaction() as tx:
        admin = await is_admin(tx, svc.settings, user.id)
        lang = await user_lang(tx, update)
        job = await tx.load_broadcast(data.revision) if data and data.revision is not None else None
    if not admin or job is None or data is None:
        await query.answer(t("button_expired_alert", lang))
        return
    action = data.arg1
    if job.status == DRAFT or action in ("aud", "menu", "when", "ok", "no"):
        await _draft_button(update, context, lang, job, action, data.arg2)
        return
    async with svc.store.transaction() as tx:
        result = await _apply_control(tx, job, action)
        await tx.audit(user.id, f"broadcast_{action}", f"#{job.id}", result)
        fresh = await tx.load_broadcast(job.id)
        counts = await tx.recipient_counts(job.id)
    _wake(context)
    await query.answer(t(f"bc_control_{result}", lang, id=job.id))
    message = query.message
    if fresh is not None and message is not None and not isinstance(message, InaccessibleMessage):
        if message.message_id == fresh.progress_message_id:
            await edit_screen(update, context, job_screen(fresh, counts, lang))
        else:
            await edit_screen(update, context, await _jobs_screen(context, lang))


async def _draft_button(update, context, lang: str, job, action: str, arg: str) -> None:
    query = update.callback_query
    user = update.effective_user
    svc = services(context)
    if job.status != DRAFT:
        await query.answer(t("bc_already", lang, status=t(f"bc_status_{job.status}", lang)))
        return
    menu = ""
    fields: dict[str, object] = {}
    if action == "aud" and valid_audience(arg):
        fields["audience"] = arg
    elif action == "menu":
        menu = arg
    elif action == "when":
        fields["scheduled_at"] = _scheduled_at(arg)
    elif action == "no":
        fields["status"] = CANCELLED
    elif action == "ok":
        fields["status"] = SCHEDULED if job.scheduled_at else RUNNING
    async with svc.store.transaction() as tx:
        fresh = await tx.load_broadcast(job.id)
        if fresh is None or fresh.status != DRAFT:  # pressed twice
            fields = {}
        if fields:
            await tx.update_broadcast(job.id, **fields)
            if action in ("aud", "ok", "no"):
                await tx.audit(user.id, {"aud": "broadcast_audience", "ok": "broadcast_confirm",
                                   "no": "broadcast_discard"}[action],
                         f"#{job.id} {fields.get('audience', '')}".strip(), "ok")  # fmt: skip
        job = await tx.load_broadcast(job.id)
        count = await tx.audience_count(job.audience)
    await query.answer()
    if action == "no" and fields:
        await edit_screen(update, context, Screen(t("bc_discarded", lang, id=job.id)))
        return
    if action == "ok" and fields:
        header = preview_header(job, count, lang)
        await edit_screen(update, context, Screen(f"{header}\n\n{t('bc_confirmed', lang)}"))
        screen = job_screen(job, {PENDING: count}, lang)
        chat = update.effective_chat
        sent = await _send_with_retry(context, chat.id, screen)
        async with svc.store.transaction() as tx:
            await tx.update_broadcast(job.id, progress_message_id=sent["message_id"])
        _wake(context)
        return
    await edit_screen(update, context, preview_screen(job, count, lang, menu))


async def _send_with_retry(context, chat_id: int, screen: Screen) -> dict:
    """A message whose id we keep (the progress message); the outbound limiter (bot/pacing.py)
    waits out a 429 and retries."""
    return await send_html(context.bot, chat_id, screen.text, screen.keyboard)


def _scheduled_at(arg: str) -> float | None:
    if arg == "t9":  # tomorrow 09:00 Hong Kong time
        today = datetime.now(HONG_KONG)
        when = (today + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        return when.timestamp()
    try:
        hours = int(arg)
    except ValueError:
        return None
    return time.time() + hours * 3600 if hours > 0 else None


# --- /admin
@logged("admin")
async def admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    user = update.effective_user
    assert user is not None
    svc = services(context)
    args = list(context.args or [])
    word = args[0].lower() if args else "list"
    target = int(args[1]) if len(args) == 2 and args[1].lstrip("-").isdigit() else None
    owner = is_owner(svc.settings, user.id)
    async with svc.store.transaction() as tx:
        if word in ("add", "remove") and target is None:
            result, text = "usage", t("admin_usage", lang)
        elif word in ("add", "remove") and not owner:
            result, text = "denied", t("admin_owners_only", lang)
        elif word == "add":
            added = not is_owner(svc.settings, target) and await tx.add_admin(target, user.id)
            result = "added" if added else "already"
            text = t(f"admin_{result}", lang, id=target)
        elif word == "remove":
            result = "removed" if await tx.remove_admin(target) else "not_admin"
            text = t(f"admin_{result}", lang, id=target)
        elif word == "list":
            result = "ok"
            owners = ", ".join(str(i) for i in sorted(svc.settings.bot_admin_ids)) or "—"
            added_ids = ", ".join(map(str, await tx.admin_ids())) or "—"
            text = t("admin_list", lang, owners=owners, admins=added_ids)
        else:
            result, text = "usage", t("admin_usage", lang)
        await tx.audit(user.id, f"admin_{word}"[:40], str(target or ""), result)
    await send_screen(update, context, Screen(text))


# --- /stats and /export
@logged("stats")
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    user = update.effective_user
    assert user is not None
    async with services(context).store.transaction() as tx:
        data = await tx.statistics(time.time() - ACTIVE_DAYS * 86400)
        await tx.audit(user.id, "stats", "", "ok")
    await send_screen(update, context, Screen(stats_text(data, lang)))


def statistics_csv(data) -> bytes:
    """The statistics as CSV (section, key, value): counts only, never anyone's answers."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "key", "value"])
    w.writerow(["users", "total", data.users])
    w.writerow(["users", f"active_{ACTIVE_DAYS}d", data.active_users])
    w.writerow(["users", "finished_questionnaires", data.finished])
    for k, v in data.matches.items():
        w.writerow(["matches", k, v])
    for k, v in data.languages.items():
        w.writerow(["languages", k, v])
    w.writerow(["subscribers", "total", data.subscribers])
    for k, v in data.subscriptions.items():
        w.writerow(["subscriptions", "all" if k == "*" else k, v])
    for job, counts in data.broadcasts:
        for state, n in sorted(counts.items()):
            w.writerow([f"broadcast_{job.id}", state, n])
        w.writerow([f"broadcast_{job.id}", "status", job.status])
    return out.getvalue().encode("utf-8")


@logged("export")
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await _admin_lang(update, context)
    if lang is None:
        return
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    async with services(context).store.transaction() as tx:
        data = await tx.statistics(time.time() - ACTIVE_DAYS * 86400)
        await tx.audit(user.id, "export", "", "ok")
    name = f"statistics-{datetime.now(HONG_KONG):%Y%m%d-%H%M}.csv"
    await context.bot.send_document(
        chat.id, InputFile(statistics_csv(data), filename=name), caption=t("export_caption", lang)
    )


__all__ = ["DONE", "admin", "broadcast", "broadcast_button", "broadcasts", "export", "stats"]
