from datetime import date

import pytest

from rules.dates import add_months, add_years, deadline, within_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # month end clamps to the shorter month
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 15), 6, date(2025, 7, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 11, 30), 1, date(2025, 12, 30)),
        (date(2025, 10, 31), 13, date(2026, 11, 30)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_years_clamps_29_february() -> None:
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert add_years(date(2021, 6, 1), 5) == date(2026, 6, 1)


def test_within_months_includes_the_boundary_day() -> None:
    grad = date(2025, 8, 31)
    assert deadline(grad, 6) == date(2026, 2, 28)
    assert within_months(grad, date(2026, 2, 28), 6)
    assert not within_months(grad, date(2026, 3, 1), 6)
    assert within_months(grad, grad, 6)
    assert not within_months(grad, date(2025, 8, 30), 6)  # before the event
