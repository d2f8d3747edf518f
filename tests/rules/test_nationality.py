"""Who may apply: exclusion lists by date, Mainland rules, the UGC rule, partner countries."""

from __future__ import annotations

import pytest

from tests.rules.helpers import (
    ASSG_OK,
    CIES_OK,
    GEP_OK,
    IANG_OK,
    QMAS_OK,
    TECHTAS_OK,
    by_key,
    criterion,
    evaluate,
    failed,
    result,
)

EXCLUDED_SCHEMES = ["GEP", "GEP_INVEST", "QMAS", "TTPS/A", "IANG/fresh", "TECHTAS", "ASSG", "CIES"]


@pytest.mark.parametrize("nat", ["AF", "CU", "KP"])
@pytest.mark.parametrize("key", EXCLUDED_SCHEMES)
def test_afghanistan_cuba_dprk_are_excluded(nat: str, key: str) -> None:
    res = result(key, nationality=nat)
    assert res.status == "no_match"
    nationality = next(c for c in res.criteria if c.id == "nationality")
    assert nationality.met is False
    assert "does not accept nationals" in nationality.text


def test_vietnamese_job_offer_gep_before_and_after_relaxation() -> None:
    before = result("GEP", as_of="2023-06-01", **{**GEP_OK, "nationality": "VN"})
    after = result("GEP", as_of="2024-01-01", **{**GEP_OK, "nationality": "VN"})
    assert before.status == "no_match"
    assert failed(before) == {"nationality"}
    assert after.status == "match"


@pytest.mark.parametrize("nat", ["VN", "LA", "NP"])
@pytest.mark.parametrize(("as_of", "excluded"), [("2023-10-24", True), ("2023-10-25", False)])
def test_vietnam_laos_nepal_relaxed_from_25_october_2023(
    nat: str, as_of: str, excluded: bool
) -> None:
    evaluation = by_key(evaluate(as_of, nationality=nat))
    for key in ("GEP", "GEP_INVEST", "QMAS", "TTPS/A", "TECHTAS", "ASSG"):
        assert criterion(evaluation[key], "nationality") is (not excluded), key


def test_vietnam_was_never_on_the_cies_list() -> None:
    assert result("CIES", as_of="2024-03-01", **{**CIES_OK, "nationality": "VN"}).status == "match"


@pytest.mark.parametrize("nat", ["LA", "NP"])
def test_lao_and_nepalese_iang_needs_ugc_or_gba(nat: str) -> None:
    base = dict(nationality=nat, hk_degree=True, graduated_on="2026-07-01")
    ugc = result("IANG/fresh", hk_degree_ugc_funded=True, **base)
    self_financed = result("IANG/fresh", hk_degree_ugc_funded=False, **base)
    not_told = result("IANG/fresh", **base)
    assert ugc.status == "match"
    assert criterion(ugc, "nationality") is True
    assert self_financed.status == "no_match"
    assert failed(self_financed) == {"nationality"}
    assert "UGC-funded" in self_financed.missing[0].text
    assert not_told.status == "possible"
    gba = result(
        "IANG/fresh",
        nationality=nat,
        hk_degree=False,
        gba_campus_degree=True,
        hk_degree_ugc_funded=False,
        graduated_on="2026-07-01",
    )
    assert gba.status == "match"
    # the UGC rule is for IANG only
    assert criterion(result("GEP", nationality=nat, hk_degree_ugc_funded=False), "nationality")


def test_vietnamese_iang_has_no_ugc_rule() -> None:
    res = result(
        "IANG/fresh",
        nationality="VN",
        hk_degree=True,
        hk_degree_ugc_funded=False,
        graduated_on="2026-07-01",
    )
    assert res.status == "match"


def test_cambodia_is_not_excluded() -> None:
    assert result("GEP", **{**GEP_OK, "nationality": "KH"}).status == "match"
    assert result("GEP", as_of="2019-01-01", **{**GEP_OK, "nationality": "KH"}).status == "match"


def test_hong_kong_nationals_need_no_scheme() -> None:
    evaluation = evaluate(nationality="HK", age=25, job_offer=True, annual_income_hkd=5e6)
    assert all(r.status == "no_match" for r in evaluation.results)
    for r in evaluation.results:
        assert any("do not need an admission scheme" in m.text for m in r.missing), r.scheme
    assert evaluation.alternatives


# --- Chinese nationals ---------------------------------------------------------------------


def test_mainland_resident_uses_asmtp_not_gep() -> None:
    ev = by_key(evaluate(**{**GEP_OK, "nationality": "CN", "mainland_resident": True}))
    assert ev["ASMTP"].status == "match"
    assert ev["GEP"].status == "no_match"
    assert "ASMTP" in ev["GEP"].missing[0].text or "Mainland" in ev["GEP"].missing[0].text
    assert criterion(ev["GEP_INVEST"], "nationality") is False


@pytest.mark.parametrize(
    ("opr", "months", "met"),
    [
        (True, None, True),
        (None, 12, True),
        (False, 12, True),
        (False, 11, False),
        (None, 11, None),
        (None, None, None),
    ],
)
def test_overseas_chinese_under_gep(opr: bool | None, months: int | None, met: bool | None) -> None:
    fields = {**GEP_OK, "nationality": "CN", "mainland_resident": False}
    if opr is not None:
        fields["overseas_permanent_residence"] = opr
    if months is not None:
        fields["months_lived_overseas"] = months
    ev = by_key(evaluate(**fields))
    assert criterion(ev["GEP"], "nationality") is met
    assert ev["ASMTP"].status == "no_match"  # not a Mainland resident: GEP is the route
    assert "General Employment Policy" in ev["ASMTP"].missing[0].text


def test_asmtp_is_only_for_mainland_residents() -> None:
    assert result("ASMTP", **GEP_OK).status == "no_match"
    unsure = result("ASMTP", **{**GEP_OK, "nationality": "CN"})
    assert unsure.status == "possible"
    assert criterion(unsure, "mainland_resident") is None


def test_mainland_residents_may_use_ttps_qmas_iang_techtas() -> None:
    cn = dict(nationality="CN", mainland_resident=True)
    assert result("TTPS/A", annual_income_hkd=3e6, **cn).status == "match"
    assert result("QMAS", **{**QMAS_OK, **cn}).status == "match"
    assert result("IANG/fresh", hk_degree=True, graduated_on="2026-07-01", **cn).status == "match"
    assert result("TECHTAS", **{**TECHTAS_OK, **cn}).status == "match"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"nationality": "CN", "overseas_permanent_residence": True}, "match"),
        ({"nationality": "CN", "overseas_permanent_residence": False}, "no_match"),
        (
            {"nationality": "CN", "mainland_resident": True, "overseas_permanent_residence": False},
            "no_match",
        ),
        ({"nationality": "CN"}, "possible"),
        ({"nationality": "MO"}, "match"),
        ({"nationality": "TW"}, "match"),
        ({"nationality": "HK"}, "no_match"),
        ({"nationality": "AF"}, "no_match"),
        ({"nationality": "DE"}, "match"),
    ],
)
def test_who_may_apply_for_new_cies(fields: dict[str, object], status: str) -> None:
    res = result("CIES", **{**CIES_OK, **fields})
    assert res.status == status
    if status == "no_match":
        assert failed(res) == {"nationality"}  # not changeable: never a near miss


# --- WHS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("nat", ["NZ", "AU", "IE", "DE", "JP", "CA", "KR", "FR", "GB", "AT", "HU"])
def test_whs_confirmed_partners(nat: str) -> None:
    res = result("WHS", nationality=nat, age=25)
    assert res.status == "match"
    assert not any(c.unconfirmed for c in res.criteria)


@pytest.mark.parametrize("nat", ["SE", "NL"])
def test_whs_sweden_and_netherlands_are_confirmed(nat: str) -> None:
    """Official since the press release of 9 April 2018 (P2018040900389): no caveat."""
    res = result("WHS", nationality=nat, age=25)
    assert res.status == "match"
    partner = next(c for c in res.criteria if c.id == "partner_country")
    assert not partner.unconfirmed
    assert "secondary" not in partner.text and "believed" not in partner.text
    assert not any("recollection" in c for c in res.caveats)


def test_whs_netherlands_from_2019() -> None:
    assert result("WHS", as_of="2018-12-31", nationality="NL", age=25).status == "no_match"
    assert result("WHS", as_of="2019-01-01", nationality="NL", age=25).status == "match"


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_whs_italy_keeps_its_secondary_tag(lang: str) -> None:
    res = result("WHS", lang=lang, nationality="IT", age=25)
    assert res.status == "match"
    partner = next(c for c in res.criteria if c.id == "partner_country")
    assert {"en": "secondary sources", "zh-hant": "非官方來源", "zh-hans": "非官方来源"}[
        lang
    ] in partner.text


@pytest.mark.parametrize("nat", ["US", "CN", "IN", "HK"])
def test_whs_non_partners(nat: str) -> None:
    assert result("WHS", nationality=nat, age=25).status == "no_match"


def test_assg_nationality_exclusions_apply() -> None:
    assert result("ASSG", **{**ASSG_OK, "nationality": "CU"}).status == "no_match"
    assert (
        result("IANG/fresh", nationality="KP", hk_degree=True, graduated_on="2026-07-01").status
        == "no_match"
    )
    assert result("IANG/fresh", graduated_on="2026-07-01", **IANG_OK).status == "match"
