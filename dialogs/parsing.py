"""Reading typed answers: amounts, years, counts, dates, yes/no. Pure functions, no I/O.

Each parser returns the value or raises `ParseError` with a message id from `texts.yaml`, so the
caller can re-ask in the person's language.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

_SPACES = re.compile(r"\s+")


class ParseError(ValueError):
    """A typed answer we could not read; `message` is a text id, `params` fill it in."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def normalise(text: str) -> str:
    """Full-width to ASCII, case folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip().casefold()


# --- don't know / yes / no ------------------------------------------------------------------

DONT_KNOW_WORDS = frozenset(
    {
        "?", "not sure", "notsure", "unsure", "don't know", "dont know", "do not know", "dk",
        "idk", "no idea", "unknown", "skip", "n/a", "na", "不確定", "不确定", "不知道", "唔知",
        "唔清楚", "不清楚", "未知", "跳過", "跳过",
    }
)  # fmt: skip
YES_WORDS = frozenset(
    {"yes", "y", "yeah", "yep", "true", "是", "是的", "有", "係", "对", "對", "会", "會", "好"}
)
NO_WORDS = frozenset(
    {"no", "n", "nope", "false", "否", "不是", "沒有", "没有", "無", "无", "冇", "不", "唔係",
     "不会", "不會"}
)  # fmt: skip


def is_dont_know(text: str) -> bool:
    t = normalise(text).rstrip(".!。！")
    return t in DONT_KNOW_WORDS


def parse_bool(text: str) -> bool:
    t = normalise(text).rstrip(".!。！")
    if t in YES_WORDS:
        return True
    if t in NO_WORDS:
        return False
    raise ParseError("error_bool")


# --- numbers --------------------------------------------------------------------------------

# Longest first, so 百萬 wins over 萬 and "million" over "m".
_MULTIPLIERS: tuple[tuple[str, float], ...] = (
    ("billion", 1e9), ("million", 1e6), ("thousand", 1e3), ("mil", 1e6), ("mn", 1e6),
    ("bn", 1e9), ("百萬", 1e6), ("百万", 1e6), ("千萬", 1e7), ("千万", 1e7), ("億", 1e8),
    ("亿", 1e8), ("萬", 1e4), ("万", 1e4), ("千", 1e3), ("k", 1e3), ("m", 1e6), ("b", 1e9),
)  # fmt: skip
_CURRENCY = re.compile(r"hk\$|hkd|hk dollars?|dollars?|港幣|港币|港元|港紙|元|\$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z\u4e00-\u9fff]*)$")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)$")


def parse_amount(text: str) -> float:
    """HK dollars: "1200000", "1,200,000", "1.2m", "800k", "HK$ 2.5M", "120萬", "2.5百萬"."""
    t = normalise(text)
    t = _CURRENCY.sub("", t).replace(",", "").replace("_", "").replace(" ", "")
    t = t.removeprefix("about").removeprefix("around").removeprefix("約").removeprefix("约")
    m = _AMOUNT.match(t)
    if not m:
        raise ParseError("error_amount")
    number, unit = float(m.group(1)), m.group(2)
    if unit:
        for suffix, factor in _MULTIPLIERS:
            if unit == suffix:
                return number * factor
        raise ParseError("error_amount")
    return number


_YEARS_UNIT = re.compile(r"^(years?|yrs?|y|年|年半)$")
_MONTHS_UNIT = re.compile(r"^(months?|mos?|個月|个月|月)$")
_COUNT_UNIT = re.compile(r"^(歲|岁|years? old|yo|種|种|門|门|languages?)$")


def parse_number(text: str, unit: str) -> float:
    """A plain number with an optional unit word: years ("3.5 years", "3年"), months ("18
    months", "1.5 years" = 18), or a count/age ("35", "35歲")."""
    t = normalise(text).replace(",", "")
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(.*)$", t)
    if not m:
        raise ParseError("error_number")
    number, word = float(m.group(1)), m.group(2).strip()
    if not word:
        return number
    if unit == "years":
        if _YEARS_UNIT.match(word):
            return number + (0.5 if word == "年半" else 0)
        if _MONTHS_UNIT.match(word):
            return round(number / 12, 2)
    elif unit == "months":
        if _MONTHS_UNIT.match(word):
            return number
        if _YEARS_UNIT.match(word):
            return number * 12 + (6 if word == "年半" else 0)
    elif _COUNT_UNIT.match(word):
        return number
    raise ParseError("error_number")


# --- dates ----------------------------------------------------------------------------------

_MONTH_NAMES: dict[str, int] = {}
for _i in range(1, 13):
    _MONTH_NAMES[calendar.month_name[_i].lower()] = _i
    _MONTH_NAMES[calendar.month_abbr[_i].lower()] = _i
_MONTH_NAMES["sept"] = 9


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text: str, today: date) -> tuple[date, bool]:
    """A date: 2023-06-30, 2023/6/30, 30/6/2023 (day first), 2023年6月30日, 30 June 2023, June
    30 2023, or a month alone (2023-06, June 2023, 6/2023, 2023年6月) read as that month's last
    day, or today if the month is the current one. Returns (date, month_only)."""
    t = normalise(text).replace(",", " ").replace(".", " ")
    t = _SPACES.sub(" ", t).strip()
    y = mo = d = None
    if m := re.fullmatch(r"(\d{4})\s*[-/ 年]\s*(\d{1,2})\s*(?:[-/ 月]\s*(\d{1,2})\s*日?|月)?", t):
        y, mo = int(m.group(1)), int(m.group(2))
        d = int(m.group(3)) if m.group(3) else None
    elif m := re.fullmatch(r"(\d{1,2})\s*[-/ ]\s*(\d{1,2})\s*[-/ ]\s*(\d{4})", t):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{1,2})\s*[-/ ]\s*(\d{4})", t):
        mo, y = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(?:(\d{1,2}) )?([a-z]+) (?:(\d{1,2}) )?(\d{4})", t):
        if m.group(2) not in _MONTH_NAMES or (m.group(1) and m.group(3)):
            raise ParseError("error_date")
        mo, y = _MONTH_NAMES[m.group(2)], int(m.group(4))
        day = m.group(1) or m.group(3)
        d = int(day) if day else None
    elif m := re.fullmatch(r"\d{4}", t):
        raise ParseError("error_date_year_only")
    else:
        raise ParseError("error_date")
    try:
        if d is None:
            value = _month_end(y, mo)
            if (value.year, value.month) == (today.year, today.month):
                value = today
            return value, True
        return date(y, mo, d), False
    except ValueError:
        raise ParseError("error_date") from None
