"""Each predicate on its own: (met, key) for representative profiles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules import predicates as pr
from rules.profile import Profile

AS_OF = date(2026, 11, 25)
NAT = {
    "excluded": frozenset({"AF"}),
    "ugc_countries": frozenset({"LA"}),
    "ugc_gba": True,
    "ugc_key": "ugc",
    "cn_rule": "open",
}


def P(**fields: Any) -> Profile:
    return Profile(as_of=AS_OF, **fields)


def test_registry_names_every_predicate() -> None:
    assert {"nationality_eligible", "qmas_points", "iang_qualification", "at_least"} <= set(
        pr.PREDICATES
    )


@pytest.mark.parametrize(
    ("fields", "rule", "expected"),
    [
        ({}, "open", (None, "unknown")),
        ({"nationality": "HK"}, "open", (False, "not_met.hk")),
        ({"nationality": "AF"}, "open", (False, "not_met.excluded")),
        ({"nationality": "CN", "mainland_resident": True}, "open", (True, "met")),
        ({"nationality": "CN", "mainland_resident": True}, "overseas", (False, "not_met.mainland")),
        ({"nationality": "CN", "months_lived_overseas": 12}, "overseas", (True, "met")),
        (
            {
                "nationality": "CN",
                "overseas_permanent_residence": False,
                "months_lived_overseas": 3,
            },
            "overseas",
            (False, "not_met.cn_overseas"),
        ),
        ({"nationality": "CN"}, "overseas", (None, "unknown.cn_overseas")),
        ({"nationality": "CN"}, "overseas_pr", (None, "unknown.cn_pr")),
        (
            {"nationality": "CN", "overseas_permanent_residence": False},
            "overseas_pr",
            (False, "not_met.cn_pr"),
        ),
        ({"nationality": "LA", "hk_degree_ugc_funded": True}, "open", (True, "met.ugc")),
        (
            {"nationality": "LA", "hk_degree": True, "hk_degree_ugc_funded": False},
            "open",
            (False, "not_met.ugc"),
        ),
        ({"nationality": "LA", "hk_degree": True}, "open", (None, "unknown.ugc")),
        ({"nationality": "TW"}, "overseas_pr", (True, "met")),
    ],
)
def test_nationality_eligible(fields: dict[str, Any], rule: str, expected: tuple) -> None:
    assert pr.nationality_eligible(P(**fields), {**NAT, "cn_rule": rule}) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"nationality": "CN", "mainland_resident": True}, (True, "met")),
        ({"nationality": "CN", "mainland_resident": False}, (False, "not_met.overseas")),
        ({"nationality": "CN"}, (None, "unknown.cn")),
        ({"nationality": "US"}, (False, "not_met.not_cn")),
        ({"nationality": "HK"}, (False, "not_met.hk")),
    ],
)
def test_mainland_resident_only(fields: dict[str, Any], expected: tuple) -> None:
    assert pr.mainland_resident_only(P(**fields), {}) == expected


def test_nationality_in_list() -> None:
    args = {"partners": frozenset({"NZ", "SE"}), "partners_unconfirmed": frozenset({"SE"})}
    assert pr.nationality_in_list(P(nationality="NZ"), args) == (True, "met")
    assert pr.nationality_in_list(P(nationality="SE"), args) == (True, "met.unconfirmed")
    assert pr.nationality_in_list(P(nationality="US"), args) == (False, "not_met")


@pytest.mark.parametrize(
    ("age", "expected"),
    [(None, None), (17, False), (18, True), (40, True), (41, False)],
)
def test_age_between(age: int | None, expected: bool | None) -> None:
    assert pr.age_between(P(age=age), {"min_age": 18, "max_age": 40})[0] is expected


def test_at_least_and_below() -> None:
    a = {"field": "annual_income_hkd", "min": 2_500_000}
    assert pr.at_least(P(annual_income_hkd=2_500_000), a)[0] is True
    assert pr.at_least(P(annual_income_hkd=2_499_999.99), a)[0] is False
    assert pr.at_least(P(), a)[0] is None
    b = {"field": "work_experience_years", "max": 3}
    assert pr.below(P(work_experience_years=2.99), b)[0] is True
    assert pr.below(P(work_experience_years=3), b)[0] is False


@pytest.mark.parametrize(
    ("edu", "expected"),
    [
        (None, (None, "unknown")),
        ("secondary", (None, "unknown.special_case")),
        ("sub_degree", (None, "unknown.special_case")),
        ("bachelor", (True, "met")),
        ("doctorate", (True, "met")),
    ],
)
def test_degree_normally(edu: str | None, expected: tuple) -> None:
    assert pr.degree_normally(P(education=edu), {}) == expected


def test_chinese_or_english_and_job_offer() -> None:
    assert pr.chinese_or_english(P(good_chinese=True), {})[0] is True
    assert pr.chinese_or_english(P(good_chinese=False), {})[0] is None
    assert pr.chinese_or_english(P(good_chinese=False, good_english=False), {})[0] is False
    assert pr.relevant_job_offer(P(job_offer=False, job_offer_relevant=True), {}) == (
        None,
        "unknown.no_offer",
    )
    assert pr.relevant_job_offer(P(job_offer=True, job_offer_relevant=False), {})[0] is False


def test_dates() -> None:
    a = {"field": "graduated_on", "months": 6, "as_of": AS_OF}
    assert pr.date_within_months(P(graduated_on=date(2026, 5, 25)), a)[0] is True
    assert pr.date_within_months(P(graduated_on=date(2026, 5, 24)), a)[0] is False
    assert pr.date_beyond_months(P(graduated_on=date(2026, 5, 25)), a)[0] is False
    assert pr.date_beyond_months(P(graduated_on=date(2026, 5, 24)), a)[0] is True
    assert pr.date_within_months(P(), a)[0] is None


def test_degrees() -> None:
    assert pr.eligible_bachelor(P(education="sub_degree"), {}) == (False, "not_met.no_degree")
    assert pr.eligible_bachelor(P(education="master"), {})[0] is None
    assert pr.bachelor_not_from_hong_kong(P(hk_degree=False), {})[0] is True
    assert pr.bachelor_not_from_hong_kong(P(hk_degree=True), {})[0] is None
    assert pr.bachelor_not_from_hong_kong(P(bachelor_in_hong_kong=True), {})[0] is False
    assert pr.stem_degree(P(stem_degree=True, education="bachelor"), {})[0] is True
    assert pr.stem_degree(P(stem_degree=True), {})[0] is None
    assert pr.stem_degree(P(stem_degree=True, education="secondary"), {})[0] is False


@pytest.mark.parametrize(
    ("fields", "pilot", "expected"),
    [
        ({"hk_degree": True}, False, (True, "met")),
        ({"hk_degree": False, "gba_campus_degree": True}, True, (True, "met.gba")),
        ({"hk_degree": False, "gba_campus_degree": True}, None, (None, "unknown.gba_pilot")),
        (
            {"hk_degree": False, "gba_campus_degree": True},
            False,
            (False, "not_met.gba_not_in_force"),
        ),
        ({"hk_degree": False, "gba_campus_degree": False}, True, (False, "not_met")),
        ({"hk_degree": False}, False, (False, "not_met")),
        ({"hk_degree": False}, True, (None, "unknown")),
        ({}, True, (None, "unknown")),
    ],
)
def test_iang_qualification(fields: dict[str, Any], pilot: bool | None, expected: tuple) -> None:
    assert pr.iang_qualification(P(**fields), {"gba_pilot": pilot}) == expected


def test_techtas_predicates() -> None:
    a = {"min": 1}
    assert pr.experience_for_bachelor(P(education="master"), a) == (True, "met.postgraduate")
    assert pr.experience_for_bachelor(P(education="bachelor", work_experience_years=1), a)[0]
    assert (
        pr.experience_for_bachelor(P(education="bachelor", work_experience_years=0.9), a)[0]
        is False
    )
    assert pr.employer_quota(P(job_offer=False), {}) == (False, "not_met.no_offer")
    assert pr.employer_quota(P(job_offer=True), {})[0] is None


def test_gpt_items_and_points() -> None:
    p = P(
        age=30,
        education="master",
        postgraduate_from_eligible_university=True,
        stem_degree=False,
        good_english=True,
        good_chinese=True,
    )
    items = pr.gpt_items(p)
    assert items["age"] and items["postgraduate"] and items["two_languages"] and items["english"]
    assert items["postgraduate_stem"] is False
    assert items["income_1m"] is None
    assert pr.qmas_points(p, {"min_items": 6}) == (None, "unknown")
    assert pr.qmas_points(p, {"min_items": None}) == (None, "unknown.old_scale")
    assert pr.qmas_points(P(exceptional_achievement=True), {"min_items": None}) == (
        True,
        "met.achievement",
    )
    assert pr.qmas_points(
        P(
            annual_income_hkd=1_000_000,
            age=30,
            good_english=True,
            good_chinese=True,
            owns_listed_company=True,
            work_experience_years=5,
        ),
        {"min_items": 6},
    ) == (True, "met")
    few = P(
        age=60,
        education="bachelor",
        good_english=False,
        good_chinese=True,
        other_languages=0,
        work_experience_years=1,
        renowned_company_years=0,
        tech_finance_trade_years=0,
        international_work_years=0,
        annual_income_hkd=0,
        business_profit_hkd=0,
        owns_listed_company=False,
    )
    assert pr.qmas_points(few, {"min_items": 6}) == (None, "unknown.achievement")
    assert pr.qmas_points(
        few.model_copy(update={"exceptional_achievement": False}), {"min_items": 6}
    ) == (False, "not_met")
