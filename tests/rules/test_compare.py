"""rules.compare: schemes side by side, aspect by aspect, from the catalogue on the date asked."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from rules.catalogue_models import aspects_from_id, load_catalogue
from rules.compare import (
    ASPECTS,
    FACT_ASPECTS,
    compare_schemes,
    parse_selection,
    scheme_ids,
)
from rules.i18n import LANGS

TODAY = date(2026, 12, 2)
# Characters that exist in one Chinese script only (pairs: Traditional, Simplified).
PAIRS = "們们說说會会這这個个為为體体區区證证國国學学經经與与選选擇择請请來来資资項项費费屬属時时"
TRADITIONAL_ONLY = set(PAIRS[0::2])
SIMPLIFIED_ONLY = set(PAIRS[1::2])


def _texts(comparison) -> list[str]:
    out = [h.name for h in comparison.schemes]
    for row in comparison.aspects:
        for entry in row.entries:
            for part in entry.parts:
                out += [part.label or "", *part.lines]
    return out


def _in_force_aspect_facts(scheme_id: str, aspect: str, on: date) -> int:
    """Counted straight from the catalogue model, apart from the code under test."""
    cat = load_catalogue()
    spec = cat.scheme(scheme_id)
    if spec.in_force_from is not None and on < spec.in_force_from.date:
        return 0
    facts = [*spec.next_steps, *(f for c in spec.categories for f in c.next_steps)]
    facts += [f for f in cat.common_next_steps if scheme_id in f.schemes]
    return sum(1 for f in facts if aspect in f.aspects and f.in_force(on))


@pytest.mark.parametrize("lang", LANGS)
def test_every_pair_of_schemes_in_every_language(lang):
    ids = scheme_ids()
    assert len(ids) >= 10
    for pair in itertools.combinations(ids, 2):
        comparison = compare_schemes(pair, TODAY, lang)
        assert [h.scheme for h in comparison.schemes] == list(pair)
        assert [row.aspect for row in comparison.aspects] == list(ASPECTS)
        for row in comparison.aspects:
            assert [e.scheme for e in row.entries] == list(pair)
        for head in comparison.schemes:
            assert head.source.startswith("http") and head.checked <= TODAY
        # Who it is for and the requirements always come from the cards.
        assert all(e.stated for e in comparison.row("for_whom").entries)
        for row in comparison.aspects:
            for entry in row.entries:
                for source, checked in entry.sources:
                    assert source.startswith(("https://", "http://")) and checked <= TODAY
                if entry.stated and row.aspect != "documents":
                    assert entry.sources, (pair, row.aspect, entry.scheme)
        texts = _texts(comparison)
        assert not any("{" in text for text in texts), "a placeholder left unfilled"
        joined = "".join(texts)
        if lang == "zh-hant":
            assert not SIMPLIFIED_ONLY & set(joined), (pair, SIMPLIFIED_ONLY & set(joined))
        if lang == "zh-hans":
            assert not TRADITIONAL_ONLY & set(joined), (pair, TRADITIONAL_ONLY & set(joined))


@pytest.mark.parametrize("on", [date(2023, 6, 1), date(2024, 12, 1), TODAY])
def test_an_aspect_is_stated_exactly_when_the_catalogue_has_a_fact_for_it(on):
    ids = scheme_ids()
    for first, second in zip(ids, ids[1:] + ids[:1], strict=True):
        comparison = compare_schemes((first, second), on, "en")
        for aspect in FACT_ASPECTS:
            for entry in comparison.row(aspect).entries:
                expected = _in_force_aspect_facts(entry.scheme, aspect, on)
                lines = sum(len(p.lines) for p in entry.parts)
                assert entry.stated == (expected > 0), (on, entry.scheme, aspect)
                assert lines <= expected  # the same text under several categories shows once


def test_what_is_not_in_the_catalogue_is_not_invented():
    comparison = compare_schemes(("TTPS", "WHS"), TODAY, "en")
    whs = {row.aspect: row.entries[1] for row in comparison.aspects}
    assert not whs["permanent_residence"].stated and not whs["fees"].stated
    # One fact may speak to two aspects: WHS's conditions give both the stay and the family.
    assert whs["stay"].stated and whs["family"].stated
    assert "no dependants" in whs["family"].parts[0].lines[0]
    ttps = {row.aspect: row.entries[0] for row in comparison.aspects}
    assert ttps["permanent_residence"].stated and ttps["fees"].stated


def test_thresholds_stay_and_fees_follow_the_date():
    before = compare_schemes(("TTPS", "QMAS"), date(2024, 1, 1), "en")
    after = compare_schemes(("TTPS", "QMAS"), TODAY, "en")

    def lines(comparison, aspect, scheme):
        entry = next(e for e in comparison.row(aspect).entries if e.scheme == scheme)
        return [(p.label, line) for p in entry.parts for line in p.lines]

    # Before 16 October 2024 every TTPS category had a first visa of 24 months: one shared
    # line; after it, Category A's differs and is labelled.
    assert (None, "First visa: 24 months.") in lines(before, "stay", "TTPS")
    assert not any("3 years" in line for _, line in lines(before, "stay", "TTPS"))
    a_after = [line for label, line in lines(after, "stay", "TTPS") if label and "A:" in label]
    assert len(a_after) == 1 and "3 years" in a_after[0]
    assert any("HK$230" in line for _, line in lines(before, "fees", "QMAS"))
    assert any("HK$600" in line for _, line in lines(after, "fees", "QMAS"))
    assert not any("HK$230" in line for _, line in lines(after, "fees", "QMAS"))
    req = lines(after, "requirements", "TTPS")
    assert any("2,500,000" in line for label, line in req if label and "Category A" in label)


def test_facts_that_differ_by_category_are_labelled_and_shared_ones_are_not():
    comparison = compare_schemes(("TTPS", "IANG"), TODAY, "en")
    ttps = comparison.row("stay").entries[0]
    labels = [p.label for p in ttps.parts]
    assert labels[0] is None  # extensions apply to every category: first, unlabelled
    shared = next(p for p in ttps.parts if p.label and "Category B" in p.label)
    assert "Category C" in shared.label and shared.lines == ("First visa: 24 months.",)
    family = comparison.row("family").entries[0]
    assert [p.label for p in family.parts] == [None]


def test_a_scheme_not_yet_in_force_says_so():
    cies = load_catalogue().scheme("CIES")
    assert cies.in_force_from is not None
    day_before = date.fromordinal(cies.in_force_from.date.toordinal() - 1)
    comparison = compare_schemes(("CIES", "GEP"), day_before, "en")
    assert comparison.schemes[0].notice and "Not yet in force" in comparison.schemes[0].notice
    assert comparison.schemes[1].notice is None
    assert not comparison.row("stay").entries[0].stated
    assert compare_schemes(("CIES", "GEP"), TODAY, "en").schemes[0].notice is None


def test_documents_row_carries_the_official_page():
    comparison = compare_schemes(("GEP", "TTPS"), TODAY, "en")
    gep, ttps = comparison.row("documents").entries
    assert gep.stated and any("ID 990A" in line for line in gep.parts[0].lines)
    assert gep.link and gep.link.startswith("https://")
    assert not ttps.stated and ttps.link == "https://www.immd.gov.hk/eng/services/visas/TTPS.html"


@pytest.mark.parametrize("ids", [("TTPS",), ("TTPS", "QMAS", "IANG", "GEP"), ("TTPS", "ttps")])
def test_two_or_three_distinct_schemes(ids):
    with pytest.raises(ValueError):
        compare_schemes(ids, TODAY, "en")


def test_unknown_scheme_id():
    with pytest.raises(KeyError):
        compare_schemes(("TTPS", "NOPE"), TODAY, "en")


@pytest.mark.parametrize(
    ("words", "ids", "unknown"),
    [
        (["TTPS", "QMAS"], ("TTPS", "QMAS"), ()),
        (["ttps,qmas"], ("TTPS", "QMAS"), ()),
        (["techtas", "vs", "Assg"], ("TECHTAS", "ASSG"), ()),
        (["New", "CIES", "and", "GEP", "(entrepreneurs)"], ("CIES", "GEP_INVEST"), ()),
        (["gep_invest", "GEP"], ("GEP_INVEST", "GEP"), ()),
        (["gep", "invest", "asmtp"], ("GEP_INVEST", "ASMTP"), ()),
        (["TTPS", "C", "IANG", "fresh"], ("TTPS", "IANG"), ()),
        (["高端人才通行證計劃", "QMAS"], ("TTPS", "QMAS"), ()),
        (["TTPS", "nonsense", "QMAS"], ("TTPS", "QMAS"), ("nonsense",)),
        (["TTPS", "TTPS"], ("TTPS",), ()),
        ([], (), ()),
    ],
)
def test_parse_selection(words, ids, unknown):
    selection = parse_selection(words)
    assert selection.ids == ids and selection.unknown == unknown


def test_every_scheme_is_found_by_id_short_name_and_name_in_every_language():
    for spec in load_catalogue().schemes:
        names = [spec.id, spec.id.lower(), spec.short_name, *spec.name.values()]
        for name in names:
            assert parse_selection(name.split()).ids == (spec.id,), name


def test_aspects_from_fact_ids():
    assert aspects_from_id("stay_from_2022") == ["stay"]
    assert aspects_from_id("tps_stay") == ["stay"]
    assert aspects_from_id("first_visa_bc") == ["stay"]
    assert aspects_from_id("dependants") == ["family"]
    assert aspects_from_id("fees_from_2025") == ["fees"]
    assert aspects_from_id("permanent_residence") == ["permanent_residence"]
    assert aspects_from_id("quota_c") == [] and aspects_from_id(None) == []
    whs = load_catalogue().scheme("WHS")
    assert next(f for f in whs.next_steps if f.id == "conditions").aspects == ["stay", "family"]
