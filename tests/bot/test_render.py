"""The one result renderer: sections apart, closeness, the one-screen budget, escaping,
Telegram's length limit, staleness, details and why-not screens."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.render import MESSAGE_LIMIT, pack_messages, render_result, to_html
from bot.views import View, plain, visible_text
from bot.views.result import ResultInput, details_view, needed, result_view, why_not_view
from rules import evaluate_profile
from rules.gaps import gaps, unknown_points
from rules.profile import Profile
from rules.results import CatalogueInfo, CriterionResult, Evaluation, Missing, SchemeResult

AS_OF = date(2026, 11, 25)
CASES = sorted((Path(__file__).resolve().parents[1] / "cases").glob("*.yaml"))
SHORT_NAMES = ("GEP", "ASMTP", "QMAS", "TTPS", "IANG", "TechTAS", "ASSG", "New CIES", "WHS")
BULLETS = ("•", "·", "✓", "✗", "⚠")


def _result(scheme: str, status: str, short: str, **kw) -> SchemeResult:
    return SchemeResult(
        scheme=scheme,
        category=kw.pop("category", None),
        status=status,
        criteria=kw.pop("criteria", [CriterionResult(id="x", met=True, text="Meets x")]),
        missing=kw.pop("missing", []),
        source="https://www.immd.gov.hk/eng/x.html?a=1&b=2",
        checked=date(2026, 11, 25),
        short_name=short,
        name=f"{short} in words",
        summary="A <scheme> & more",
        **kw,
    )


def _evaluation(*results: SchemeResult) -> Evaluation:
    return Evaluation(
        as_of=AS_OF,
        catalogue=CatalogueInfo(version="2026.11", checked=date(2026, 11, 25)),
        results=list(results),
        alternatives=["Study in Hong Kong, then IANG https://www.immd.gov.hk"],
        disclaimer="Guidance, not legal advice. https://www.immd.gov.hk",
    )


def _plain(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)


def _real(lang: str = "en", provisional: bool = False, askable=None, **profile) -> ResultInput:
    p = Profile(as_of=AS_OF, **profile)
    return ResultInput(
        evaluate_profile(p, lang),  # type: ignore[arg-type]
        lang,  # type: ignore[arg-type]
        gaps(p),
        askable,
        provisional=provisional,
        points_unknown=unknown_points(p),
    )


def _lines(view: View) -> list[str]:
    return [plain(ln) for block in view.blocks for ln in block]


def test_sections_in_order_and_headed():
    ev = _evaluation(
        _result("TTPS", "match", "TTPS", category="A"),
        _result(
            "QMAS",
            "possible",
            "QMAS",
            criteria=[CriterionResult(id="p", met=None, text="p?")],
            missing=[Missing(criterion="p", text="Confirm p")],
        ),
        _result(
            "IANG",
            "near_miss",
            "IANG",
            criteria=[CriterionResult(id="j", met=False, text="Needs a job")],
            missing=[Missing(criterion="j", text="Get a job")],
        ),
        _result("WHS", "no_match", "WHS", criteria=[CriterionResult(id="n", met=False, text="n")]),
    )
    plain_text = _plain("\n\n".join(render_result(ev, "en")))
    assert plain_text.startswith("✅ Schemes that fit you")
    order = [plain_text.index(s) for s in ("Schemes that fit you", "Possible", "Near misses")]
    assert order == sorted(order)
    assert plain_text.index("TTPS") < plain_text.index("Possible") < plain_text.index("QMAS")
    assert plain_text.index("Near misses") < plain_text.index("IANG — IANG in words")
    assert "Not a fit now: WHS" in plain_text
    assert "Still needed: Confirm p" in plain_text and "• Get a job" in plain_text
    assert "Guidance, not legal advice." in plain_text
    assert "rules checked on 2026-11-25" in plain_text


def test_user_and_catalogue_strings_are_escaped():
    ev = _evaluation(_result("TTPS", "match", "TTPS"))
    text = render_result(ev, "en")[0]
    assert "A &lt;scheme&gt; &amp; more" in text
    assert 'href="https://www.immd.gov.hk/eng/x.html?a=1&amp;b=2"' in text


def test_nothing_fits_says_so_and_offers_alternatives():
    ev = _evaluation(
        _result("WHS", "no_match", "WHS", criteria=[CriterionResult(id="n", met=False, text="n")])
    )
    messages = render_result(ev, "zh-hant")
    assert _plain(messages[0]).startswith("按你目前的答案，沒有計劃適合你")
    assert "Study in Hong Kong, then IANG" in _plain(messages[0])
    assert '<a href="https://www.immd.gov.hk">（連結）</a>' in messages[0]


def test_stale_catalogue_is_flagged():
    ev = _evaluation(_result("TTPS", "match", "TTPS"))
    fresh = "\n".join(render_result(ev, "en", today=date(2027, 1, 1), stale_days=180))
    stale = "\n".join(render_result(ev, "en", today=date(2027, 6, 1), stale_days=180))
    assert "may have changed" not in fresh
    assert "may have changed" in stale


def test_long_views_split_between_blocks_within_limit():
    long_line = "long reason " * 40
    view = result_view(
        ResultInput(
            _evaluation(
                *[
                    _result(
                        f"S{i}",
                        "match",
                        f"S{i}",
                        next_steps=[long_line],
                        caveats=[long_line],
                    )
                    for i in range(30)
                ]
            ),
            "en",
        )
    )
    messages = to_html(view)
    assert len(messages) > 1
    for m in messages:
        assert len(m.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT
        assert m.count("<b>") == m.count("</b>") and m.count("<i>") == m.count("</i>")
    joined = "\n\n".join(messages)
    for i in range(30):
        assert f"<b>S{i}</b>" in joined


def test_pack_messages_splits_an_oversized_block_by_lines():
    block = "\n".join(["x" * 100] * 100)
    parts = pack_messages([block], limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "".join(p.replace("\n", "") for p in parts) == "x" * 10000


GRADUATE = dict(
    nationality="IN",
    age=30,
    education="bachelor",
    bachelor_from_eligible_university=True,
    bachelor_awarded_on=date(2018, 6, 30),
    hk_degree=False,
    gba_campus_degree=False,
    job_offer=False,
)


def _section_of(view: View, short: str) -> str:
    """'near' when the scheme is listed under the near-miss heading, 'not_fit' when named on
    the Not a fit line, else ''."""
    lines = _lines(view)
    named = [
        name.strip().rstrip(".")
        for ln in lines
        if ln.startswith("Not a fit now:")
        for name in ln.removeprefix("Not a fit now:").split(",")
    ]
    if short in named:
        return "not_fit"
    if "🔜 Near misses — within reach" in lines:
        start = lines.index("🔜 Near misses — within reach")
        if any(ln.startswith(f"{short} — ") for ln in lines[start:]):
            return "near"
    return ""


@pytest.mark.parametrize(
    ("income", "where"),
    [(1_875_000, "near"), (1_874_999, "not_fit"), (0, "not_fit"), (2_499_999, "near")],
)
def test_an_amount_is_within_reach_at_most_25_percent_below(income, where):
    inp = _real(**GRADUATE, annual_income_hkd=income, recent_work_years=5, work_experience_years=5)
    view = result_view(inp)
    assert _section_of(view, "TTPS A") == where
    if where == "near":
        assert f"HK${income:,} of the HK$2,500,000 needed" in visible_text(view)
    else:  # the reason, with the person's own figure, is one tap away
        assert f"HK${income:,} of the HK$2,500,000 needed" in visible_text(why_not_view(inp))


@pytest.mark.parametrize(("years", "where"), [(2, "near"), (1.5, "not_fit"), (0, "not_fit")])
def test_work_is_within_reach_one_year_short(years, where):
    inp = _real(**GRADUATE, annual_income_hkd=100_000, recent_work_years=years)
    view = result_view(inp)
    assert _section_of(view, "TTPS B") == where
    text = visible_text(view if where == "near" else why_not_view(inp))
    assert f"{years:g} of the 3 years of work needed" in text


def test_a_job_offer_is_within_reach_an_age_never():
    inp = _real(**GRADUATE, annual_income_hkd=100_000, recent_work_years=1)
    assert _section_of(result_view(inp), "GEP") == "near"
    old = _real(nationality="IN", age=52, education="master", good_english=True)
    # an age is never within reach: ASSG ends at 40
    assert _section_of(result_view(old), "ASSG") == "not_fit"


def test_possible_shows_three_most_likely_each_with_one_fact():
    inp = _real(nationality="IN")
    view = result_view(inp)
    lines = _lines(view)
    start = lines.index("🔎 Possible — still to confirm")
    listed = [ln for ln in lines[start + 1 :] if " — " in ln and not ln.startswith(BULLETS)]
    assert len(listed) == 3
    facts = [ln for ln in lines[start:] if ln.startswith("• Still needed: ")]
    assert len(facts) == 3
    assert any(ln.startswith("• Also possible: ") for ln in lines)
    assert "Missing:" not in visible_text(view)


def test_the_fact_asked_for_is_one_the_chat_can_ask():
    # A Mainland resident: New CIES needs permanent residence abroad, which the chat asks
    # only of Chinese nationals settled overseas, so it was never asked here.
    person = dict(nationality="CN", mainland_resident=True, age=40)
    cies = next(r for r in _real(**person).evaluation.results if r.scheme == "CIES")
    text, field, more = needed(_real(**person), cies)
    assert field == "overseas_permanent_residence" and more == 2  # anything may be asked
    asked = frozenset({"nationality", "mainland_resident", "age", "net_assets_hkd"})
    text, field, more = needed(_real(askable=asked, **person), cies)
    assert field == "net_assets_hkd" and "net assets" in text and "permanent" not in text


def test_provisional_result_is_marked_and_names_the_fact_that_settles_each():
    inp = _real(provisional=True, nationality="IN", age=30)
    view = result_view(inp)
    lines = _lines(view)
    assert lines[0].startswith("⏳")
    assert lines[1] in {"✅ Schemes that fit you", "No scheme fits your answers as they stand."}
    settles = [ln for ln in lines if ln.startswith("• Next to answer: ")]
    assert settles and len(settles) == len(view.settle)
    assert all(field for _key, field in view.settle)


def _persona_inputs():
    for path in CASES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile = Profile.model_validate({**case["profile"], "as_of": case["as_of"]})
        yield path.stem, profile
    yield "unknown", Profile(as_of=AS_OF)


PERSONAS = list(_persona_inputs())
HEADINGS = {
    "en": (("Schemes that fit you", "No scheme fits"), ("Possible", "Near miss"), "Not a fit"),
    "zh-hant": (("適合你的計劃", "沒有計劃適合你"), ("可能", "差一點"), "目前不適合"),
    "zh-hans": (("适合你的计划", "没有计划适合你"), ("可能", "差一点"), "目前不适合"),
}


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_every_persona_keeps_the_layout_contract_within_budget(lang):
    opening, section_words, not_fit = HEADINGS[lang]
    lengths = []
    for name, profile in PERSONAS:
        inp = ResultInput(
            evaluate_profile(profile, lang), lang, gaps(profile), None,  # type: ignore[arg-type]
            points_unknown=unknown_points(profile),
        )  # fmt: skip
        view = result_view(inp)
        text = visible_text(view)
        lengths.append(len(text))
        assert len(text) <= 3000, name
        messages = to_html(view)
        assert len(messages) == 1, name
        lines = _lines(view)
        assert any(w in lines[0] for w in opening), (name, lines[0])
        shorts = {r.short_name for r in inp.evaluation.results}
        for ln in lines[1:]:
            named = [s for s in shorts if s in ln]
            if not named or ln.startswith(BULLETS) or ln.startswith(not_fit):
                continue
            starts = ln.lstrip("✅🔎🔜 ")
            assert any(starts.startswith(s) for s in named) or any(
                w in ln and len(ln) <= 60 for w in section_words
            ), (name, ln)
        for ln in lines:
            if ln.startswith(("🔎", "🔜")):  # the possible and near-miss headings
                assert len(ln) <= 60 and any(w in ln for w in section_words), ln
        assert "immd.gov.hk" in text
        # every scheme that does not fit has its reason one tap away
        why = visible_text(why_not_view(inp))
        for r in inp.evaluation.with_status("no_match"):
            assert any(
                ln.startswith(f"✗ {r.short_name} — ") and len(ln) > len(r.short_name) + 6
                for ln in why.splitlines()
            ), (name, r.short_name)
        # every scheme listed has a Details button that opens its details
        for action in view.actions():
            if action.kind == "details":
                details = details_view(inp, action.arg)
                assert details is not None and details.rows[0][0].kind == "result"
    lengths.sort()
    assert lengths[len(lengths) // 2] <= 1500


def test_details_hold_stay_fees_family_and_caveats():
    inp = _real(**GRADUATE, annual_income_hkd=3_000_000)
    view = details_view(inp, "TTPS:A")
    assert view is not None
    text = visible_text(view)
    assert "Why:" in text and "Good to know:" in text and "Family" in text and "Fees" in text
    assert "Official page" in text and "rules checked on" in text
    assert details_view(inp, "NOPE:X") is None


QMAS_FIVE = dict(
    nationality="DE",
    age=36,
    education="doctorate",
    postgraduate_from_eligible_university=True,
    stem_degree=True,
    good_english=True,
    good_chinese=False,
    other_languages=1,
    work_experience_years=4,
    renowned_company_years=0,
    tech_finance_trade_years=0,
    international_work_years=0,
    annual_income_hkd=600_000,
    business_profit_hkd=0,
    owns_listed_company=False,
    exceptional_achievement=False,
    criminal_record=False,
    self_supporting=True,
)


@pytest.mark.parametrize(
    ("change", "where", "figure"),
    [({}, "near", "5 of the 6"), ({"other_languages": 0}, "not_fit", "4 of the 6")],
)
def test_qmas_is_within_reach_one_points_item_short(change, where, figure):
    inp = _real(**{**QMAS_FIVE, **change})
    view = result_view(inp)
    assert _section_of(view, "QMAS") == where
    text = visible_text(view if where == "near" else why_not_view(inp))
    assert f"{figure} points-test items needed" in text
