"""fields_that_matter: which unanswered questions could still change some scheme's status."""

from __future__ import annotations

import time

from rules import PROFILE_FIELDS, evaluate_profile, fields_that_matter
from tests.rules.helpers import GEP_OK, profile


def test_empty_profile_needs_the_basic_questions() -> None:
    wanted = fields_that_matter(profile())
    assert {"nationality", "age", "education", "job_offer", "annual_income_hkd"} <= wanted
    assert wanted <= set(PROFILE_FIELDS)


def test_only_unanswered_fields_are_returned() -> None:
    p = profile(nationality="US", age=30)
    wanted = fields_that_matter(p)
    assert "nationality" not in wanted and "age" not in wanted


def test_hong_kong_nationals_need_nothing_more() -> None:
    assert fields_that_matter(profile(nationality="HK")) == frozenset()


def test_no_match_schemes_do_not_ask() -> None:
    # An Afghan national: only WHS (not a partner) and ASMTP (not CN) are left, both no_match;
    # nothing can change any status.
    assert fields_that_matter(profile(nationality="AF")) == frozenset()


def test_mainland_questions_only_for_chinese_nationals() -> None:
    assert "mainland_resident" in fields_that_matter(profile(nationality="CN"))
    assert "mainland_resident" not in fields_that_matter(profile(nationality="US"))
    assert "months_lived_overseas" not in fields_that_matter(profile(nationality="US"))


def test_ugc_question_only_for_lao_and_nepalese_graduates() -> None:
    assert "hk_degree_ugc_funded" in fields_that_matter(profile(nationality="LA", hk_degree=True))
    assert "hk_degree_ugc_funded" not in fields_that_matter(
        profile(nationality="US", hk_degree=True)
    )


def test_relevance_is_not_asked_without_an_offer() -> None:
    wanted = fields_that_matter(profile(nationality="US", job_offer=False))
    assert "job_offer_relevant" not in wanted
    assert "job_offer_relevant" in fields_that_matter(profile(nationality="US", job_offer=True))


def test_whs_age_is_asked_for_partner_nationals() -> None:
    assert "age" in fields_that_matter(profile(nationality="NZ"))


def test_a_complete_match_leaves_nothing_for_that_scheme() -> None:
    p = profile(**GEP_OK)
    ev = evaluate_profile(p)
    gep = next(r for r in ev.results if r.scheme == "GEP")
    assert gep.status == "match"
    wanted = fields_that_matter(p)
    assert not ({"job_offer", "job_offer_relevant", "education", "criminal_record"} & wanted)


def test_agrees_with_the_unknown_criteria_of_the_evaluation() -> None:
    """Answering every returned field can change something; answering others cannot."""
    p = profile(nationality="GB", age=29, education="bachelor", job_offer=False)
    wanted = fields_that_matter(p)
    before = {(r.scheme, r.category): r.status for r in evaluate_profile(p).results}
    unasked = set(PROFILE_FIELDS) - wanted - set(p.known())
    # employer_techtas_quota=True would contradict job_offer=False (TechTAS fails on "no offer").
    bool_fields = {n for n in unasked if Profile_field_is_bool(n)} - {"employer_techtas_quota"}
    assert len(bool_fields) >= 3
    for name in bool_fields:
        for value in (True, False):
            q = p.model_copy(update={name: value})
            after = {(r.scheme, r.category): r.status for r in evaluate_profile(q).results}
            assert after == before, name


def Profile_field_is_bool(name: str) -> bool:
    from rules import Profile

    return Profile.model_fields[name].annotation == (bool | None)


def test_fast_enough_for_every_step() -> None:
    p = profile(nationality="CN", age=30, education="master", job_offer=True)
    fields_that_matter(p)
    start = time.perf_counter()
    for _ in range(1000):
        fields_that_matter(p)
    assert (time.perf_counter() - start) / 1000 < 0.002  # generous: ~50 us in practice
