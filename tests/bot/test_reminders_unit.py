"""The reminders' pure parts: REMINDER_DAYS, which stages a press adds, when a day's go out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from bot.reminders import due_by, reminder_text, specs_for
from bot.settings import Settings
from rules import evaluate_profile
from rules.profile import Profile


def test_reminder_days_from_the_environment(monkeypatch):
    monkeypatch.setenv("REMINDER_DAYS", "1, 30,7")
    assert Settings(_env_file=None).reminder_days == (30, 7, 1)
    monkeypatch.setenv("REMINDER_DAYS", "14")
    assert Settings(_env_file=None).reminder_days == (14,)
    for bad in ("a,b", "-1"):
        monkeypatch.setenv("REMINDER_DAYS", bad)
        with pytest.raises(ValidationError):
            Settings(_env_file=None)


def graduate(as_of: date):
    profile = Profile(as_of=as_of, nationality="VN", age=24, education="bachelor",
                      hk_degree=True, bachelor_in_hong_kong=True, criminal_record=False,
                      graduated_on=date(2026, 9, 1))  # fmt: skip
    return [r for r in evaluate_profile(profile, "en").results if r.status == "match"]


def test_only_stages_still_ahead_are_added():
    matches = graduate(date(2026, 12, 2))
    assert [(r.scheme, r.category, r.apply_by) for r in matches] == [
        ("IANG", "fresh", date(2027, 3, 1))
    ]
    early = specs_for(matches, (30, 7, 1), date(2026, 12, 2))
    assert [(s.scheme, s.days_before, s.due) for s in early] == [
        ("IANG:fresh", 30, "2027-01-30"), ("IANG:fresh", 7, "2027-02-22"),
        ("IANG:fresh", 1, "2027-02-28"),
    ]  # fmt: skip
    late = specs_for(matches, (30, 7, 1), date(2027, 2, 22))
    assert [s.days_before for s in late] == [7, 1]  # due today still counts
    assert specs_for(matches, (30, 7, 1), date(2027, 3, 1)) == []


def test_a_days_reminders_go_from_the_hour_in_hong_kong_or_at_once_on_bot_today():
    before = datetime(2027, 1, 30, 0, 30, tzinfo=UTC)  # 08:30 in Hong Kong
    after = datetime(2027, 1, 30, 1, 0, tzinfo=UTC)  # 09:00
    assert due_by(None, 9, before) == date(2027, 1, 29)
    assert due_by(None, 9, after) == date(2027, 1, 30)
    assert due_by(date(2030, 5, 5), 9, before) == date(2030, 5, 5)


def test_the_text_names_the_scheme_date_and_page_in_each_language():
    url = "https://www.immd.gov.hk/eng/services/visas/IANG.html"
    deadline, today = date(2027, 3, 1), date(2027, 2, 28)
    en = reminder_text("IANG:fresh", deadline, url, "en", today)
    assert "IANG fresh" in en and "1 March 2027" in en and "tomorrow" in en and url in en
    hant = reminder_text("IANG:fresh", deadline, url, "zh-hant", date(2027, 1, 30))
    assert "2027年3月1日" in hant and "尚餘 30 日" in hant and "官方網頁" in hant
    hans = reminder_text("IANG:fresh", deadline, url, "zh-hans", date(2027, 1, 30))
    assert "还剩 30 天" in hans and "官方网页" in hans and "非本地毕业生" in hans
