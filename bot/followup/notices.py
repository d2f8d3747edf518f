"""The texts of a re-evaluation: a person's notice and the admins' preview (HTML, no I/O)."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks as cb
from bot.screens import Screen
from bot.store.followups import CATALOGUE_RUN
from bot.texts import t
from rules.diff import Change

MAX_REASONS = 3  # per changed result: the notice stays short (Telegram's 4096 characters)
MESSAGE_LIMIT = 4000


def status_words(status: str, lang: str) -> str:
    return t(f"fu_status_{status}", lang)


def notice_text(
    changes: list[Change],
    lang: str,
    *,
    kind: str,
    version: str,
    given_on: date,
    age: int | None = None,
    ages_now: tuple[int, ...] = (),
) -> str:
    """What one person is told: which results changed, from what to what, and why."""
    lines = [t("fu_notice_title", lang)]
    if kind == CATALOGUE_RUN:
        lines.append(t("fu_notice_rules", lang, version=version))
    else:
        lines.append(t("fu_notice_dates", lang, date=given_on.isoformat()))
    if (
        age is not None
        and ages_now
        and ages_now != (age,)
        and any("age" in c.criteria for c in changes)
    ):
        now = "–".join(str(a) for a in ages_now)
        lines.append(t("fu_notice_age", lang, age=age, date=given_on.isoformat(), now=now))
    for change in changes:
        lines.append("")
        lines.append(
            t("fu_notice_row", lang, name=change.short_name,
              old=status_words(change.old, lang), new=status_words(change.new, lang))
        )  # fmt: skip
        for reason in change.reasons[:MAX_REASONS]:
            lines.append(t("fu_notice_reason", lang, reason=reason))
    lines += ["", t("fu_notice_footer", lang)]
    text = "\n".join(lines)
    if len(text) > MESSAGE_LIMIT:  # many results changed: the rows without their reasons
        rows = [
            t("fu_notice_row", lang, name=c.short_name, old=status_words(c.old, lang),
              new=status_words(c.new, lang))
            for c in changes
        ]  # fmt: skip
        text = "\n".join([*lines[:2], "", *rows, "", t("fu_notice_footer", lang)])
    return text


def preview_screen(run_id: int, summary: dict[str, Any], lang: str, *, buttons: bool) -> Screen:
    """The admins' preview of a catalogue change: how many results change, per scheme, with
    one example of each change in words."""
    lines = [
        t("fu_preview_title", lang, id=run_id, version=summary.get("version", "")),
        t("fu_preview_counts", lang, people=summary.get("people", 0),
          changed=summary.get("changed", 0)),
    ]  # fmt: skip
    rows = summary.get("rows") or []
    if not rows:
        lines.append(t("fu_preview_none", lang))
    for row in rows:
        lines.append("")
        lines.append(
            t("fu_preview_row", lang, name=row["name"], old=status_words(row["old"], lang),
              new=status_words(row["new"], lang), n=row["n"])
        )  # fmt: skip
        example = (row.get("example") or {}).get(lang) or ""
        if example:
            lines.append(t("fu_preview_example", lang, reason=example))
    text = "\n".join(lines)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    keyboard = None
    if buttons and summary.get("changed"):
        ok = cb.Callback(cb.FOLLOWUP, None, run_id, "ok").encode()
        no = cb.Callback(cb.FOLLOWUP, None, run_id, "no").encode()
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("fu_btn_send", lang, n=summary["changed"]), callback_data=ok),
              InlineKeyboardButton(t("fu_btn_discard", lang), callback_data=no)]]
        )  # fmt: skip
    return Screen(text, keyboard)
