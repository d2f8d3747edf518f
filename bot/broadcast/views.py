"""The admin's broadcast screens: preview with audience buttons, live progress, job list."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks as cb
from bot.screens import LANGUAGE_NAMES, Screen
from bot.store.broadcasts import (
    BLOCKED,
    CANCELLED,
    DONE,
    DRAFT,
    FAILED,
    PAUSED,
    PENDING,
    RUNNING,
    SCHEDULED,
    SENDING,
    SENT,
    SKIPPED,
    UNCERTAIN,
    BroadcastJob,
)
from bot.texts import t, t_raw
from rules.catalogue_models import SCHEME_IDS

if TYPE_CHECKING:
    from bot.broadcast.sender import JobRun

HONG_KONG = timezone(timedelta(hours=8))
BAR_WIDTH = 20
# Text + header must fit one message (4096 characters); longer texts get a separate preview.
MESSAGE_LIMIT = 4096


def button(label: str, job_id: int, arg1: str, arg2: str = "") -> InlineKeyboardButton:
    data = cb.Callback(cb.BROADCAST, None, job_id, arg1, arg2).encode()
    return InlineKeyboardButton(label, callback_data=data)


def audience_label(audience: str, lang: str) -> str:
    kind, _, value = audience.partition(":")
    if kind == "lang":
        return t("bc_aud_lang", lang, language=LANGUAGE_NAMES.get(value, value))
    if kind == "scheme":
        return t("bc_aud_scheme", lang, scheme=value)
    if kind == "match":
        return t("bc_aud_match", lang, scheme=value)
    return t(f"bc_aud_{kind}", lang)


def valid_audience(audience: str) -> bool:
    kind, _, value = audience.partition(":")
    if kind in ("all", "groups", "channels"):
        return not value
    if kind == "lang":
        return value in LANGUAGE_NAMES
    return kind in ("scheme", "match") and value in SCHEME_IDS


def hk_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, HONG_KONG).strftime("%Y-%m-%d %H:%M")


def preview_header(job: BroadcastJob, count: int, lang: str) -> str:
    lines = [
        t("bc_preview_title", lang, id=job.id),
        t("bc_preview_audience", lang, audience=audience_label(job.audience, lang), count=count),
    ]
    if job.scheduled_at:
        lines.append(t("bc_preview_when", lang, when=hk_time(job.scheduled_at)))
    return "\n".join(lines)


def preview_screen(job: BroadcastJob, count: int, lang: str, menu: str = "") -> Screen:
    """The first screen: header, the text as subscribers will see it, and the buttons."""
    header = preview_header(job, count, lang)
    if job.kind == "text" and job.text and len(header) + len(job.text) + 2 <= MESSAGE_LIMIT:
        text = f"{header}\n\n{job.text}"
    else:
        text = f"{header}\n\n{t('bc_preview_above', lang)}"
    return Screen(text, preview_keyboard(job, count, lang, menu))


def preview_keyboard(job: BroadcastJob, count: int, lang: str, menu: str) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if menu in ("scheme", "match"):
        buttons = [button(s, job.id, "aud", f"{menu}:{s}") for s in SCHEME_IDS]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rows.append([button(t("bc_btn_back", lang), job.id, "menu")])
        return InlineKeyboardMarkup(rows)
    if menu == "lang":
        rows.append([button(name, job.id, "aud", f"lang:{code}")
                     for code, name in LANGUAGE_NAMES.items()])  # fmt: skip
        rows.append([button(t("bc_btn_back", lang), job.id, "menu")])
        return InlineKeyboardMarkup(rows)
    if menu == "when":
        rows.append([button(t("bc_btn_in_hours", lang, hours=h), job.id, "when", str(h))
                     for h in (1, 3, 12)])  # fmt: skip
        rows.append([button(t("bc_btn_tomorrow", lang), job.id, "when", "t9"),
                     button(t("bc_btn_now", lang), job.id, "when", "0")])  # fmt: skip
        rows.append([button(t("bc_btn_back", lang), job.id, "menu")])
        return InlineKeyboardMarkup(rows)

    def mark(audience: str, label: str) -> str:
        return f"✓ {label}" if job.audience == audience else label

    kind = job.audience.partition(":")[0]
    confirm = "bc_btn_schedule" if job.scheduled_at else "bc_btn_confirm"
    rows.append([button(t(confirm, lang, count=count), job.id, "ok"),
                 button(t("bc_btn_cancel", lang), job.id, "no")])  # fmt: skip
    rows.append([button(mark("all", t("bc_aud_all", lang)), job.id, "aud", "all"),
                 button(("✓ " if kind == "lang" else "") + t("bc_btn_lang", lang), job.id,
                        "menu", "lang")])  # fmt: skip
    rows.append([button(("✓ " if kind == "scheme" else "") + t("bc_btn_scheme", lang), job.id,
                        "menu", "scheme"),
                 button(("✓ " if kind == "match" else "") + t("bc_btn_match", lang), job.id,
                        "menu", "match")])  # fmt: skip
    rows.append([button(mark("groups", t("bc_aud_groups", lang)), job.id, "aud", "groups"),
                 button(mark("channels", t("bc_aud_channels", lang)), job.id, "aud",
                        "channels")])  # fmt: skip
    rows.append([button(t("bc_btn_when", lang), job.id, "menu", "when")])
    return InlineKeyboardMarkup(rows)


def bar(done: int, total: int) -> str:
    filled = BAR_WIDTH if total <= 0 else round(BAR_WIDTH * done / total)
    percent = 100 if total <= 0 else int(100 * done / total)
    return f"{'▓' * filled}{'░' * (BAR_WIDTH - filled)} {percent}%"


def duration(secs: float, lang: str) -> str:
    secs = round(secs)
    if secs < 60:
        return t("bc_secs", lang, n=secs)
    if secs < 3600:
        return t("bc_mins", lang, m=secs // 60, s=secs % 60)
    return t("bc_hours", lang, h=secs // 3600, m=(secs % 3600) // 60)


def status_label(status: str, lang: str) -> str:
    return t(f"bc_status_{status}", lang)


def controls(job_id: int, status: str, uncertain: int, lang: str) -> list[InlineKeyboardButton]:
    out = []
    if status in (RUNNING, SCHEDULED):
        out.append(button(t("bc_btn_pause", lang), job_id, "pause"))
    if status == PAUSED:
        out.append(button(t("bc_btn_resume", lang), job_id, "resume"))
    if status in (RUNNING, SCHEDULED, PAUSED):
        out.append(button(t("bc_btn_stop", lang), job_id, "cancel"))
    if uncertain and status in (DONE, CANCELLED, PAUSED):
        out.append(button(t("bc_btn_resend", lang, n=uncertain), job_id, "resend"))
    return out


def progress_text(
    job: BroadcastJob, counts: dict[str, int], status: str, lang: str, *,
    rate: float = 0.0, final: bool = False,
) -> str:  # fmt: skip
    sent, failed = counts.get(SENT, 0), counts.get(FAILED, 0)
    blocked, uncertain = counts.get(BLOCKED, 0), counts.get(UNCERTAIN, 0)
    skipped = counts.get(SKIPPED, 0)
    remaining = counts.get(PENDING, 0) + counts.get(SENDING, 0)
    total = sum(counts.values()) or job.total
    done = total - remaining
    title = "bc_report_title" if final and status in (DONE, CANCELLED) else "bc_progress_title"
    lines = [
        t(title, lang, id=job.id, status=status_label(status, lang)),
        t("bc_progress_audience", lang, audience=audience_label(job.audience, lang), total=total),
        f"<code>{bar(done, total)}</code>",
        t("bc_progress_counts", lang, sent=sent, failed=failed, blocked=blocked,
          remaining=remaining),
    ]  # fmt: skip
    if uncertain or skipped:
        lines.append(t("bc_progress_more", lang, uncertain=uncertain, skipped=skipped))
    if status == RUNNING and not final:
        eta = duration(remaining / rate, lang) if rate > 0 else "…"
        lines.append(t("bc_progress_rate", lang, rate=f"{rate:.1f}", eta=eta))
    if status == SCHEDULED and job.scheduled_at:
        lines.append(t("bc_preview_when", lang, when=hk_time(job.scheduled_at)))
    if final and job.started_at and job.finished_at:
        lines.append(t("bc_report_took", lang,
                       took=duration(job.finished_at - job.started_at, lang)))  # fmt: skip
    if final and uncertain:
        lines.append(t("bc_report_uncertain", lang, n=uncertain))
    return "\n".join(lines)


def progress_screen(run: JobRun, status: str, lang: str, *, final: bool = False) -> Screen:
    counts = {k: v for k, v in run.counts.items() if v}
    text = progress_text(run.job, counts, status, lang, rate=run.rate(), final=final)
    buttons = controls(run.job.id, status, counts.get(UNCERTAIN, 0), lang)
    return Screen(text, InlineKeyboardMarkup([buttons]) if buttons else None)


def job_screen(job: BroadcastJob, counts: dict[str, int], lang: str) -> Screen:
    final = job.status in (DONE, CANCELLED)
    text = progress_text(job, counts, job.status, lang, final=final)
    buttons = controls(job.id, job.status, counts.get(UNCERTAIN, 0), lang)
    return Screen(text, InlineKeyboardMarkup([buttons]) if buttons else None)


def jobs_screen(jobs: list[tuple[BroadcastJob, dict[str, int]]], lang: str) -> Screen:
    if not jobs:
        return Screen(t("bc_list_empty", lang))
    lines = [t("bc_list_title", lang)]
    rows = []
    for job, counts in jobs:
        total = sum(counts.values()) or job.total
        lines.append(t("bc_list_row", lang, id=job.id, status=status_label(job.status, lang),
                       sent=counts.get(SENT, 0), total=total,
                       audience=audience_label(job.audience, lang),
                       when=hk_time(job.created_at)))  # fmt: skip
        buttons = controls(job.id, job.status, counts.get(UNCERTAIN, 0), lang)
        if buttons:
            for b in buttons:
                b_text = f"#{job.id} {b.text}"
                rows.append(InlineKeyboardButton(b_text, callback_data=b.callback_data))
    keyboard = [rows[i : i + 2] for i in range(0, len(rows), 2)]
    return Screen("\n".join(lines), InlineKeyboardMarkup(keyboard) if keyboard else None)


def stats_text(stats, lang: str) -> str:
    def pairs(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in d.items()) or "—"

    lines = [
        t("stats_title", lang),
        t("stats_users", lang, users=stats.users, active=stats.active_users,
          finished=stats.finished),
        t("stats_matches", lang, matches=pairs(stats.matches)),
        t("stats_languages", lang, languages=pairs(stats.languages)),
        t("stats_subscribers", lang, n=stats.subscribers,
          schemes=pairs({("all" if k == "*" else k): v for k, v in stats.subscriptions.items()})),
    ]  # fmt: skip
    if stats.broadcasts:
        lines.append(t("stats_broadcasts", lang))
        for job, counts in stats.broadcasts:
            lines.append(t_raw("stats_broadcast_row", lang, id=job.id,
                               status=status_label(job.status, lang),
                               sent=counts.get(SENT, 0), total=sum(counts.values()),
                               when=hk_time(job.created_at)))  # fmt: skip
    return "\n".join(lines)


def now() -> float:
    return time.time()


__all__ = ["DRAFT", "job_screen", "jobs_screen", "preview_screen", "progress_screen"]
