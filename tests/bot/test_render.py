"""Result rendering: sections apart, escaping, Telegram's length limit, staleness warning."""

from __future__ import annotations

import re
from datetime import date

from bot.render import MESSAGE_LIMIT, pack_messages, render_result
from rules.results import CatalogueInfo, CriterionResult, Evaluation, Missing, SchemeResult


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
        as_of=date(2026, 11, 25),
        catalogue=CatalogueInfo(version="2026.11", checked=date(2026, 11, 25)),
        results=list(results),
        alternatives=["Study in Hong Kong, then IANG"],
        disclaimer="Guidance, not legal advice.",
    )


def _plain(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)


def test_sections_in_order_and_headed():
    ev = _evaluation(
        _result("TTPS", "match", "TTPS", category="A"),
        _result("QMAS", "possible", "QMAS", missing=[Missing(criterion="p", text="Confirm p")]),
        _result("IANG", "near_miss", "IANG", missing=[Missing(criterion="j", text="Get a job")]),
        _result("WHS", "no_match", "WHS"),
    )
    text = "\n\n".join(render_result(ev, "en"))
    plain = _plain(text)
    order = [plain.index(s) for s in ("Schemes that fit you", "Possible", "Near misses")]
    assert order == sorted(order)
    assert plain.index("TTPS") < plain.index("Possible") < plain.index("QMAS")
    assert plain.index("Near misses") < plain.index("IANG — IANG in words")
    assert "Not a fit now: WHS" in plain
    assert "Get a job" in plain and "Confirm p" in plain
    assert "Guidance, not legal advice." in plain
    assert "rules checked on 2026-11-25" in plain


def test_user_and_catalogue_strings_are_escaped():
    ev = _evaluation(_result("TTPS", "match", "TTPS"))
    text = render_result(ev, "en")[0]
    assert "A &lt;scheme&gt; &amp; more" in text
    assert 'href="https://www.immd.gov.hk/eng/x.html?a=1&amp;b=2"' in text


def test_nothing_fits_says_so_and_offers_alternatives():
    ev = _evaluation(_result("WHS", "no_match", "WHS"))
    plain = _plain("\n".join(render_result(ev, "zh-hant")))
    assert "沒有計劃適合你" in plain
    assert "Study in Hong Kong, then IANG" in plain


def test_stale_catalogue_is_flagged():
    ev = _evaluation(_result("TTPS", "match", "TTPS"))
    fresh = "\n".join(render_result(ev, "en", today=date(2027, 1, 1), stale_days=180))
    stale = "\n".join(render_result(ev, "en", today=date(2027, 6, 1), stale_days=180))
    assert "may have changed" not in fresh
    assert "may have changed" in stale


def test_long_results_split_between_blocks_within_limit():
    many = [
        _result(
            f"S{i}",
            "match",
            f"S{i}",
            criteria=[
                CriterionResult(id=f"c{j}", met=True, text="long reason " * 20) for j in range(5)
            ],
        )
        for i in range(12)
    ]
    messages = render_result(_evaluation(*many), "en")
    assert len(messages) > 1
    for m in messages:
        assert len(m.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT
        # every message is balanced HTML on its own
        assert m.count("<b>") == m.count("</b>") and m.count("<i>") == m.count("</i>")
    joined = "\n\n".join(messages)
    for i in range(12):
        assert f"<b>S{i}</b>" in joined


def test_pack_messages_splits_an_oversized_block_by_lines():
    block = "\n".join(["x" * 100] * 100)
    parts = pack_messages([block], limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "".join(p.replace("\n", "") for p in parts) == "x" * 10000
