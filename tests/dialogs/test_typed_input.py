"""Input as people type it (issue 10, lever 8): every form is read, every error names the value.

Two levels: the parsers in `dialogs/parsing.py` (values, error ids and their parameters, "today"
passed in), and the questionnaire's replies in English, Traditional and Simplified Chinese. The
questionnaire is reached by the kind of question (an age, an amount, a date…), not by a fixed
path, so a rewrite of the questions does not break these tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from dialogs import QuestionFlow, Session
from dialogs.parsing import (
    ParseError,
    parse_amount,
    parse_date,
    parse_number,
    read_date,
    read_number,
)
from dialogs.questions import Question
from rules.profile import today_in_hong_kong

TODAY = date(2026, 11, 25)
LANGS = ("en", "zh-hant", "zh-hans")


def _error(call: Callable[[], object]) -> ParseError:
    with pytest.raises(ParseError) as info:
        call()
    return info.value


# --- ages, years, counts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["29", "29 years", "29 years old", "29 yrs", "29y", "29 y/o", "29岁", "29歲", "29 歲",
     "二十九歲", "二十九", "29周岁", "２９歲", "about 29"],
)  # fmt: skip
def test_ages_as_people_type_them(text: str) -> None:
    assert read_number(text, "age", lo=14, hi=100, integer=True) == 29


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("3 years 6 months", "years", 3.5), ("3年6個月", "years", 3.5), ("三年", "years", 3),
        ("1 year and 6 months", "months", 18), ("18 mths", "months", 18),
        ("兩種", "count", 2), ("2 languages", "count", 2),
    ],
)  # fmt: skip
def test_years_months_and_counts(text: str, unit: str, value: float) -> None:
    assert parse_number(text, unit) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("-5", "error_range_age", {"text": "-5", "min": "14", "max": "100"}),
        ("−5", "error_range_age", {"text": "−5", "min": "14", "max": "100"}),
        ("150", "error_range_age", {"text": "150", "min": "14", "max": "100"}),
        ("29.5", "error_integer", {"text": "29.5"}),
        ("twenty-nine", "error_number", {"text": "twenty-nine"}),
        ("29 apples", "error_unit", {"text": "29 apples", "word": "apples"}),
        ("29 months", "error_unit", {"text": "29 months", "word": "months"}),
    ],
)
def test_age_errors_say_what_is_wrong(text: str, key: str, params: dict[str, str]) -> None:
    exc = _error(lambda: read_number(text, "age", lo=14, hi=100, integer=True))
    assert exc.message == key
    assert params.items() <= exc.params.items()


def test_years_and_months_errors_name_their_bounds() -> None:
    exc = _error(lambda: read_number("-1", "years", lo=0, hi=60))
    assert (exc.message, exc.params["min"], exc.params["max"]) == ("error_range_years", "0", "60")
    exc = _error(lambda: read_number("2000", "months", lo=0, hi=1200, integer=True))
    assert exc.message == "error_range_months" and exc.params["max"] == "1200"
    exc = _error(lambda: read_number("25", "count", lo=0, hi=20, integer=True))
    assert exc.message == "error_range" and exc.params["text"] == "25"


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("50万", 500_000), ("50萬", 500_000), ("120萬", 1_200_000), ("3千", 3_000),
        ("1.2m", 1_200_000), ("800k", 800_000), ("HK$2.5M", 2_500_000),
        ("2,500,000", 2_500_000), ("1.5億", 150_000_000), ("1.5亿", 150_000_000),
        ("五十萬", 500_000), ("一百二十万", 1_200_000), ("1億5千萬", 150_000_000),
        ("1萬2", 12_000), ("兩萬五", 25_000), ("三千", 3_000), ("HK$ 1,200,000", 1_200_000),
        ("120萬港元", 1_200_000), ("約 80 萬", 800_000), ("around 1.2 million", 1_200_000),
        ("1 200 000", 1_200_000), ("０", 0), ("1.2m a year", 1_200_000),
        ("年薪120萬", 1_200_000), ("120万/年", 1_200_000), ("2.5m p.a.", 2_500_000),
    ],
)  # fmt: skip
def test_amounts_as_people_type_them(text: str, value: int) -> None:
    assert read_number(text, "hkd", lo=0, hi=1e10) == value
    assert isinstance(read_number(text, "hkd", lo=0, hi=1e10), int)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("-5", "error_negative"), ("HK$ -100", "error_negative"), ("負5萬", "error_negative"),
        ("20000000000", "error_range_amount"), ("lots", "error_amount"),
        ("12 apples", "error_amount"), ("萬", "error_amount"), ("1.2.3m", "error_amount"),
    ],
)  # fmt: skip
def test_amount_errors_say_what_is_wrong(text: str, key: str) -> None:
    exc = _error(lambda: read_number(text, "hkd", lo=0, hi=1e10))
    assert exc.message == key and exc.params["text"] == text
    if key == "error_range_amount":
        assert exc.params["max"] == "HK$10,000,000,000"


@pytest.mark.parametrize("text", ["30k a month", "月薪3萬", "每月三万", "HK$30,000 per month"])
def test_a_monthly_figure_is_refused_with_the_yearly_one(text: str) -> None:
    exc = _error(lambda: read_number(text, "hkd", lo=0, hi=1e10))
    assert exc.message == "error_amount_monthly"
    assert exc.params == {"text": text, "monthly": "HK$30,000", "yearly": "HK$360,000"}


def test_parse_amount_reads_a_negative_figure_for_the_bounds_to_refuse() -> None:
    assert parse_amount("-5") == -5
    assert parse_number("-1", "years") == -1


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "month_only"),
    [
        ("2026/3/1", date(2026, 3, 1), False), ("1 March 2026", date(2026, 3, 1), False),
        ("2026年3月1日", date(2026, 3, 1), False), ("2026年3月1號", date(2026, 3, 1), False),
        ("二〇二六年三月一日", date(2026, 3, 1), False),
        ("1st March 2026", date(2026, 3, 1), False),
        ("March 1st, 2026", date(2026, 3, 1), False), ("1-Mar-2026", date(2026, 3, 1), False),
        ("1st of March 2026", date(2026, 3, 1), False),
        ("20260301", date(2026, 3, 1), False), ("2026.3.1", date(2026, 3, 1), False),
        ("1/3/2026", date(2026, 3, 1), False),  # day first, as Hong Kong writes it
        ("3/30/2026", date(2026, 3, 30), False),  # month first: the only possible reading
        ("March 2026", date(2026, 3, 31), True), ("2026年3月", date(2026, 3, 31), True),
        ("November 2026", TODAY, True),  # the current month: today, not its last day
    ],
)  # fmt: skip
def test_dates_in_common_forms(text: str, value: date, month_only: bool) -> None:
    assert read_date(text, TODAY) == (value, month_only)


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("2026-02-30", "error_date_day",
         {"month_name": "February", "year": 2026, "month": 2, "days": 28, "day": 30}),
        ("2024-02-30", "error_date_day", {"days": 29}),
        ("31 April 2025", "error_date_day", {"month_name": "April", "days": 30, "day": 31}),
        ("2023-13-01", "error_date_month", {"month": 13}),
        ("31/31/2023", "error_date_month", {"month": 31}),
        ("1/3/26", "error_date_short_year", {"year": "2026"}),
        ("2023", "error_date_year_only", {"year": 2023}),
        ("yesterday", "error_date", {"text": "yesterday"}),
        ("Smarch 2023", "error_date", {"text": "Smarch 2023"}),
    ],
)  # fmt: skip
def test_impossible_dates_say_why(text: str, key: str, params: dict[str, object]) -> None:
    exc = _error(lambda: parse_date(text, TODAY))
    assert exc.message == key
    assert params.items() <= exc.params.items()


def test_a_future_date_has_not_happened_yet_as_of_the_day_passed_in() -> None:
    exc = _error(lambda: read_date("2026-11-26", TODAY))
    assert exc.message == "error_date_future"
    assert exc.params == {"text": "2026-11-26", "date": "2026-11-26", "today": "2026-11-25"}
    assert _error(lambda: read_date("December 2026", TODAY)).message == "error_date_future"
    # the same date is fine on a later "today": nothing here reads the clock
    assert read_date("2026-11-26", date(2027, 1, 1)) == (date(2026, 11, 26), False)
    assert read_date("2026-11-25", TODAY) == (TODAY, False)


def test_too_old_and_day_needed() -> None:
    exc = _error(lambda: read_date("1939-12-31", TODAY, earliest=date(1940, 1, 1)))
    assert exc.message == "error_date_old" and exc.params["earliest"] == "1940-01-01"
    exc = _error(lambda: read_date("June 2025", TODAY, month_ok=False))
    assert exc.message == "error_date_need_day"
    assert (exc.params["month_name"], exc.params["year"], exc.params["month"]) == ("June", 2025, 6)
    assert read_date("2025-06-15", TODAY, month_ok=False) == (date(2025, 6, 15), False)


# --- the questionnaire's replies, in every language ----------------------------------------


def reach(flow: QuestionFlow, lang: str, want: Callable[[Question], bool]) -> Session:
    """A session whose current question satisfies `want`, found by answering plausibly (a
    country, yes, a middle figure, a past date, the n-th option of a choice such as the opening
    goal question, a checklist with nothing or one line ticked) with a few variations."""
    for country in ("VN", "CN"):
        for pick in range(4):
            s = flow.new_session(lang)
            for _ in range(60):
                step = flow.step(s)
                q = step.question
                if q is None:
                    break
                if want(q):
                    return s
                if q.picker == "country":
                    reply = flow.answer(s, key=f"c:{country}")
                elif q.kind == "multi":  # a checklist: Done with one line ticked, or none
                    ticked = [pick - 1] if 0 < pick <= len(q.checklist) else []
                    reply = flow.answer(s, key=flow.checklist_key(ticked))
                elif q.kind == "bool":
                    reply = flow.answer(s, text="yes")
                elif q.kind == "number":
                    reply = flow.answer(s, text=str(int(q.min or 0) + 3))
                elif q.kind == "date":
                    reply = flow.answer(s, text="2020-06-30")
                else:
                    keys = [b.key for b in step.buttons]
                    reply = flow.answer(s, key=keys[min(pick, len(keys) - 1)])
                assert reply.accepted, (q.id, reply.message)
                s = reply.session
    raise AssertionError("no path reaches such a question")


def is_age(q: Question) -> bool:
    return q.kind == "number" and q.unit == "age"


def is_amount(q: Question) -> bool:
    return q.kind == "number" and q.unit == "hkd"


def is_date(q: Question) -> bool:
    return q.kind == "date"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text", ["29 years", "29岁", "29歲", "29 yrs", "二十九歲"])
def test_the_questionnaire_takes_an_age_with_its_unit(
    flow: QuestionFlow, lang: str, text: str
) -> None:
    s = reach(flow, lang, is_age)
    qid = flow.step(s).state
    reply = flow.answer(s, text=text)
    assert reply.accepted, reply.message
    assert reply.session.answers[qid] == 29


@pytest.mark.parametrize(
    ("text", "value"),
    [("50万", 500_000), ("120萬", 1_200_000), ("3千", 3_000), ("1.2m", 1_200_000),
     ("800k", 800_000), ("HK$2.5M", 2_500_000), ("2,500,000", 2_500_000),
     ("1.5億", 150_000_000)],
)  # fmt: skip
def test_the_questionnaire_takes_amounts_as_typed(
    flow: QuestionFlow, text: str, value: int
) -> None:
    s = reach(flow, "zh-hans", is_amount)
    qid = flow.step(s).state
    reply = flow.answer(s, text=text)
    assert reply.accepted, reply.message
    assert reply.session.answers[qid] == value


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["-5", "an age must be between 14 and 100"]),
        ("zh-hant", ["-5", "年齡必須介乎 14 至 100 歲"]),
        ("zh-hans", ["-5", "年龄必须在 14 到 100 岁之间"]),
    ],
)
def test_a_negative_age_is_told_the_range(
    flow: QuestionFlow, lang: str, expected: list[str]
) -> None:
    s = reach(flow, lang, is_age)
    reply = flow.answer(s, text="-5")
    assert not reply.accepted and reply.session is s  # earlier answers kept
    for part in expected:
        assert part in reply.message, reply.message


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "2026-02-30", "February 2026 has 28 days, so there is no day 30"),
        ("zh-hant", "2026-02-30", "2026年2月只有 28 日，沒有 30 日"),
        ("zh-hans", "2026-02-30", "2026年2月只有 28 天，没有 30 号"),
        ("en", "2023-13-01", "There is no month 13"),
        ("zh-hant", "2023-13-01", "沒有 13 月"),
        ("zh-hans", "2023-13-01", "没有 13 月"),
        ("en", "2023", "Which month of 2023?"),
        ("zh-hant", "2023", "是 2023 年哪一個月？"),
        ("zh-hans", "2023", "是 2023 年哪个月？"),
        ("en", "1/3/26", "write the year in full, such as 2026"),
        ("zh-hant", "1/3/26", "請輸入完整的年份，例如 2026"),
        ("zh-hans", "1/3/26", "请输入完整的年份，例如 2026"),
        ("en", "soon", 'I could not read "soon" as a date'),
        ("zh-hant", "下個月", "我看不懂「下個月」這個日期"),
        ("zh-hans", "下个月", "我看不懂“下个月”这个日期"),
    ],
)
def test_date_errors_say_what_is_wrong_in_every_language(
    flow: QuestionFlow, lang: str, text: str, expected: str
) -> None:
    s = reach(flow, lang, is_date)
    reply = flow.answer(s, text=text)
    assert not reply.accepted and reply.session is s
    assert expected in reply.message, reply.message


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "has not happened yet"), ("zh-hant", "仍未發生"), ("zh-hans", "还没有发生")],
)
def test_a_graduation_date_in_the_future_is_not_yet(
    flow: QuestionFlow, lang: str, expected: str
) -> None:
    today = today_in_hong_kong()
    future = date(today.year + 1, 6, 30).isoformat()
    s = reach(flow, lang, is_date)
    reply = flow.answer(s, text=future)
    assert not reply.accepted
    assert future in reply.message and expected in reply.message


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "-5", "An amount cannot be below zero (you typed -5)"),
        ("zh-hant", "-5", "金額不可以少於零（你輸入了 -5）"),
        ("zh-hans", "-5", "金额不能小于零（你输入了 -5）"),
        ("en", "lots", 'I could not read "lots" as an amount'),
        ("zh-hant", "很多", "我看不懂「很多」這個金額"),
        ("zh-hans", "很多", "我看不懂“很多”这个金额"),
        ("en", "30k a month", "HK$30,000 a month is HK$360,000 a year"),
        ("zh-hant", "月薪3萬", "每月 HK$30,000 以12個月計，全年是 HK$360,000"),
        ("zh-hans", "月薪3万", "每月 HK$30,000 按12个月计算，全年是 HK$360,000"),
    ],
)
def test_amount_errors_in_every_language(
    flow: QuestionFlow, lang: str, text: str, expected: str
) -> None:
    s = reach(flow, lang, is_amount)
    reply = flow.answer(s, text=text)
    assert not reply.accepted and reply.session is s
    assert expected in reply.message, reply.message


@pytest.mark.parametrize("text", ["1 March 2020", "2020/3/1", "2020年3月1日", "March 2020"])
def test_the_questionnaire_takes_dates_in_common_forms(flow: QuestionFlow, text: str) -> None:
    s = reach(flow, "en", is_date)
    qid = flow.step(s).state
    reply = flow.answer(s, text=text)
    assert reply.accepted, reply.message
    assert reply.session.answers[qid] == ("2020-03-31" if text == "March 2020" else "2020-03-01")
