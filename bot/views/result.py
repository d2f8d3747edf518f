"""The result, its per-scheme details and the "why not?" list, as channel-neutral views.

One screen: matches first (short name — name, the one-line why, apply-by date and the official
link), then at most three possible schemes, each with the one fact still needed, then the near
misses within reach (an amount at most 25% short, a year of work, a language, a job offer, one
QMAS criterion), then one "Not a fit" line. Stay, fees, family, permanent residence and caveats
sit behind a Details button per scheme; the reasons for each non-fit behind "Why not?".

The layout keeps the conversation contract: the first line is the "fit" or "no scheme" heading
(a provisional mark may stand before it), the possible and near-miss headings are their own
short lines, each scheme listed starts its line with its short name, and every other line that
names a scheme starts with a bullet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.texts import messages
from bot.views import Action, Line, Span, View, line
from rules.cards import scheme_cards
from rules.gaps import Gap, result_key
from rules.i18n import Lang
from rules.results import Evaluation, SchemeResult

MAX_POSSIBLE = 3
DETAILS_PER_ROW = 3
COMPARE_AT_MOST = 3  # what /compare takes
COMPARE_LABEL_CHARS = 32  # a longer Compare label names no schemes
# Within reach: an amount at most this far below its threshold, years at most this short.
AMOUNT_REACH = 0.25
YEARS_REACH = 1.0
POINTS_REACH = 1
# A near miss on one of these is always within reach; any other kind (a business plan, an
# unnumbered fact) is not shown as a near miss in the chat.
ALWAYS_REACHABLE = frozenset({"language", "job_offer"})


def tx(key: str, lang: Lang, /, **values: object) -> str:
    """A catalogue text as plain text (adapters escape it for their channel)."""
    text = messages()[key][lang]
    return text.format(**values) if values else text


@dataclass(frozen=True, slots=True)
class ResultInput:
    """Everything a result screen is drawn from.

    `gaps`: `rules.gaps.gaps(profile)`, for closeness and the fields each criterion reads.
    `askable`: the profile fields the chat has asked or can still ask this person (None: any).
    `points_unknown`: QMAS points items not yet known (how far the points count may still go).
    """

    evaluation: Evaluation
    lang: Lang
    gaps: Mapping[str, Mapping[str, Gap]] = field(default_factory=dict)
    askable: frozenset[str] | None = None
    today: date | None = None
    stale_days: int = 180
    provisional: bool = False
    points_unknown: int = 0
    goal: str | None = None  # the opening question's answer: which schemes the result leads with


def key_of(result: SchemeResult) -> str:
    return result_key(result.scheme, result.category)


def date_words(day: date, lang: Lang) -> str:
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def _money(value: float) -> str:
    return f"HK${value:,.0f}"


def _number(value: float) -> str:
    return f"{value:g}"


# --- closeness ---------------------------------------------------------------------------------


def _gap(inp: ResultInput, result: SchemeResult, criterion: str) -> Gap | None:
    return inp.gaps.get(key_of(result), {}).get(criterion)


def _failed(result: SchemeResult) -> list[str]:
    return [c.id for c in result.criteria if c.met is False]


def within_reach(inp: ResultInput, result: SchemeResult) -> bool:
    """Whether a near miss is close enough to show as one (the contract's `near_miss` status
    is broader: any single changeable criterion failed)."""
    if result.status != "near_miss":
        return False
    failed = _failed(result)
    if len(failed) != 1:
        return False
    gap = _gap(inp, result, failed[0])
    if gap is None:
        return True  # nothing known about closeness: trust the status
    if gap.kind in ALWAYS_REACHABLE:
        return True
    if gap.threshold is None or gap.value is None:
        return False
    if gap.kind == "amount":
        return gap.value >= gap.threshold * (1 - AMOUNT_REACH)
    if gap.kind == "years":
        return gap.threshold - gap.value <= YEARS_REACH
    if gap.kind == "points":
        return gap.threshold - (gap.value + inp.points_unknown) <= POINTS_REACH
    return False


def gap_text(inp: ResultInput, result: SchemeResult, criterion: str) -> str | None:
    """The person's own figure against the threshold, or None when there is no figure."""
    gap = _gap(inp, result, criterion)
    if gap is None or gap.threshold is None or gap.value is None:
        return None
    lang = inp.lang
    if gap.kind == "amount":
        what = f"gap_what_{gap.fields[0]}" if gap.fields else ""
        if what not in messages():
            return None
        return tx(
            "gap_amount",
            lang,
            value=_money(gap.value),
            threshold=_money(gap.threshold),
            what=tx(what, lang),
        )
    if gap.kind == "years":
        return tx("gap_years", lang, value=_number(gap.value), threshold=_number(gap.threshold))
    if gap.kind == "points":
        return tx("gap_points", lang, value=_number(gap.value), threshold=_number(gap.threshold))
    return None


def _missing_text(result: SchemeResult, criterion: str) -> str | None:
    return next((m.text for m in result.missing if m.criterion == criterion), None)


def _criterion_text(result: SchemeResult, criterion: str) -> str:
    return next(c.text for c in result.criteria if c.id == criterion)


# --- possible schemes --------------------------------------------------------------------------


def _unknown(result: SchemeResult) -> list[str]:
    return [c.id for c in result.criteria if c.met is None]


def _askable(inp: ResultInput, result: SchemeResult, criterion: str) -> tuple[str, ...]:
    gap = _gap(inp, result, criterion)
    fields = gap.fields if gap is not None else ()
    if inp.askable is None:
        return fields
    return tuple(f for f in fields if f in inp.askable)


def needed(inp: ResultInput, result: SchemeResult) -> tuple[str, str | None, int] | None:
    """The one fact a possible scheme still needs: its text, the field that would settle it
    (None when the chat cannot ask it) and how many other facts are also open. A fact the chat
    can ask comes before one it cannot. None when nothing is open."""
    unknown = _unknown(result) or [m.criterion for m in result.missing]
    if not unknown:
        return None
    # the first the chat can ask, else the first (as a stable sort on "cannot ask" would pick)
    first, fields = unknown[0], ()
    for cid in unknown:
        if askable := _askable(inp, result, cid):
            first, fields = cid, askable
            break
    text = _missing_text(result, first) or _criterion_text(result, first)
    return text, (fields[0] if fields else None), len(unknown) - 1


def _needed_line(inp: ResultInput, result: SchemeResult, key: str) -> tuple[str, str | None]:
    """The "still needed" sentence of a possible scheme and the field that settles it."""
    found = needed(inp, result)
    if found is None:
        return "", None
    text, fact_field, more = found
    fact = tx(key, inp.lang, fact=text)
    if more:
        fact += tx("result_needed_more", inp.lang, n=more, name=result.short_name)
    return fact, fact_field


def ranked_possible(evaluation: Evaluation) -> list[SchemeResult]:
    """Possible schemes, the most likely first: fewest facts still open, then catalogue order."""
    possible = evaluation.with_status("possible")
    return sorted(possible, key=lambda r: len(_unknown(r)))


# --- the result screen -------------------------------------------------------------------------


def _name_line(result: SchemeResult) -> Line:
    return line(Span(result.short_name, "b"), f" — {result.name}")


def _link_line(result: SchemeResult, lang: Lang) -> Line:
    parts: list[Span | str] = []
    if result.apply_by:
        parts.append(tx("result_apply_by", lang, date=date_words(result.apply_by, lang)) + " · ")
    parts.append(Span(tx("result_link", lang), url=result.source))
    return line(*parts)


def _details_rows(results: list[SchemeResult], lang: Lang) -> list[tuple[Action, ...]]:
    actions = [
        Action(tx("btn_details", lang, name=r.short_name), "details", key_of(r)) for r in results
    ]
    return [
        tuple(actions[i : i + DETAILS_PER_ROW]) for i in range(0, len(actions), DETAILS_PER_ROW)
    ]


@dataclass(slots=True)
class _Sorted:
    matches: list[SchemeResult]
    possible: list[SchemeResult]
    more_possible: list[SchemeResult]
    near: list[SchemeResult]
    not_fit: list[SchemeResult]


# What each answer to the opening question ("What would you like to do in Hong Kong?") puts
# first. It only orders: every scheme that fits is shown whatever the goal.
GOAL_LEADS: dict[str, tuple[str, ...]] = {
    "offer": ("GEP", "ASMTP", "GEP_TPS", "ASMTP_TPS", "TECHTAS", "IANG"),
    "find_work": ("TTPS", "QMAS", "ASSG", "IANG"),
    "study": ("IANG", "VPAS", "TTPS"),
    "invest": ("CIES", "GEP_INVEST", "QMAS"),
    "holiday": ("WHS",),
}


def _by_goal(results: list[SchemeResult], goal: str | None) -> list[SchemeResult]:
    """`results` with the goal's schemes first, in the goal's order; the rest keep theirs."""
    leads = GOAL_LEADS.get(goal or "", ())
    return sorted(
        results, key=lambda r: leads.index(r.scheme) if r.scheme in leads else len(leads)
    )


def _sort(inp: ResultInput) -> _Sorted:
    ev = inp.evaluation
    ranked = _by_goal(ranked_possible(ev), inp.goal)
    near, far = [], []
    for r in ev.with_status("near_miss"):
        (near if within_reach(inp, r) else far).append(r)
    # Catalogue order among the schemes that do not fit, as `evaluate` lists them.
    order = {id(r): i for i, r in enumerate(ev.results)}  # the same objects, filtered
    not_fit = sorted([*far, *ev.with_status("no_match")], key=lambda r: order[id(r)])
    return _Sorted(
        _by_goal(ev.with_status("match"), inp.goal),
        ranked[:MAX_POSSIBLE],
        ranked[MAX_POSSIBLE:],
        near,
        not_fit,
    )


def _names(results: list[SchemeResult], lang: Lang) -> str:
    return tx("names_sep", lang).join(dict.fromkeys(r.short_name for r in results))


def result_view(inp: ResultInput) -> View:
    """The whole result on one screen (see the module's docstring)."""
    lang = inp.lang
    ev = inp.evaluation
    s = _sort(inp)
    blocks: list[tuple[Line, ...]] = []
    head: list[Line] = []
    if inp.provisional:
        head.append(line(Span(tx("result_provisional", lang), "i")))
    if s.matches:
        head.append(line(Span(tx("result_heading_match", lang), "b")))
    else:
        head.append(line(tx("result_heading_none", lang)))
    blocks.append(tuple(head))
    for r in s.matches:
        blocks.append((_name_line(r), line("✓ " + r.summary), _link_line(r, lang)))
    settle: list[tuple[str, str]] = []
    if s.possible:
        blocks.append((line(Span(tx("result_heading_possible", lang), "b")),))
        key = "result_answer_next" if inp.provisional else "result_needed"
        for r in s.possible:
            fact, fact_field = _needed_line(inp, r, key)
            blocks.append((_name_line(r), line("• " + fact)) if fact else (_name_line(r),))
            if fact_field is not None:
                settle.append((key_of(r), fact_field))
        if s.more_possible:
            blocks.append(
                (line(tx("result_also_possible", lang, names=_names(s.more_possible, lang))),)
            )
    if s.near:
        blocks.append((line(Span(tx("result_heading_near", lang), "b")),))
        for r in s.near:
            failed = _failed(r)[0]
            text = (
                gap_text(inp, r, failed) or _missing_text(r, failed) or _criterion_text(r, failed)
            )
            blocks.append((_name_line(r), line("• " + text)))
    if s.not_fit:
        blocks.append((line(tx("result_not_fit", lang, names=_names(s.not_fit, lang))),))
    if ev.alternatives and not (s.matches or s.possible):
        alt = [line(Span(tx("result_alternatives", lang), "b"))]
        alt += [_alternative(a, lang) for a in ev.alternatives]
        blocks.append(tuple(alt))
    blocks += _footer(inp)
    rows = _details_rows([*s.matches, *s.possible, *s.near], lang)
    compare = compare_action([*s.matches, *s.possible], lang)
    if compare is not None:
        rows.append((compare,))
    if s.not_fit or s.more_possible:
        rows.append((Action(tx("btn_why_not", lang), "why_not"),))
    if inp.provisional:  # the questions go on from where they were
        rows.append((Action(tx("btn_continue", lang), "current"),))
    rows.append(
        (Action(tx("btn_summary", lang), "summary"), Action(tx("btn_restart", lang), "restart"))
    )
    return View(tuple(blocks), tuple(rows), tuple(settle))


def compare_action(results: list[SchemeResult], lang: Lang) -> Action | None:
    """A "Compare" button for the first two or three schemes shown as fitting or possible (a
    scheme's categories count once); None when fewer than two. Its arg: their ids, spaced."""
    names = {c.scheme: c.short_name for c in scheme_cards(lang)}
    schemes = [s for s in dict.fromkeys(r.scheme for r in results) if s in names]
    schemes = schemes[:COMPARE_AT_MOST]
    if len(schemes) < 2:
        return None
    label = tx("btn_compare_result", lang, names=" · ".join(names[s] for s in schemes))
    if len(label) > COMPARE_LABEL_CHARS:  # long names: a phone would cut them off
        label = tx("btn_compare_top", lang, n=len(schemes))
    return Action(label, "compare", " ".join(schemes))


def _alternative(text: str, lang: Lang) -> Line:
    """An alternative route; its trailing address (the evaluator appends it) becomes a link."""
    words, _, url = text.rpartition(" ")
    if words and url.startswith(("https://", "http://")):
        return line(f"• {words} ", Span(tx("result_alt_link", lang), url=url))
    return line("• " + text)


def _footer(inp: ResultInput) -> list[tuple[Line, ...]]:
    lang = inp.lang
    ev = inp.evaluation
    out: list[tuple[Line, ...]] = []
    checked = ev.catalogue.checked
    if inp.today is not None and (inp.today - checked).days > inp.stale_days:
        out.append((line(tx("result_stale", lang, days=inp.stale_days)),))
    footer = tx(
        "result_footer",
        lang,
        as_of=ev.as_of.isoformat(),
        version=ev.catalogue.version,
        checked=checked.isoformat(),
    )
    lines = [line(footer)]
    disclaimer = ev.disclaimer or tx("result_disclaimer", lang)
    lines.append(line(Span(disclaimer, "i")))
    if "immd.gov.hk" not in disclaimer:
        lines.append(line(Span(tx("result_disclaimer", lang), "i")))
    out.append(tuple(lines))
    return out


# --- one scheme's details ----------------------------------------------------------------------

_STATUS_KEY = {
    "match": "details_status_match",
    "possible": "details_status_possible",
    "near_miss": "details_status_near",
    "no_match": "details_status_no",
}
_MISSING_KEY = {
    "possible": "result_to_confirm",
    "near_miss": "result_one_change",
    "no_match": "details_why_not",
}


def find(evaluation: Evaluation, key: str) -> SchemeResult | None:
    return next((r for r in evaluation.results if key_of(r) == key), None)


def details_view(inp: ResultInput, key: str) -> View | None:
    """Everything about one scheme for this person: why, what is open or failed (with their
    own figures), the apply-by date, stay, fees, family, permanent residence, caveats and the
    official page. None when the key names no result (a forged button)."""
    r = find(inp.evaluation, key)
    if r is None:
        return None
    lang = inp.lang
    status = r.status
    if status == "near_miss" and not within_reach(inp, r):
        status = "no_match"
    lines: list[Line] = [
        _name_line(r),
        line(Span(r.summary, "i")),
        line(tx(_STATUS_KEY[status], lang)),
    ]
    met = [c for c in r.criteria if c.met]
    if met:
        lines.append(line(Span(tx("result_why", lang), "b")))
        for c in met:
            note = " " + tx("result_unconfirmed", lang) if c.unconfirmed else ""
            lines.append(line(f"✓ {c.text}{note}"))
    open_ids = _failed(r) if r.status in {"near_miss", "no_match"} else _unknown(r)
    if open_ids:
        lines.append(line(Span(tx(_MISSING_KEY[status], lang), "b")))
        mark = "?" if r.status == "possible" else "✗"
        for cid in open_ids:
            text = _missing_text(r, cid) or _criterion_text(r, cid)
            lines.append(line(f"{mark} {text}"))
            figure = gap_text(inp, r, cid)
            if figure:
                lines.append(line(f"· {figure}"))
    blocks: list[tuple[Line, ...]] = [tuple(lines)]
    if r.apply_by:
        blocks.append((line(tx("result_apply_by", lang, date=date_words(r.apply_by, lang))),))
    if r.next_steps and r.status != "no_match":
        blocks.append(
            (
                line(Span(tx("result_next_steps", lang), "b")),
                *(line(f"· {step}") for step in r.next_steps),
            )
        )
    if r.caveats:
        blocks.append(tuple(line(f"⚠️ {c}") for c in r.caveats))
    blocks.append(
        (
            line(
                Span(tx("result_link", lang), url=r.source),
                " · " + tx("result_checked", lang, checked=r.checked.isoformat()),
            ),
        )
    )
    rows = ((Action(tx("btn_back_to_result", lang), "result"),),)
    return View(tuple(blocks), rows)


# --- why the others do not fit -----------------------------------------------------------------


def why_not_view(inp: ResultInput) -> View:
    """Each scheme that does not fit with its reasons in one line, and the possible schemes the
    result had no room for, each with a Details button."""
    lang = inp.lang
    s = _sort(inp)
    blocks: list[tuple[Line, ...]] = []
    if s.more_possible:
        lines = [line(Span(tx("result_heading_possible", lang), "b"))]
        for r in s.more_possible:
            fact, _field = _needed_line(inp, r, "result_needed")
            lines.append(line("• ", Span(r.short_name, "b"), f" — {fact}" if fact else ""))
        blocks.append(tuple(lines))
    if s.not_fit:
        lines = [line(Span(tx("whynot_title", lang), "b"))]
        for r in s.not_fit:
            reasons = []
            for cid in _failed(r):
                reasons.append(gap_text(inp, r, cid) or _criterion_text(r, cid))
            sep = " " if lang == "en" else ""
            lines.append(line("✗ ", Span(r.short_name, "b"), " — " + sep.join(reasons)))
        blocks.append(tuple(lines))
    rows = _details_rows([*s.more_possible, *s.not_fit], lang)
    rows.append((Action(tx("btn_back_to_result", lang), "result"),))
    return View(tuple(blocks), tuple(rows))
