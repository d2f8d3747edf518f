"""Calendar arithmetic for the rules: "within N months" as the contract defines it.

A month is a calendar month, not 30 days. Adding months to a month-end date clamps to the end of
the shorter month (2025-08-31 + 6 months = 2026-02-28), and the boundary day itself is inside
the window.
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months (negative moves back), clamped to month end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February clamps to 28 February."""
    return add_months(day, 12 * years)


def within_months(event: date, as_of: date, months: int) -> bool:
    """True when `as_of` is no later than `months` calendar months after `event` (inclusive).

    An `event` after `as_of` is not "within" (it has not happened yet).
    """
    return event <= as_of <= add_months(event, months)


def deadline(event: date, months: int) -> date:
    """The last day of a window of `months` calendar months starting at `event`."""
    return add_months(event, months)
