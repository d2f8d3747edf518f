"""Every threshold, on both sides of its boundary."""

from __future__ import annotations

import pytest

from tests.rules.helpers import (
    ASSG_OK,
    CIES_OK,
    IANG_OK,
    QMAS_OK,
    TECHTAS_OK,
    criterion,
    failed,
    result,
)

TTPS_A = dict(nationality="US")


# --- TTPS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "status"), [(2_500_000, "match"), (2_499_999, "near_miss"), (9_000_000, "match")]
)
def test_ttps_a_income_boundary(income: int, status: str) -> None:
    res = result("TTPS/A", annual_income_hkd=income, **TTPS_A)
    assert res.status == status
    assert criterion(res, "income") is (income >= 2_500_000)
    if status == "near_miss":
        assert [m.criterion for m in res.missing] == ["income"]
        assert "2,500,000" in res.missing[0].text


TTPS_B = dict(
    nationality="GB",
    bachelor_from_eligible_university=True,
    bachelor_full_time=True,
    education="bachelor",
)


@pytest.mark.parametrize(("years", "met"), [(3, True), (3.0, True), (2.9, False), (5, True)])
def test_ttps_b_recent_work_boundary(years: float, met: bool) -> None:
    res = result("TTPS/B", recent_work_years=years, **TTPS_B)
    assert criterion(res, "recent_work") is met
    assert res.status == ("match" if met else "near_miss")


def test_ttps_b_needs_an_eligible_bachelor() -> None:
    res = result(
        "TTPS/B", nationality="GB", bachelor_from_eligible_university=False, recent_work_years=4
    )
    assert res.status == "no_match"
    assert failed(res) == {"eligible_bachelor"}
    # no degree at all: the eligible-bachelor criterion fails even without the flag
    res = result("TTPS/B", nationality="GB", education="sub_degree", recent_work_years=4)
    assert criterion(res, "eligible_bachelor") is False


TTPS_C = dict(
    nationality="IN",
    education="bachelor",
    bachelor_from_eligible_university=True,
    bachelor_full_time=True,
    work_experience_years=1,
    bachelor_in_hong_kong=False,
)


@pytest.mark.parametrize(
    ("awarded", "as_of", "met"),
    [
        ("2021-11-25", "2026-11-25", True),  # exactly 5 years: included
        ("2021-11-24", "2026-11-25", False),  # 5 years and a day
        ("2021-02-28", "2026-02-28", True),
        ("2020-02-29", "2025-02-28", True),  # 29 Feb + 5 years clamps to 28 Feb
        ("2020-02-29", "2025-03-01", False),
    ],
)
def test_ttps_c_five_years_since_bachelor(awarded: str, as_of: str, met: bool) -> None:
    res = result("TTPS/C", as_of=as_of, bachelor_awarded_on=awarded, **TTPS_C)
    assert criterion(res, "degree_recent") is met
    assert res.status == ("match" if met else "no_match")  # time cannot be changed


def test_ttps_c_apply_by_is_five_years_after_the_degree() -> None:
    res = result("TTPS/C", bachelor_awarded_on="2022-08-31", **TTPS_C)
    assert res.apply_by is not None and res.apply_by.isoformat() == "2027-08-31"


@pytest.mark.parametrize(("years", "met"), [(2.9, True), (0, True), (3, False), (3.5, False)])
def test_ttps_c_less_than_three_years_work(years: float, met: bool) -> None:
    fields = {**TTPS_C, "work_experience_years": years}
    res = result("TTPS/C", bachelor_awarded_on="2024-06-30", **fields)
    assert criterion(res, "little_work") is met
    assert res.status == ("match" if met else "no_match")


def test_ttps_c_excludes_hong_kong_bachelors() -> None:
    fields = {**TTPS_C, "bachelor_in_hong_kong": True, "hk_degree": True}
    res = result("TTPS/C", bachelor_awarded_on="2024-06-30", **fields)
    assert res.status == "no_match"
    assert failed(res) == {"not_hk_bachelor"}
    assert "IANG" in res.missing[0].text
    # a Hong Kong postgraduate degree on top of an overseas bachelor's does not exclude
    fields = {**TTPS_C, "bachelor_in_hong_kong": False, "hk_degree": True}
    assert result("TTPS/C", bachelor_awarded_on="2024-06-30", **fields).status == "match"
    # no Hong Kong degree at all: the exclusion cannot apply
    fields = {k: v for k, v in TTPS_C.items() if k != "bachelor_in_hong_kong"}
    res = result("TTPS/C", bachelor_awarded_on="2024-06-30", hk_degree=False, **fields)
    assert criterion(res, "not_hk_bachelor") is True


# --- IANG ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graduated", "as_of", "fresh"),
    [
        ("2026-05-25", "2026-11-25", True),  # exactly six months
        ("2026-05-24", "2026-11-25", False),  # six months and a day
        ("2025-08-31", "2026-02-28", True),  # month end clamps
        ("2025-08-31", "2026-03-01", False),
        ("2026-11-25", "2026-11-25", True),  # graduated today
    ],
)
def test_iang_six_months(graduated: str, as_of: str, fresh: bool) -> None:
    res = result("IANG/fresh", as_of=as_of, graduated_on=graduated, **IANG_OK)
    assert criterion(res, "within_six_months") is fresh
    assert res.status == ("match" if fresh else "no_match")
    ret = result(
        "IANG/returning",
        as_of=as_of,
        graduated_on=graduated,
        job_offer=True,
        job_offer_relevant=True,
        **IANG_OK,
    )
    assert criterion(ret, "after_six_months") is (not fresh)
    assert ret.status == ("no_match" if fresh else "match")


def test_iang_fresh_apply_by() -> None:
    res = result("IANG/fresh", as_of="2025-12-01", graduated_on="2025-08-31", **IANG_OK)
    assert res.apply_by is not None and res.apply_by.isoformat() == "2026-02-28"


def test_iang_returning_needs_a_job_offer() -> None:
    res = result("IANG/returning", graduated_on="2020-06-30", job_offer=False, **IANG_OK)
    assert res.status == "near_miss"
    assert [m.criterion for m in res.missing] == ["job_offer"]
    assert res.missing[0].text == (
        "With a Hong Kong job offer you would also fit IANG (returning graduates)."
    )


def test_iang_first_stay_by_date() -> None:
    before = result("IANG/fresh", as_of="2022-06-01", graduated_on="2022-05-01", **IANG_OK)
    after = result("IANG/fresh", as_of="2023-06-01", graduated_on="2023-05-01", **IANG_OK)
    assert any("12 months" in s for s in before.next_steps)
    assert any("24 months" in s for s in after.next_steps)


def test_iang_needs_a_hong_kong_or_gba_qualification() -> None:
    res = result(
        "IANG/fresh",
        nationality="IN",
        hk_degree=False,
        gba_campus_degree=False,
        graduated_on="2026-07-01",
    )
    assert failed(res) == {"qualification"}
    gba = result(
        "IANG/fresh",
        as_of="2023-12-30",
        nationality="IN",
        hk_degree=False,
        gba_campus_degree=True,
        graduated_on="2023-07-01",
    )
    assert gba.status == "match"
    early = result(
        "IANG/fresh",
        as_of="2022-10-01",
        nationality="IN",
        hk_degree=False,
        gba_campus_degree=True,
        graduated_on="2022-07-01",
    )
    assert criterion(early, "qualification") is False


def test_iang_gba_pilot_end_is_unconfirmed() -> None:
    res = result(
        "IANG/fresh",
        as_of="2026-11-25",
        nationality="CN",
        hk_degree=False,
        gba_campus_degree=True,
        graduated_on="2026-07-01",
    )
    assert res.status == "match"
    qual = next(c for c in res.criteria if c.id == "qualification")
    assert qual.unconfirmed
    assert any("inference" in c for c in res.caveats)
    assert any("pilot" in s and "still runs" in s for s in res.next_steps)
    # after the inferred end the pilot is unknown, so the result is only possible
    later = result(
        "IANG/fresh",
        as_of="2027-03-01",
        nationality="CN",
        hk_degree=False,
        gba_campus_degree=True,
        graduated_on="2027-01-01",
    )
    assert later.status == "possible"
    # a Hong Kong degree holder is not affected by the pilot's uncertainty
    hk = result("IANG/fresh", as_of="2026-11-25", graduated_on="2026-07-01", **IANG_OK)
    assert not any(c.unconfirmed for c in hk.criteria)


# --- QMAS ----------------------------------------------------------------------------------


def _qmas_with(count: int) -> dict[str, object]:
    """QMAS_OK adjusted to meet exactly `count` of the 12 GPT items, all others known."""
    fields = dict(QMAS_OK)
    # QMAS_OK meets: age, postgraduate, postgraduate_stem, two_languages, english, work_5y = 6
    items = ["work_experience_years", "stem_degree", "age", "other_languages"]
    off = {"work_experience_years": 4, "stem_degree": False, "age": 51, "other_languages": 0}
    for name in items[: max(0, 6 - count)]:
        fields[name] = off[name]
    return fields


def test_qmas_six_of_twelve_passes_five_fails() -> None:
    six = result("QMAS", **_qmas_with(6))
    assert criterion(six, "points") is True
    assert six.status == "match"
    five = result("QMAS", **_qmas_with(5))
    assert criterion(five, "points") is False
    assert five.status == "near_miss"
    assert [m.criterion for m in five.missing] == ["points"]
    assert "You meet 5 of the 12 items" in five.missing[0].text
    assert "1 more needed" in five.missing[0].text
    # the nearest numeric item is named: 4 of 5 years of work
    assert "5 years of graduate" in five.missing[0].text


def test_qmas_achievement_test_replaces_the_points() -> None:
    fields = {**_qmas_with(2), "exceptional_achievement": True}
    res = result("QMAS", **fields)
    assert criterion(res, "points") is True


def test_qmas_points_unknown_while_items_are_open() -> None:
    fields = {k: v for k, v in _qmas_with(5).items() if k != "owns_listed_company"}
    res = result("QMAS", **fields)
    assert criterion(res, "points") is None
    assert res.status == "possible"


def test_qmas_cannot_reach_six_without_achievement_answer() -> None:
    fields = {k: v for k, v in _qmas_with(3).items() if k != "exceptional_achievement"}
    res = result("QMAS", **fields)
    assert criterion(res, "points") is None  # only the achievement test could still pass
    assert [m.criterion for m in res.missing] == ["points"]


@pytest.mark.parametrize(("age", "met"), [(18, True), (17, False), (70, True)])
def test_qmas_minimum_age(age: int, met: bool) -> None:
    res = result("QMAS", **{**QMAS_OK, "age": age})
    assert criterion(res, "age") is met


def test_qmas_age_50_is_an_item_not_a_cap() -> None:
    at_50 = result("QMAS", **{**QMAS_OK, "age": 50})
    at_51 = result("QMAS", **{**QMAS_OK, "age": 51})
    assert at_50.status == "match"
    assert criterion(at_51, "age") is True  # still eligible by age ...
    assert criterion(at_51, "points") is False  # ... but loses the age item (6 -> 5)


def test_qmas_old_scale_before_november_2024_is_possible() -> None:
    res = result("QMAS", as_of="2024-10-31", **QMAS_OK)
    assert res.status == "possible"
    assert criterion(res, "points") is None
    assert any("1 November 2024" in c for c in res.caveats)
    assert result("QMAS", as_of="2024-11-01", **QMAS_OK).status == "match"
    achiever = result("QMAS", as_of="2020-01-01", **{**QMAS_OK, "exceptional_achievement": True})
    assert achiever.status == "match"


def test_qmas_postgraduate_items_need_a_masters() -> None:
    fields = {**QMAS_OK, "education": "bachelor"}  # loses items 2 and 3 -> 4 of 12
    res = result("QMAS", **fields)
    assert criterion(res, "points") is False


def test_qmas_quota_notes_by_date() -> None:
    assert any("1,000" in s for s in result("QMAS", as_of="2010-01-01", **QMAS_OK).next_steps)
    assert any("2,000" in s for s in result("QMAS", as_of="2021-01-01", **QMAS_OK).next_steps)
    assert any("4,000" in s for s in result("QMAS", as_of="2022-01-01", **QMAS_OK).next_steps)
    assert any("suspended" in s for s in result("QMAS", as_of="2024-01-01", **QMAS_OK).next_steps)
    assert any("abolished" in s for s in result("QMAS", **QMAS_OK).next_steps)


# --- Ages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "met"), [(17, False), (18, True), (40, True), (41, False)])
def test_assg_age_18_to_40(age: int, met: bool) -> None:
    res = result("ASSG", **{**ASSG_OK, "age": age})
    assert criterion(res, "age") is met
    assert res.status == ("match" if met else "no_match")


@pytest.mark.parametrize(("age", "met"), [(17, False), (18, True), (30, True), (31, False)])
def test_whs_age_18_to_30(age: int, met: bool) -> None:
    res = result("WHS", nationality="NZ", age=age)
    assert criterion(res, "age") is met
    assert any("own age range" in c for c in res.caveats)


@pytest.mark.parametrize(("age", "met"), [(17, False), (18, True)])
def test_cies_minimum_age(age: int, met: bool) -> None:
    assert criterion(result("CIES", **{**CIES_OK, "age": age}), "age") is met


# --- CIES ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assets", "invest", "status"),
    [
        (30_000_000, 30_000_000, "match"),
        (29_999_999, 30_000_000, "near_miss"),
        (30_000_000, 29_999_999, "near_miss"),
        (29_999_999, 29_999_999, "no_match"),
    ],
)
def test_cies_thirty_million(assets: int, invest: int, status: str) -> None:
    fields = {**CIES_OK, "net_assets_hkd": assets, "investment_hkd": invest}
    assert result("CIES", **fields).status == status


def test_cies_net_asset_lookback_by_date() -> None:
    early = result("CIES", as_of="2025-02-28", **CIES_OK)
    late = result("CIES", as_of="2025-03-01", **CIES_OK)
    assert "the 2 years" in next(c.text for c in early.criteria if c.id == "net_assets")
    assert "the 6 months" in next(c.text for c in late.criteria if c.id == "net_assets")


def test_cies_real_estate_rules_by_date() -> None:
    def steps(as_of: str) -> str:
        return " ".join(result("CIES", as_of=as_of, **CIES_OK).next_steps)

    assert "only non-residential" in steps("2024-10-15")
    assert "HK$50,000,000" in steps("2024-10-16")
    assert "HK$30,000,000 counts up to HK$10,000,000" in steps("2025-09-17")
    assert "HK$50,000,000" not in steps("2025-09-17")


# --- TechTAS -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "years", "met"),
    [
        ("bachelor", 1, True),
        ("bachelor", 0.9, False),
        ("master", 0, True),
        ("doctorate", None, True),
        ("bachelor", None, None),
    ],
)
def test_techtas_bachelor_needs_one_year(
    education: str, years: float | None, met: bool | None
) -> None:
    fields = {**TECHTAS_OK, "education": education}
    if years is not None:
        fields["work_experience_years"] = years
    res = result("TECHTAS", **fields)
    assert criterion(res, "experience") is met
    assert any("2018 design" in c for c in res.caveats)


def test_techtas_needs_a_stem_degree_and_a_quota() -> None:
    assert result("TECHTAS", **{**TECHTAS_OK, "stem_degree": False}).status == "no_match"
    res = result("TECHTAS", **{**TECHTAS_OK, "employer_techtas_quota": False})
    assert res.status == "near_miss"
    assert failed(res) == {"employer_quota"}
    sub = result("TECHTAS", **{**TECHTAS_OK, "education": "sub_degree"})
    assert criterion(sub, "stem_degree") is False


def test_techtas_area_rule_changes_on_24_december_2025() -> None:
    before = " ".join(result("TECHTAS", as_of="2025-12-23", **TECHTAS_OK).next_steps)
    after = " ".join(result("TECHTAS", as_of="2025-12-24", **TECHTAS_OK).next_steps)
    assert "designated technology areas" in before
    assert "need not be in the designated areas" in after


# --- GEP details ---------------------------------------------------------------------------


def test_gep_salary_two_million_note() -> None:
    from tests.rules.helpers import GEP_OK

    rich = result("GEP", offer_salary_hkd=2_000_000, **GEP_OK)
    poor = result("GEP", offer_salary_hkd=1_999_999, **GEP_OK)
    assert any("HK$2,000,000" in s for s in rich.next_steps)
    assert not any("HK$2,000,000" in s for s in poor.next_steps)
    old = result("GEP", as_of="2022-01-01", offer_salary_hkd=3_000_000, **GEP_OK)
    assert not any("HK$2,000,000" in s for s in old.next_steps)


def test_gep_first_stay_by_date() -> None:
    from tests.rules.helpers import GEP_OK

    assert any("3+3+2" in s for s in result("GEP", **GEP_OK).next_steps)
    assert any("2+3+3" in s for s in result("GEP", as_of="2022-12-27", **GEP_OK).next_steps)


def test_fees_change_on_26_february_2025() -> None:
    from tests.rules.helpers import GEP_OK

    before = " ".join(result("GEP", as_of="2025-02-25", **GEP_OK).next_steps)
    after = " ".join(result("GEP", as_of="2025-02-26", **GEP_OK).next_steps)
    assert "HK$230" in before and "HK$600" not in before
    assert "HK$600" in after and "HK$1,300" in after


def test_ttps_a_first_visa_by_date() -> None:
    before = result("TTPS/A", as_of="2024-10-15", annual_income_hkd=3e6, **TTPS_A)
    after = result("TTPS/A", as_of="2024-10-16", annual_income_hkd=3e6, **TTPS_A)
    assert "First visa: 24 months." in before.next_steps
    assert any("3 years" in s for s in after.next_steps)
