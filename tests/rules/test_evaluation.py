"""Status semantics, ordering, missing texts, languages, alternatives, schemes not yet in force."""

from __future__ import annotations

from collections import Counter

import pytest

from rules import evaluate_profile
from rules.results import STATUS_ORDER
from tests.rules.helpers import (
    GEP_OK,
    IANG_OK,
    QMAS_OK,
    by_key,
    criterion,
    evaluate,
    failed,
    profile,
    result,
    unknown,
)

ALL_KEYS = {
    "GEP",
    "GEP_INVEST",
    "ASMTP",
    "QMAS",
    "TTPS/A",
    "TTPS/B",
    "TTPS/C",
    "IANG/fresh",
    "IANG/returning",
    "TECHTAS",
    "ASSG",
    "CIES",
    "WHS",
    "GEP_TPS",
    "ASMTP_TPS",
    "VPAS",
}


def test_one_result_per_scheme_and_category_whatever_the_status() -> None:
    for fields in ({}, {"nationality": "HK"}, GEP_OK, QMAS_OK):
        ev = evaluate(**fields)
        keys = [f"{r.scheme}/{r.category}" if r.category else r.scheme for r in ev.results]
        assert Counter(keys) == Counter(ALL_KEYS)


def test_results_are_sorted_by_status_then_catalogue_order() -> None:
    ev = evaluate(**GEP_OK, annual_income_hkd=3e6, age=30)
    ranks = [STATUS_ORDER[r.status] for r in ev.results]
    assert ranks == sorted(ranks)
    order = ["GEP", "GEP_INVEST", "ASMTP", "QMAS", "TTPS", "IANG", "TECHTAS", "ASSG", "CIES", "WHS",
             "GEP_TPS", "ASMTP_TPS", "VPAS"]  # fmt: skip
    for status in STATUS_ORDER:
        ids = [order.index(r.scheme) for r in ev.results if r.status == status]
        assert ids == sorted(ids)
    assert ev.results[0].status == "match"


def test_match_means_every_criterion_known_and_met() -> None:
    res = result("GEP", **GEP_OK)
    assert res.status == "match"
    assert all(c.met is True for c in res.criteria)
    assert res.missing == []


def test_possible_lists_what_to_confirm() -> None:
    res = result("GEP", nationality="US", job_offer=True)
    assert res.status == "possible"
    assert (
        {m.criterion for m in res.missing}
        == unknown(res)
        == {"not_iang_graduate", "job_offer_relevant", "education", "criminal_record"}
    )


def test_near_miss_is_one_changeable_failure() -> None:
    res = result("GEP", **{**GEP_OK, "job_offer": False})
    assert res.status == "near_miss"
    assert [m.criterion for m in res.missing] == ["job_offer"]
    assert res.missing[0].text.startswith("With a job offer from a Hong Kong employer")
    assert res.missing[0].text.endswith("you would also fit GEP.")
    zh = result("GEP", lang="zh-hant", **{**GEP_OK, "job_offer": False})
    assert "一般就業政策（專業人士）" in zh.missing[0].text


def test_one_unchangeable_failure_is_no_match() -> None:
    res = result("GEP", **{**GEP_OK, "criminal_record": True})
    assert res.status == "no_match"
    assert [m.criterion for m in res.missing] == ["criminal_record"]


def test_two_failures_are_no_match_and_both_listed() -> None:
    res = result("GEP", **{**GEP_OK, "job_offer": False, "criminal_record": True})
    assert res.status == "no_match"
    assert {m.criterion for m in res.missing} == {"job_offer", "criminal_record"}


def test_near_miss_allows_other_unknowns() -> None:
    res = result("TTPS/A", nationality="US", annual_income_hkd=1_000_000)
    assert res.status == "near_miss"
    res = result("TTPS/A", annual_income_hkd=1_000_000)  # nationality unknown
    assert res.status == "near_miss"


def test_education_below_degree_is_a_special_case_not_a_failure() -> None:
    for edu in ("secondary", "sub_degree"):
        res = result("GEP", **{**GEP_OK, "education": edu})
        assert res.status == "possible"
        assert criterion(res, "education") is None
        text = next(c.text for c in res.criteria if c.id == "education")
        assert "special cases" in text


def test_job_offer_relevance_is_unknown_without_an_offer() -> None:
    res = result("GEP", **{**GEP_OK, "job_offer": False, "job_offer_relevant": False})
    assert criterion(res, "job_offer_relevant") is None
    assert res.status == "near_miss"


@pytest.mark.parametrize(
    ("key", "as_of", "start"),
    [
        ("QMAS", "2006-06-27", "28 June 2006"),
        ("TTPS/A", "2022-12-27", "28 December 2022"),
        ("TTPS/C", "2022-12-27", "28 December 2022"),
        ("ASSG", "2015-05-03", "4 May 2015"),
        ("CIES", "2024-02-29", "1 March 2024"),
    ],
)
def test_schemes_before_they_existed(key: str, as_of: str, start: str) -> None:
    res = result(
        key,
        as_of=as_of,
        nationality="US",
        age=30,
        annual_income_hkd=9e6,
        net_assets_hkd=1e8,
        investment_hkd=1e8,
    )
    assert res.status == "no_match"
    assert [c.id for c in res.criteria] == ["in_force"]
    assert res.missing[0].criterion == "in_force"
    assert "Not yet in force" in res.missing[0].text and start in res.missing[0].text
    assert res.next_steps == []


def test_schemes_on_their_first_day() -> None:
    assert (
        result("TTPS/A", as_of="2022-12-28", nationality="US", annual_income_hkd=3e6).status
        == "match"
    )
    assert (
        result(
            "CIES",
            as_of="2024-03-01",
            nationality="US",
            age=40,
            net_assets_hkd=3e7,
            investment_hkd=3e7,
        ).status
        == "match"
    )


def test_techtas_start_is_known_only_to_the_month() -> None:
    from tests.rules.helpers import TECHTAS_OK

    may = result("TECHTAS", as_of="2018-05-31", **{**TECHTAS_OK, "nationality": "US"})
    june = result("TECHTAS", as_of="2018-06-15", **{**TECHTAS_OK, "nationality": "US"})
    july = result("TECHTAS", as_of="2018-07-01", **{**TECHTAS_OK, "nationality": "US"})
    assert may.status == "no_match"
    assert june.status == "possible"
    assert criterion(june, "in_force") is None
    assert "June 2018" in next(c.text for c in june.criteria if c.id == "in_force")
    assert july.status == "match"


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_texts_in_the_requested_language_only(lang: str) -> None:
    ev = evaluate(lang=lang, **GEP_OK)
    gep = by_key(ev)["GEP"]
    names = {
        "en": "General Employment Policy",
        "zh-hant": "一般就業政策",
        "zh-hans": "一般就业政策",
    }
    assert gep.name.startswith(names[lang])
    texts = [c.text for r in ev.results for c in r.criteria] + [ev.disclaimer]
    has_cjk = [any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts]
    assert all(has_cjk) if lang != "en" else not any(has_cjk)
    assert "{" not in " ".join(texts)  # every placeholder filled


def test_traditional_and_simplified_differ() -> None:
    hant = by_key(evaluate(lang="zh-hant", **GEP_OK))["GEP"].summary
    hans = by_key(evaluate(lang="zh-hans", **GEP_OK))["GEP"].summary
    assert hant != hans


def test_short_names_follow_the_contract() -> None:
    ev = by_key(evaluate())
    assert ev["GEP_INVEST"].short_name == "GEP (entrepreneurs)"
    assert ev["CIES"].short_name == "New CIES"
    assert ev["TECHTAS"].short_name == "TechTAS"
    assert ev["TTPS/A"].short_name == "TTPS A"


def test_alternatives_only_when_nothing_matches_or_is_possible() -> None:
    hopeless = evaluate(nationality="AF", age=25)
    assert all(r.status in ("near_miss", "no_match") for r in hopeless.results)
    joined = " ".join(hopeless.alternatives)
    assert "https://www.hkengage.gov.hk" in joined
    # VPAS and the Technical Professionals Stream are evaluated now, not alternatives.
    assert "VPAS" not in joined and "Technical Professional List" not in joined
    assert "only employers can apply" in joined
    assert "dependant" in joined.lower() and "IANG" in joined
    assert evaluate(**GEP_OK).alternatives == []


def test_disclaimer_links_immd() -> None:
    for lang in ("en", "zh-hant", "zh-hans"):
        d = evaluate(lang=lang).disclaimer
        assert "https://www.immd.gov.hk" in d
    assert "not legal advice" in evaluate().disclaimer


def test_catalogue_info_and_sources() -> None:
    ev = evaluate(**GEP_OK)
    assert ev.catalogue.checked.isoformat() == "2026-12-02"
    for r in ev.results:
        assert r.source.startswith("http")
        assert r.checked.isoformat() in ("2026-11-25", "2026-12-02")


def test_dependants_and_fees_in_next_steps() -> None:
    steps = " ".join(result("QMAS", **QMAS_OK).next_steps)
    assert "spouse" in steps and "under 18" in steps
    assert "HK$600" in steps
    whs = " ".join(result("WHS", nationality="NZ", age=25).next_steps)
    assert "no dependants" in whs and "12 months" in whs


def test_results_do_not_share_mutable_lists() -> None:
    a = result("GEP", **GEP_OK)
    a.next_steps.append("changed")
    a.caveats.append("changed")
    a.criteria.clear()
    b = result("GEP", **GEP_OK)
    assert "changed" not in b.next_steps and "changed" not in b.caveats
    assert b.criteria


def test_json_dump_has_the_contract_shape() -> None:
    data = evaluate(**IANG_OK, graduated_on="2026-07-01").model_dump(mode="json")
    assert set(data) >= {"as_of", "catalogue", "results"}
    assert set(data["catalogue"]) == {"version", "checked"}
    for r in data["results"]:
        assert set(r) >= {
            "scheme",
            "category",
            "status",
            "criteria",
            "missing",
            "source",
            "checked",
        }
        for c in r["criteria"]:
            assert set(c) >= {"id", "met", "text"}
        for m in r["missing"]:
            assert set(m) == {"criterion", "text"}
    fresh = next(r for r in data["results"] if r["category"] == "fresh")
    assert fresh["apply_by"] == "2027-01-01"


def test_evaluation_is_pure() -> None:
    p = profile(**GEP_OK)
    assert evaluate_profile(p).model_dump() == evaluate_profile(p).model_dump()


def test_nothing_known_is_possible_everywhere_but_asmtp_and_whs_unknown() -> None:
    ev = by_key(evaluate())
    assert all(r.status == "possible" for r in ev.values())
    assert failed(ev["GEP"]) == set()


def test_language_codes_are_normalised() -> None:
    p = profile(**GEP_OK)
    assert (
        evaluate_profile(p, "zh-HK").results[0].name
        == evaluate_profile(p, "zh-hant").results[0].name
    )
    assert evaluate_profile(p, "fr").results[0].name.startswith("General Employment Policy")  # type: ignore[arg-type]
