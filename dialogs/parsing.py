"""Reading typed answers as people type them: amounts, years, ages, counts, dates, yes/no.

Pure functions, no I/O and no clock: where "today" matters the caller passes it (the flow passes
the date the bot treats as today), so a test or a demonstration can stand on any day.

Each parser returns the value or raises `ParseError` with a message id from `texts.yaml` and the
parameters that say what is wrong with *this* value ("-5" is not an age; February 2026 has 28
days), so the caller can re-ask in the person's language. `read_number` and `read_date` are the
whole answer check of a number or date question (parse, then bounds); `parse_*` only read.
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

# Longest first, so "million" wins over "m".
_MULTIPLIERS: tuple[tuple[str, float], ...] = (
    ("billion", 1e9), ("million", 1e6), ("thousand", 1e3), ("mil", 1e6), ("mn", 1e6),
    ("bn", 1e9), ("k", 1e3), ("m", 1e6), ("b", 1e9),
)  # fmt: skip
_CURRENCY = re.compile(r"hk\$|hkd|hk dollars?|dollars?|港幣|港币|港元|港紙|元|蚊|\$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)([a-z]*)$")
_MINUS = re.compile(r"^(?:-|−|–|負|负|minus ?)")

# Chinese numerals and units: 五十萬, 1億5千萬, 2.5百萬, 三千.
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
    "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"萬": 1e4, "万": 1e4, "億": 1e8, "亿": 1e8}
_CN_TOKEN = re.compile(r"\d+(?:\.\d+)?|[零〇一二兩两三四五六七八九十百千萬万億亿]")


def _chinese_number(t: str) -> float | None:
    """A figure written with Chinese numerals or units ("五十萬", "1億5千萬", "120萬", "三"),
    or None when `t` is not one."""
    tokens = _CN_TOKEN.findall(t)
    if not tokens or "".join(tokens) != t:
        return None
    total = section = 0.0
    number: float | None = None
    seen_digit = False
    last_unit = 0.0  # the unit just before a trailing digit: 1萬2 is 12,000, 3千5 is 3,500
    for tok in tokens:
        unit_before, last_unit = last_unit, 0.0
        if tok in _CN_DIGITS or tok[0].isdigit():
            if number is not None:  # "12" then "3": two figures side by side
                if tok[0].isdigit():
                    return None
                number = number * 10 + _CN_DIGITS[tok]  # 二〇二六: digit by digit
            else:
                number = float(tok) if tok[0].isdigit() else float(_CN_DIGITS[tok])
                last_unit = unit_before
            seen_digit = True
        elif tok in _CN_SMALL:
            section += (1.0 if number is None else number) * _CN_SMALL[tok]
            number = None
            seen_digit = True  # 十 alone is ten
            last_unit = _CN_SMALL[tok]
        else:
            if not seen_digit:
                return None
            total += (section + (number or 0.0)) * _CN_BIG[tok]
            section, number = 0.0, None
            last_unit = _CN_BIG[tok]
    if not seen_digit:
        return None
    if number is not None and last_unit > 10 and number < 10 and number.is_integer():
        return total + section + number * last_unit / 10
    return total + section + (number or 0.0)


def _signed(t: str) -> tuple[str, float]:
    """The text without a leading minus sign, and the sign it had."""
    m = _MINUS.match(t)
    return (t[m.end() :].strip(), -1.0) if m else (t, 1.0)


# "a year" needs no word (every amount asked is yearly or a total); "a month" is refused with the
# yearly figure, since a Hong Kong salary is often quoted by the month.
_PER_YEAR = re.compile(
    r"(?:/|per|a|an|each|every)\s*(?:year|yr|annum)\b|\bp\.?a\.?$|\bannually\b|\byearly\b"
    r"|每年|一年|年薪|年收入|/年"
)
_PER_MONTH = re.compile(
    r"(?:/|per|a|each|every)\s*(?:month|mth|mo)\b|\bmonthly\b|每月|每個月|每个月|月薪|月入|/月"
)


def parse_amount(text: str) -> float:
    """HK dollars as people type them: "1200000", "1,200,000", "1.2m", "800k", "HK$ 2.5M",
    "120萬", "50万", "3千", "1.5億", "五十萬", "1億5千萬", "1.2m a year", "年薪120萬". A negative
    figure is read as negative (`read_number` says why it cannot be); a monthly figure ("30k a
    month", "月薪3萬") raises `error_amount_monthly` with the yearly figure; anything else
    unreadable raises `error_amount`."""
    t = normalise(text)
    monthly = bool(_PER_MONTH.search(t))
    t = _PER_MONTH.sub("", _PER_YEAR.sub("", t))
    if monthly:
        try:
            per_month = parse_amount(t)
        except ParseError:
            raise ParseError("error_amount", text=text.strip()) from None
        raise ParseError(
            "error_amount_monthly",
            text=text.strip(),
            monthly=format_amount(per_month),
            yearly=format_amount(per_month * 12),
        )
    t = _CURRENCY.sub("", t).replace(",", "").replace("_", "").replace(" ", "")
    for word in ("about", "around", "approx", "roughly", "約", "约", "大約", "大约"):
        t = t.removeprefix(word)
    t, sign = _signed(t)
    m = _AMOUNT.match(t)
    if m:
        number, unit = float(m.group(1)), m.group(2)
        if not unit:
            return sign * number
        for suffix, factor in _MULTIPLIERS:
            if unit == suffix:
                return sign * number * factor
    else:
        value = _chinese_number(t)
        if value is not None:
            return sign * value
    raise ParseError("error_amount", text=text.strip())


_YEARS_UNIT = re.compile(r"^(years?|yrs?|y|年|年半)$")
_MONTHS_UNIT = re.compile(r"^(months?|mths?|mos?|m|個月|个月|月)$")
_AGE_UNIT = re.compile(
    r"^(years?(?: old)?|yrs?(?: old)?|y/?o|y|歲|岁|周歲|周岁|週歲|足歲|足岁|虛歲|虚岁)$"
)
_COUNT_UNIT = re.compile(r"^(種|种|門|门|個|个|languages?)$")
_LEADING_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(.*)$")
_LEADING_CHINESE = re.compile(r"^([零〇一二兩两三四五六七八九十百]+)\s*(.*)$")
# "3 years 6 months", "3年6個月", "1 year and 2 months"
_YEARS_AND_MONTHS = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(?:years?|yrs?|年)\s*(?:and\s*|,\s*|零)?(\d+)\s*(?:months?|個月|个月)$"
)


def parse_number(text: str, unit: str) -> float:
    """A number with an optional unit word: years ("3.5 years", "3年", "3 years 6 months"),
    months ("18 months", "1.5 years" = 18), an age ("29", "29 years", "29 yrs", "29岁", "二十九歲")
    or a count ("2 languages", "兩種"). A negative figure is read as negative (`read_number`
    says why it cannot be); a unit that does not fit `unit` raises `error_unit`."""
    t = normalise(text).replace(",", "")
    t = t.removeprefix("about ").removeprefix("around ").removeprefix("約").removeprefix("约")
    t, sign = _signed(t)
    if unit in ("years", "months") and (m := _YEARS_AND_MONTHS.match(t)):
        years, months = float(m.group(1)), float(m.group(2))
        return sign * (years * 12 + months if unit == "months" else round(years + months / 12, 2))
    m = _LEADING_NUMBER.match(t)
    if m:
        number, word = float(m.group(1)), m.group(2).strip()
    elif (m := _LEADING_CHINESE.match(t)) and (cn := _chinese_number(m.group(1))) is not None:
        number, word = cn, m.group(2).strip()
    else:
        raise ParseError("error_number", text=text.strip())
    number *= sign
    if not word:
        return number
    if unit == "years":
        if _YEARS_UNIT.match(word):
            return number + (0.5 if word == "年半" else 0)
        if _MONTHS_UNIT.match(word) and word != "m":
            return round(number / 12, 2)
    elif unit == "months":
        if _MONTHS_UNIT.match(word):
            return number
        if _YEARS_UNIT.match(word):
            return number * 12 + (6 if word == "年半" else 0)
    elif unit == "age":
        if _AGE_UNIT.match(word):
            return number
    elif _COUNT_UNIT.match(word):
        return number
    raise ParseError("error_unit", text=text.strip(), word=word)


def format_amount(value: float) -> str:
    """HK$1,200,000: how an amount reads in every language."""
    return f"HK${value:,.0f}"


def format_number(value: float) -> str:
    """29, 3.5: a plain figure without a trailing .0."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def read_number(
    text: str,
    unit: str | None,
    *,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
) -> float | int:
    """The whole check of a typed number: read it (`parse_amount` for unit "hkd", else
    `parse_number`), then whole number and bounds, each with an error that names the value and
    what it must be: "-5" → error_range_age (an age is from `lo` to `hi`), "-100" → error_negative
    for an amount, 29.5 → error_integer. Whole values come back as int."""
    unit = unit or "count"
    value = parse_amount(text) if unit == "hkd" else parse_number(text, unit)
    shown = text.strip()
    if integer and not float(value).is_integer():
        raise ParseError("error_integer", text=shown)
    lo = 0 if lo is None else lo
    hi = 1e13 if hi is None else hi
    if not lo <= value <= hi:
        fmt = format_amount if unit == "hkd" else format_number
        params = {"text": shown, "min": fmt(lo), "max": fmt(hi), "value": fmt(value)}
        if unit == "hkd":
            raise ParseError("error_negative" if value < 0 else "error_range_amount", **params)
        key = {"age": "error_range_age", "years": "error_range_years"}.get(unit, "error_range")
        if unit == "months":
            key = "error_range_months"
        raise ParseError(key, **params)
    return int(value) if float(value).is_integer() else value


# --- dates ----------------------------------------------------------------------------------

_MONTH_NAMES: dict[str, int] = {}
for _i in range(1, 13):
    _MONTH_NAMES[calendar.month_name[_i].lower()] = _i
    _MONTH_NAMES[calendar.month_abbr[_i].lower()] = _i
_MONTH_NAMES["sept"] = 9
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_CN_DATE_NUMBER = re.compile(r"[零〇一二兩两三四五六七八九十]+(?=[年月日號号])")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_params(year: int, month: int) -> dict[str, object]:
    return {"year": year, "month": month, "month_name": calendar.month_name[month]}


def _checked_date(y: int, mo: int, d: int | None, text: str) -> tuple[int, int, int | None]:
    """(y, mo, d) if such a day exists, else the error that says why not."""
    if not 1 <= mo <= 12:
        raise ParseError("error_date_month", text=text, month=mo)
    if d is not None:
        days = calendar.monthrange(y, mo)[1]
        if not 1 <= d <= days:
            raise ParseError("error_date_day", text=text, day=d, days=days, **_month_params(y, mo))
    return y, mo, d


def parse_date(text: str, today: date) -> tuple[date, bool]:
    """A date: 2023-06-30, 2023/6/30, 2023.6.30, 20230630, 30/6/2023 (day first, as Hong Kong
    writes it; 6/30/2023 too, since no month has 30), 2023年6月30日 (or 30號), 二〇二三年六月三十日,
    30 June 2023, 30th of June 2023, June 30, 2023, 30-Jun-2023, or a month alone (2023-06, June
    2023, 6/2023, 2023年6月) read as that month's last day, or today if the month is the current
    one. Returns (date, month_only). An impossible day says why: "February 2026 has 28 days"."""
    shown = text.strip()
    t = normalise(text).replace(",", " ").replace(".", " ")
    t = _ORDINAL.sub(r"\1", t).replace(" of ", " ")
    t = _CN_DATE_NUMBER.sub(lambda m: format_number(_chinese_number(m.group(0)) or 0), t)
    t = t.replace("號", "日").replace("号", "日")
    t = _SPACES.sub(" ", t).strip()
    y = mo = d = None
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{4})\s*[-/ 年]\s*(\d{1,2})\s*(?:[-/ 月]\s*(\d{1,2})\s*日?|月)?", t):
        y, mo = int(m.group(1)), int(m.group(2))
        d = int(m.group(3)) if m.group(3) else None
    elif m := re.fullmatch(r"(\d{1,2})\s*[-/ ]\s*(\d{1,2})\s*[-/ ]\s*(\d{4})", t):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if mo > 12 and d <= 12:  # 6/30/2023: month first, the only way it can be read
            d, mo = mo, d
    elif m := re.fullmatch(r"(\d{1,2})\s*[-/ ]\s*(\d{1,2})\s*[-/ ]\s*(\d{2})", t):
        raise ParseError("error_date_short_year", text=shown, year=f"20{m.group(3)}")
    elif m := re.fullmatch(r"(\d{1,2})\s*[-/ ]\s*(\d{4})", t):
        mo, y = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(?:(\d{1,2})[ -])?([a-z]+)[ -](?:(\d{1,2}) )?(\d{4})", t):
        if m.group(2) not in _MONTH_NAMES or (m.group(1) and m.group(3)):
            raise ParseError("error_date", text=shown)
        mo, y = _MONTH_NAMES[m.group(2)], int(m.group(4))
        day = m.group(1) or m.group(3)
        d = int(day) if day else None
    elif m := re.fullmatch(r"(\d{4})\s*年?", t):
        raise ParseError("error_date_year_only", text=shown, year=int(m.group(1)))
    else:
        raise ParseError("error_date", text=shown)
    y, mo, d = _checked_date(y, mo, d, shown)
    if d is None:
        value = _month_end(y, mo)
        if (value.year, value.month) == (today.year, today.month):
            value = today
        return value, True
    return date(y, mo, d), False


def read_date(
    text: str,
    today: date,
    *,
    earliest: date = date(1940, 1, 1),
    month_ok: bool = True,
) -> tuple[date, bool]:
    """The whole check of a typed date that has happened: `parse_date`, then not after `today`
    (error_date_future: "not yet"), not before `earliest` (error_date_old), and, where the
    question needs the day (`month_ok=False`), a month alone asks for it (error_date_need_day).
    Returns (date, month_only)."""
    value, month_only = parse_date(text, today)
    shown = text.strip()
    if month_only and not month_ok:
        params = _month_params(value.year, value.month)
        raise ParseError("error_date_need_day", text=shown, **params)
    if value > today:
        raise ParseError(
            "error_date_future", text=shown, date=value.isoformat(), today=today.isoformat()
        )
    if value < earliest:
        raise ParseError(
            "error_date_old", text=shown, date=value.isoformat(), earliest=earliest.isoformat()
        )
    return value, month_only
