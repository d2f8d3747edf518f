"""The opening question's goal decides what the result leads with, and hides nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.views import visible_text
from bot.views.result import ResultInput, result_view
from rules import evaluate_profile
from rules.gaps import gaps
from rules.profile import Profile

CASE = Path(__file__).resolve().parents[1] / "cases" / "ttps_a_high_earner.yaml"


def _lines(goal: str | None) -> list[str]:
    raw = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    profile = Profile.model_validate({"as_of": raw["as_of"], **raw["profile"]}, strict=False)
    inp = ResultInput(
        evaluate_profile(profile, "en"), "en", gaps=gaps(profile), goal=goal
    )
    return visible_text(result_view(inp)).splitlines()


def _first_match(lines: list[str]) -> str:
    start = lines.index("✅ Schemes that fit you")
    return next(ln for ln in lines[start + 1 :] if " — " in ln).split(" — ")[0]


def test_the_goal_orders_the_matches_and_hides_none() -> None:
    # this persona matches both QMAS and TTPS A
    assert _first_match(_lines("find_work")).startswith("TTPS")
    assert _first_match(_lines("invest")).startswith("QMAS")
    for goal in (None, "find_work", "invest", "holiday"):
        shown = "\n".join(_lines(goal))
        assert "QMAS — " in shown and "TTPS A — " in shown, goal
