"""Deadline reminders (issue 14): "Remind me" under a result with an apply-by date.

A press stores one row per dated match and stage (`REMINDER_DAYS`, default 30, 7 and 1 days
before the apply-by date; a stage already past is not added); `bot.reminders.sender` sends them
when due, once, in the person's language, naming the scheme, the date and the official page.
Days are counted from `Settings.today()` (BOT_TODAY when set). See `bot/store/reminders.py` for
the rows' states.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot import callbacks as cb
from bot.store.reminders import ReminderSpec
from bot.texts import t
from bot.views.result import date_words, key_of
from bot.views.session import fingerprint
from dialogs import Session
from rules.evaluator import render_catalogue
from rules.i18n import Lang
from rules.results import Evaluation, SchemeResult

REMINDERS_KEY = "reminders"  # bot_data: the ReminderSender
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def dated_matches(evaluation: Evaluation) -> list[SchemeResult]:
    """The matches the result shows an apply-by date for."""
    return [r for r in evaluation.with_status("match") if r.apply_by is not None]


def remind_row(evaluation: Evaluation, session: Session, lang: Lang) -> list[InlineKeyboardButton]:
    """The result's "Remind me" button (private chats), or no row when no match has a date."""
    if not dated_matches(evaluation):
        return []
    data = cb.Callback(cb.REMIND, None, fingerprint(session), "add").encode()
    return [InlineKeyboardButton(t("btn_remind", lang), callback_data=data)]


def specs_for(
    results: list[SchemeResult], days: tuple[int, ...], today: date
) -> list[ReminderSpec]:
    """Each dated result's stages still ahead (due today or later, before the deadline)."""
    specs = []
    for r in results:
        assert r.apply_by is not None
        for n in days:
            due = r.apply_by - timedelta(days=n)
            if due >= today and r.apply_by >= today:
                specs.append(
                    ReminderSpec(key_of(r), r.apply_by.isoformat(), n, due.isoformat(), r.source)
                )
    return specs


def due_by(bot_today: date | None, hour: int, now: datetime | None = None) -> date:
    """The last due date that may go out now: BOT_TODAY when set; otherwise today in Hong Kong
    from `hour` on (nobody is woken at midnight), else yesterday."""
    if bot_today is not None:
        return bot_today
    now = now or datetime.now(HONG_KONG)
    local = now.astimezone(HONG_KONG)
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def scheme_names(key: str, lang: Lang, on: date) -> tuple[str, str]:
    """(short name, name) of a result key in `lang`, from the catalogue in force on `on`; the
    key itself when the catalogue no longer has it."""
    scheme, _, category = key.partition(":")
    for item in render_catalogue(on, lang).results:
        head = item.head
        if head["scheme"] == scheme and (head["category"] or "") == category:
            return head["short_name"], head["name"]
    return key.replace(":", " "), key.replace(":", " ")


def when_words(deadline: date, today: date, lang: Lang) -> str:
    left = (deadline - today).days
    if left <= 0:
        return t("reminder_today", lang)
    if left == 1:
        return t("reminder_tomorrow", lang)
    return t("reminder_in_days", lang, n=left)


def reminder_text(key: str, deadline: date, url: str, lang: Lang, today: date) -> str:
    """The reminder message (Telegram HTML)."""
    short, name = scheme_names(key, lang, min(today, deadline))
    return t(
        "reminder_message",
        lang,
        short=short,
        name=name,
        date=date_words(deadline, lang),
        when=when_words(deadline, today, lang),
        url=url,
    )
