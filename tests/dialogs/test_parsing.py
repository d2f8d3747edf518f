"""Reading typed amounts, numbers, dates and yes/no."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.parsing import (
    ParseError,
    is_dont_know,
    parse_amount,
    parse_bool,
    parse_date,
    parse_number,
)

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1200000", 1_200_000), ("1,200,000", 1_200_000), ("1.2m", 1_200_000),
        ("800k", 800_000), ("HK$ 2.5M", 2_500_000), ("HKD 2,500,000", 2_500_000),
        ("120萬", 1_200_000), ("120万", 1_200_000), ("2.5百萬", 2_500_000),
        ("3千萬", 30_000_000), ("1 million", 1_000_000), ("１２０萬", 1_200_000),
        ("$30m", 30_000_000), ("0", 0), ("1.5 bn", 1_500_000_000), ("約 80 萬港元", 800_000),
    ],
)  # fmt: skip
def test_amounts(text: str, value: float) -> None:
    assert parse_amount(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3m", "12 apples", "m"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ParseError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("3", "years", 3), ("3.5 years", "years", 3.5), ("3年", "years", 3),
        ("3年半", "years", 3.5),
        ("18 months", "years", 1.5), ("18", "months", 18), ("2 years", "months", 24),
        ("35", "age", 35), ("35歲", "age", 35), ("2 languages", "count", 2),
    ],
)  # fmt: skip
def test_numbers(text: str, unit: str, value: float) -> None:
    assert parse_number(text, unit) == pytest.approx(value)


@pytest.mark.parametrize("text", ["three", "3 apples", ""])
def test_bad_numbers(text: str) -> None:
    with pytest.raises(ParseError):
        parse_number(text, "years")


@pytest.mark.parametrize(
    ("text", "value", "month_only"),
    [
        ("2023-06-30", date(2023, 6, 30), False), ("2023/6/30", date(2023, 6, 30), False),
        ("30/6/2023", date(2023, 6, 30), False), ("2023年6月30日", date(2023, 6, 30), False),
        ("30 June 2023", date(2023, 6, 30), False), ("June 30, 2023", date(2023, 6, 30), False),
        ("2023-06", date(2023, 6, 30), True), ("June 2023", date(2023, 6, 30), True),
        ("6/2023", date(2023, 6, 30), True), ("2023年6月", date(2023, 6, 30), True),
        ("2024-02", date(2024, 2, 29), True), ("November 2026", TODAY, True),
    ],
)  # fmt: skip
def test_dates(text: str, value: date, month_only: bool) -> None:
    assert parse_date(text, TODAY) == (value, month_only)


@pytest.mark.parametrize("text", ["2023", "2023-13-01", "2023-02-30", "yesterday", "31/31/2023"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ParseError):
        parse_date(text, TODAY)


def test_yes_no_and_dont_know() -> None:
    assert parse_bool("Yes") is True and parse_bool("有") is True and parse_bool("係") is True
    assert parse_bool("no") is False and parse_bool("沒有") is False and parse_bool("没有") is False
    assert is_dont_know("Not sure") and is_dont_know("不確定") and is_dont_know("唔知")
    assert not is_dont_know("no")
    with pytest.raises(ParseError):
        parse_bool("perhaps")
