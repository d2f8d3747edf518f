"""rules/diff.py: what changed between a result shown and the same answers evaluated again."""

from __future__ import annotations

import json
from datetime import date

from rules import Profile, evaluate_profile
from rules.diff import ages_now, changed_keys, diff, reassess, snapshot, whole_years
from rules.evaluator import statuses

ASSG_AT_40 = Profile(
    as_of=date(2026, 1, 10), age=40, nationality="US", born_overseas=True,
    parent_hk_permanent_resident=True, education="bachelor", good_english=True,
    self_supporting=True,
)  # fmt: skip


def test_whole_years_and_the_ages_a_person_may_be():
    assert whole_years(date(2026, 1, 10), date(2026, 1, 10)) == (0, False)
    assert whole_years(date(2026, 1, 10), date(2026, 1, 11)) == (0, True)
    assert whole_years(date(2026, 1, 10), date(2027, 1, 10)) == (1, False)
    assert whole_years(date(2024, 2, 29), date(2025, 2, 28)) == (0, True)
    assert whole_years(date(2024, 2, 29), date(2025, 3, 1)) == (1, False)
    assert ages_now(40, date(2026, 1, 10), date(2026, 1, 10)) == (40,)
    assert ages_now(40, date(2026, 1, 10), date(2026, 6, 1)) == (40, 41)
    assert ages_now(40, date(2026, 1, 10), date(2028, 1, 10)) == (42,)
    assert ages_now(None, date(2026, 1, 10), date(2028, 1, 10)) == ()


def test_snapshot_is_json_and_the_same_answers_give_no_change():
    ev = evaluate_profile(ASSG_AT_40)
    snap = json.loads(json.dumps(snapshot(ev)))
    assert snap["statuses"]["ASSG"] == "match"
    assert set(snap["statuses"]) == set(statuses(ASSG_AT_40))
    assert diff(snap, ev) == []
    assert changed_keys(snap, ASSG_AT_40, ASSG_AT_40.as_of, ASSG_AT_40.as_of) == {}


def test_an_age_that_may_have_passed_the_limit_is_no_false_hope():
    snap = snapshot(evaluate_profile(ASSG_AT_40))
    # Five months on, the person is 40 or 41: each result takes the worse of the two.
    later = reassess(ASSG_AT_40, ASSG_AT_40.as_of, date(2026, 6, 1))
    assert later.as_of == date(2026, 6, 1)
    (assg,) = [c for c in diff(snap, later) if c.scheme == "ASSG"]
    assert (assg.old, assg.new, assg.worse) == ("match", "no_match", True)
    assert assg.criteria == ("age",)
    assert "18 to 40" in assg.reasons[0]
    assert changed_keys(snap, ASSG_AT_40, ASSG_AT_40.as_of, date(2026, 6, 1))["ASSG"] == "no_match"
    # The same day the answers were given, nothing moved.
    assert [c for c in diff(snap, reassess(ASSG_AT_40, ASSG_AT_40.as_of, ASSG_AT_40.as_of))] == []


def test_a_closed_iang_window_is_a_change_with_the_evaluators_reason():
    grad = Profile(as_of=date(2026, 5, 1), age=24, nationality="US", education="master",
                   hk_degree=True, graduated_on=date(2026, 4, 1), criminal_record=False,
                   iang_granted=False)  # fmt: skip
    snap = snapshot(evaluate_profile(grad, "zh-hant"))
    assert snap["statuses"]["IANG:fresh"] == "match"
    later = reassess(grad, grad.as_of, date(2026, 12, 2), "zh-hant")
    changes = {c.key: c for c in diff(snap, later)}
    fresh = changes["IANG:fresh"]
    assert fresh.worse and fresh.new == "no_match"
    assert fresh.reasons and all("\u4e00" <= ch <= "\u9fff" for ch in fresh.reasons[0][:2])


def test_a_better_result_names_what_is_now_met():
    poor = Profile(as_of=date(2026, 5, 1), age=35, nationality="US", criminal_record=False,
                   annual_income_hkd=1_000_000)  # fmt: skip
    snap = snapshot(evaluate_profile(poor))
    rich = poor.model_copy(update={"annual_income_hkd": 2_600_000})
    (ttps_a,) = [c for c in diff(snap, evaluate_profile(rich)) if c.key == "TTPS:A"]
    assert not ttps_a.worse and ttps_a.new == "match"
    assert ttps_a.criteria == ("income",)
