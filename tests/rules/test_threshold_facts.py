"""Threshold facts: a yes/no answer to "at least N?" for a number field (the questionnaire's
checklists ask them: "income of HK$1 million or more"). The rules read the number where it is
known, otherwise these; a profile holding the facts instead of the figures is assessed alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from rules import Profile, evaluate_profile
from rules.profile import FLAGS_OF, THRESHOLD_FLAGS, number_at_least, threshold_facts

CASES = Path(__file__).resolve().parents[1] / "cases"
AS_OF = date(2026, 11, 25)


def _p(**kw) -> Profile:
    return Profile(as_of=AS_OF, **kw)


def test_the_number_wins_where_it_is_known() -> None:
    p = _p(annual_income_hkd=900_000, income_at_least_1m=True)
    assert number_at_least(p, "annual_income_hkd", 1_000_000) is False


def test_a_fact_answers_the_thresholds_it_implies() -> None:
    high = _p(income_at_least_2_5m=True)
    assert number_at_least(high, "annual_income_hkd", 2_500_000) is True
    assert number_at_least(high, "annual_income_hkd", 1_000_000) is True
    assert number_at_least(high, "annual_income_hkd", 3_000_000) is None
    low = _p(income_at_least_1m=False)
    assert number_at_least(low, "annual_income_hkd", 2_500_000) is False
    assert number_at_least(low, "annual_income_hkd", 500_000) is None
    # yes to the higher threshold wins over a no to the lower one (a slip in a checklist)
    both = _p(income_at_least_2_5m=True, income_at_least_1m=False)
    assert number_at_least(both, "annual_income_hkd", 1_000_000) is True
    assert number_at_least(_p(), "annual_income_hkd", 1_000_000) is None


def test_every_fact_names_a_number_field_of_the_profile() -> None:
    for flag, (number, threshold) in THRESHOLD_FLAGS.items():
        assert Profile.model_fields[flag].annotation == (bool | None)
        assert number in Profile.model_fields and threshold > 0
        assert (flag, threshold) in FLAGS_OF[number]


def test_ttps_a_and_new_cies_read_the_facts() -> None:
    def status(p: Profile, scheme: str, category: str | None = None) -> str:
        ev = evaluate_profile(p)
        return next(r.status for r in ev.results if r.scheme == scheme and r.category == category)

    base = {"nationality": "GB", "age": 40}
    assert status(_p(**base, income_at_least_2_5m=True), "TTPS", "A") == "match"
    assert status(_p(**base, income_at_least_2_5m=False), "TTPS", "A") == "near_miss"
    assert status(_p(**base), "TTPS", "A") == "possible"
    rich = _p(**base, net_assets_at_least_30m=True, investment_hkd=30_000_000)
    assert status(rich, "CIES") == "match"
    assert status(_p(**base, net_assets_at_least_30m=False), "CIES") in ("near_miss", "no_match")


def _cases() -> list[tuple[str, date, dict]]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((path.stem, raw["as_of"], dict(raw["profile"])))
    return out


@pytest.mark.parametrize(("name", "as_of", "data"), _cases(), ids=[c[0] for c in _cases()])
def test_facts_instead_of_figures_give_the_same_statuses(name: str, as_of: date, data: dict) -> None:
    """Every persona case with its figures replaced by the threshold facts they answer (as a
    person ticking the checklists would give them): the same status for every scheme."""
    figures = Profile.model_validate({**data, "as_of": as_of})
    numbers = {number for number, _t in THRESHOLD_FLAGS.values()}
    facts = {k: v for k, v in data.items() if k not in numbers}
    facts.update(threshold_facts(figures))
    ticked = Profile.model_validate({**facts, "as_of": as_of})

    def statuses(p: Profile) -> dict[str, str]:
        return {f"{r.scheme}/{r.category}": r.status for r in evaluate_profile(p).results}

    assert statuses(ticked) == statuses(figures)
