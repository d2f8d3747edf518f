"""`python -m bot preview [--out DIR]`: every screen of the bot on one HTML page, the three
languages side by side, for translators and policy reviewers to read without walking the chat.

Screens come from the same functions the chat calls (`bot.screens` for questions, the summary,
results, language and forget screens; `bot.render` through `result_screens`; `bot.texts` for the
catalogue), so what the page shows is what Telegram shows. Questions are reached by walking the
real flow; results come from the real evaluator on profiles built for each mix of statuses.
This module only lays the screens out: it knows Telegram's HTML and inline keyboards, not how a
screen is built, so the screen and result code can change without touching it. A question the
walk cannot reach, or a `multi` checklist, is drawn from the export (`python -m dialogs
export`) in the chat's manner: prompt, then one button per option (☐ + label) and Done.
"""

from __future__ import annotations

import argparse
import html
import json
import string
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.screens import (
    Screen,
    answered_screen,
    choices_screen,
    forget_screen,
    language_screen,
    question_screen,
    result_screens,
    summary_screen,
)
from bot.texts import LANGUAGE_NAMES, messages, t_raw
from bot.views.result import ResultInput
from dialogs import QuestionFlow, Session
from rules.evaluator import evaluate_profile
from rules.gaps import gaps, unknown_points
from rules.i18n import LANGS, Lang
from rules.profile import Profile

HTML_LANG: dict[str, str] = {"en": "en", "zh-hant": "zh-Hant-HK", "zh-hans": "zh-Hans-CN"}
PAGE_NAME = "preview.html"
WALK_LIMIT = 20_000  # sessions the question walk may visit before drawing the rest from the export

# One result per mix of statuses. Each profile is a person who answered every question the
# mix needs; the evaluator decides the statuses, and the page shows the mix it produced.
AS_OF = "2026-11-25"
_HIGH_EARNER = {
    "as_of": AS_OF, "nationality": "GB", "age": 45, "education": "bachelor",
    "bachelor_awarded_on": "2003-07-01", "bachelor_from_eligible_university": False,
    "postgraduate_from_eligible_university": False, "stem_degree": False, "hk_degree": False,
    "gba_campus_degree": False, "work_experience_years": 20, "recent_work_years": 5,
    "international_work_years": 5, "renowned_company_years": 10, "tech_finance_trade_years": 15,
    "annual_income_hkd": 2500000, "business_profit_hkd": 0, "owns_listed_company": False,
    "good_english": True, "good_chinese": False, "other_languages": 1,
    "exceptional_achievement": False, "criminal_record": False, "self_supporting": True,
    "born_overseas": True, "parent_hk_permanent_resident": False, "net_assets_hkd": 8000000,
    "investment_hkd": 0,
}  # fmt: skip
RESULT_MIXES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "matches-only",
        "Matches only: a high earner with a relevant job offer and a business plan",
        {**_HIGH_EARNER, "job_offer": True, "job_offer_relevant": True,
         "offer_salary_hkd": 2500000, "employer_techtas_quota": False, "business_plan": True},
    ),
    (
        "possible-only",
        "Possible only: little known yet",
        {"as_of": AS_OF, "nationality": "US", "age": 30},
    ),
    (
        "near-misses-only",
        "Near misses only: income just below TTPS A, no job offer",
        {**_HIGH_EARNER, "annual_income_hkd": 2499999, "other_languages": 0,
         "international_work_years": 0, "renowned_company_years": 0,
         "tech_finance_trade_years": 0, "job_offer": False, "job_offer_relevant": False,
         "employer_techtas_quota": False, "business_plan": False},
    ),
    (
        "none",
        "Nothing fits",
        {"as_of": AS_OF, "nationality": "AF", "age": 30, "education": "secondary",
         "job_offer": False, "criminal_record": False},
    ),
    (
        "all-together",
        "All together: matches, possible schemes and near misses",
        {"as_of": AS_OF, "nationality": "NZ", "age": 26, "education": "bachelor",
         "hk_degree": False, "job_offer": False, "good_english": True,
         "criminal_record": False, "self_supporting": True},
    ),
)  # fmt: skip


@dataclass
class Shown:
    """One screen in every language: an id for links and tests, a title, and per language the
    Telegram messages (HTML text and keyboard) plus optional lists (the export's options)."""

    id: str
    title: str
    kind: str
    messages: dict[str, list[Screen]]
    lists: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""


# --- walking the questionnaire ----------------------------------------------------------------


def _keys_in(spec: Any) -> Iterator[tuple[str, Any]]:
    """(question id, literal) pairs a `when` condition mentions."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in {"any", "all", "not"}:
                yield from _keys_in(value)
            else:
                yield key, value
    elif isinstance(spec, list):
        for item in spec:
            yield from _keys_in(item)


def reach_questions(flow: QuestionFlow, export: dict[str, Any]) -> dict[str, Session]:
    """A session standing at each question, found by walking the real flow breadth-first.

    Only answers that a condition of a question not yet reached mentions can still matter, so
    two sessions at the same question that agree on those are the same for the walk. Typed
    answers are tried where a question has no buttons, the literals conditions compare with
    (country codes such as LA) are typed for choice questions, and a checklist is submitted with
    nothing or one line ticked (a condition on a line's field counts as one on the checklist)."""
    mentions: dict[str, set[str]] = {}  # question -> the questions its condition mentions
    literals: dict[str, set[str]] = {}  # question -> string literals compared with its answer
    for q in export["questions"]:
        for qid, literal in _keys_in(q.get("when", {})):
            mentions.setdefault(q["id"], set()).add(qid)
            values = literal if isinstance(literal, list) else [literal]
            literals.setdefault(qid, set()).update(v for v in values if isinstance(v, str))
    owner = {  # a checklist line's field -> the checklist whose answer holds it
        o["field"]: q["id"] for q in export["questions"] if q["kind"] == "multi"
        for o in q["options"] if "field" in o
    }  # fmt: skip
    today = date.today()
    found: dict[str, Session] = {}
    wanted = {q["id"] for q in export["questions"]}
    seen: set[tuple[str, str]] = set()
    queue = deque([flow.new_session("en")])
    visited = 0
    while queue and wanted - found.keys() and visited < WALK_LIMIT:
        session = queue.popleft()
        visited += 1
        step = flow.step(session)
        if step.kind != "question" or step.question is None:
            continue
        found.setdefault(step.state, session)
        still = set().union(*(mentions.get(qid, set()) for qid in wanted - found.keys()))
        still |= {owner[name] for name in still if name in owner}
        q = step.question
        if q.kind == "multi":  # a checklist: Done with nothing ticked, or with one line ticked
            ticks: list[list[int]] = [[], *([i] for i in range(len(q.checklist)))]
            tries: list[dict[str, str]] = [{"key": flow.checklist_key(t)} for t in ticks]
        else:
            tries = [{"key": b.key} for b in step.buttons]
        if q.kind == "number":
            tries += [{"text": str(int(v))} for v in {q.min or 0, min(30, q.max or 30)}]
        elif q.kind == "date":
            tries += [{"text": (today - timedelta(days=60)).isoformat()}, {"text": "2015-06-30"}]
        elif q.kind == "choice":
            tries += [{"text": v} for v in sorted(literals.get(q.id, ()))]
        for attempt in tries:
            reply = flow.answer(session, **attempt)
            if not reply.accepted:
                continue
            nxt = reply.session
            route = {k: v for k, v in nxt.answers.items() if k in still}
            key = (flow.state_of(nxt), json.dumps(route, sort_keys=True, default=str))
            if key not in seen:
                seen.add(key)
                queue.append(nxt)
    return found


# --- collecting the screens -------------------------------------------------------------------


def _in_lang(flow: QuestionFlow, session: Session, lang: Lang) -> Session:
    return flow.set_language(session, lang)


def _export_question(q: dict[str, Any], lang: str) -> Screen:
    """A question drawn from the export alone, as the chat draws one: prompt, then buttons."""
    text = f"<b>{html.escape(q['prompt'][lang], quote=False)}</b>"
    if q["kind"] == "multi":
        rows = [
            [InlineKeyboardButton(f"☐ {o['label'][lang]}", callback_data=f"preview:{i}")]
            for i, o in enumerate(q["options"])
        ]
        done = (q.get("done") or {}).get("label", {}).get(lang, "Done")
        rows.append([InlineKeyboardButton(done, callback_data="preview:done")])
    else:
        rows = [
            [InlineKeyboardButton(o["label"][lang], callback_data=f"preview:{i}")]
            for i, o in enumerate(q["options"])
        ]
    return Screen(text, InlineKeyboardMarkup(rows) if rows else None)


def question_screens(flow: QuestionFlow, export: dict[str, Any]) -> list[Shown]:
    reached = reach_questions(flow, export)
    out = []
    for index, q in enumerate(export["questions"], 1):
        session = reached.get(q["id"])
        per_lang: dict[str, list[Screen]] = {}
        for lang in LANGS:
            if session is not None:  # the chat's own screen, checklists included
                step = flow.step(_in_lang(flow, session, lang))
                per_lang[lang] = [question_screen(step, lang, None)]
            else:
                per_lang[lang] = [_export_question(q, lang)]
        lists = {
            lang: [_option_text(o, lang) for o in q["options"]]
            for lang in LANGS
            if q["options"]
        }
        note = "" if session is not None else "drawn from the export (not reached by the walk)"
        sets = f", sets {q['field']}" if q.get("field") else ""
        title = f"{index}. {q['id']} ({q['kind']}{sets})"
        out.append(Shown(f"q-{q['id']}", title, "question", per_lang, lists, note))
    return out


def _option_text(option: dict[str, Any], lang: str) -> str:
    label = option["label"][lang]
    if "field" in option:  # a checklist option names the field it sets
        return f"{label}  ({option['field']} = {json.dumps(option['value'])})"
    return f"{label}  ({json.dumps(option['value'], ensure_ascii=False)})"


def _walk_to_summary(flow: QuestionFlow, session: Session) -> Session:
    """Answer with the first button (or a typed 30, a date, a checklist with nothing ticked)
    until the summary screen."""
    for _ in range(200):
        step = flow.step(session)
        if step.kind != "question" or step.question is None:
            break
        kind = step.question.kind
        attempt = {"key": step.buttons[0].key} if step.buttons else {"text": "30"}
        if kind == "multi":  # a checklist: Done with nothing ticked
            attempt = {"key": flow.checklist_key(())}
        elif kind == "date":
            attempt = {"text": "2020-06-30"}
        reply = flow.answer(session, **attempt)
        if not reply.accepted:
            break
        session = reply.session
    return session


def flow_screens(flow: QuestionFlow) -> list[Shown]:
    """The screens around the questions: a re-ask with candidates, an answered question, the
    summary part-way and before the result, the language and forget screens."""
    out: list[Shown] = []
    first = flow.new_session("en")
    step = flow.step(first)

    def reask(lang: Lang) -> Screen | None:
        # a typed answer several countries match: the chat offers them as buttons
        session = _in_lang(flow, first, lang)
        reply = flow.answer(session, text="Korea")
        if reply.accepted or not reply.buttons:
            return None
        return choices_screen(reply.message or "", reply.buttons, flow.step(session), lang, None)

    reasks = {lang: reask(lang) for lang in LANGS}
    if all(reasks.values()):
        out.append(
            Shown(
                "choices",
                "A typed answer with several candidates (“Korea”)",
                "flow",
                {lang: [screen] for lang, screen in reasks.items() if screen},
            )
        )
    answered = flow.answer(first, key=step.buttons[0].key).session if step.buttons else first
    out.append(
        Shown(
            "answered",
            "A question once answered",
            "flow",
            {
                lang: [
                    answered_screen(
                        flow.step(_in_lang(flow, first, lang)).prompt,
                        flow.summary(_in_lang(flow, answered, lang))[0].answer,
                        lang,
                    )
                ]
                for lang in LANGS
            },
        )
    )
    out.append(
        Shown(
            "summary",
            "/summary part-way through",
            "flow",
            {lang: [summary_screen(flow, _in_lang(flow, answered, lang), None)] for lang in LANGS},
        )
    )
    finished = _walk_to_summary(flow, first)
    if flow.step(finished).kind == "summary":
        out.append(
            Shown(
                "summary-before-result",
                "The summary before the result",
                "flow",
                {
                    lang: [summary_screen(flow, _in_lang(flow, finished, lang), None)]
                    for lang in LANGS
                },
            )
        )
    out.append(
        Shown("language", "/language", "flow", {lang: [language_screen(lang)] for lang in LANGS})
    )
    out.append(Shown("forget", "/forget", "flow", {lang: [forget_screen(lang)] for lang in LANGS}))
    return out


def result_screens_by_mix() -> list[Shown]:
    out = []
    for mix_id, title, raw in RESULT_MIXES:
        profile = Profile.model_validate(raw, strict=False)
        per_lang = {}
        statuses: set[str] = set()
        for lang in LANGS:
            evaluation = evaluate_profile(profile, lang)
            statuses = {r.status for r in evaluation.results} - {"no_match"}
            inp = ResultInput(
                evaluation=evaluation,
                lang=lang,
                gaps=gaps(profile),
                points_unknown=unknown_points(profile),
                today=profile.as_of,
            )
            per_lang[lang] = result_screens(inp, Session.new(lang), None)
        shown = ", ".join(sorted(statuses)) or "none"
        out.append(
            Shown(
                f"result-{mix_id}",
                title,
                "result",
                per_lang,
                note=f"statuses besides no_match: {shown}",
            )
        )
    return out


def result_mix_statuses() -> dict[str, frozenset[str]]:
    """The statuses (besides no_match) each result mix's profile really produces."""
    out = {}
    for mix_id, _title, raw in RESULT_MIXES:
        evaluation = evaluate_profile(Profile.model_validate(raw, strict=False), "en")
        out[mix_id] = frozenset(r.status for r in evaluation.results) - {"no_match"}
    return out


def placeholders_shown(text: str) -> str:
    """`text` with each placeholder written as {name} (a format spec such as {month:02d} kept
    as it is), so a reader sees where a value goes."""
    out = []
    for literal, name, spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append("{" + name + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def questionnaire_text_screens(flow: QuestionFlow) -> list[Shown]:
    """Every text of dialogs/texts.yaml: the words around the questions (progress, buttons,
    the replies to answers it cannot read), plain text, placeholders shown as {name}."""
    out = []
    for key, texts in flow.texts.entries.items():
        per_lang = {}
        for lang in LANGS:
            per_lang[lang] = [Screen(html.escape(placeholders_shown(texts[lang]), quote=False))]
        out.append(Shown(f"flowtext-{key}", key, "text", per_lang))
    return out


def catalogue_screens() -> list[Shown]:
    """Every text of bot/texts/messages.yaml, its placeholders shown as {name}."""
    out = []
    for key, texts in messages().items():
        per_lang = {}
        for lang in LANGS:
            names = {n for _, n, _, _ in string.Formatter().parse(texts[lang]) if n}
            per_lang[lang] = [Screen(t_raw(key, lang, **{n: "{" + n + "}" for n in names}))]
        out.append(Shown(f"text-{key}", key, "text", per_lang))
    return out


# --- the page ---------------------------------------------------------------------------------

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 3rem; background: #f4f5f7; }
h1 { margin: 1rem 0 .25rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #ccd; }
nav a { margin-right: 1rem; }
.screen { background: #fff; border: 1px solid #dde; border-radius: 8px; margin: 1rem 0;
  padding: .5rem 1rem 1rem; }
.screen h3 { margin: .25rem 0 .5rem; font-size: 15px; } .note { color: #667; font-size: 12px; }
.langs { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem; }
.lang h4 { margin: 0 0 .25rem; font-size: 12px; color: #556; text-transform: uppercase; }
.msg { background: #e7f3ff; border-radius: 10px; padding: .5rem .75rem; margin-bottom: .35rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.kb .row { display: flex; gap: 4px; margin-top: 4px; }
.kb .btn { flex: 1; text-align: center; background: #5b8fb9; color: #fff; border-radius: 6px;
  padding: 4px 6px; font-size: 13px; }
.kb .btn.url::after { content: " ↗"; }
ul.options { columns: 2; font-size: 12px; margin: .5rem 0 0; padding-left: 1.2rem; }
"""


def _keyboard(markup: InlineKeyboardMarkup | None) -> str:
    if markup is None:
        return ""
    rows = []
    for row in markup.inline_keyboard:
        buttons = "".join(
            f'<span class="btn{" url" if b.url else ""}">{html.escape(b.text)}</span>'
            for b in row
        )
        rows.append(f'<div class="row">{buttons}</div>')
    return f'<div class="kb">{"".join(rows)}</div>'


def _cell(shown: Shown, lang: str) -> str:
    parts = [f'<div class="lang" lang="{HTML_LANG[lang]}" data-lang="{lang}">']
    parts.append(f"<h4>{LANGUAGE_NAMES[lang]}</h4>")
    for screen in shown.messages[lang]:
        # Telegram HTML (b, i, a, code, …) is a subset of HTML: shown as it is.
        parts.append(f'<div class="msg">{screen.text}</div>{_keyboard(screen.keyboard)}')
    if lang in shown.lists:
        items = "".join(f"<li>{html.escape(item)}</li>" for item in shown.lists[lang])
        parts.append(f'<ul class="options">{items}</ul>')
    parts.append("</div>")
    return "".join(parts)


def _article(shown: Shown) -> str:
    note = f'<div class="note">{html.escape(shown.note)}</div>' if shown.note else ""
    cells = "".join(_cell(shown, lang) for lang in LANGS)
    return (
        f'<article class="screen" id="{shown.id}" data-screen="{shown.id}" '
        f'data-kind="{shown.kind}"><h3>{html.escape(shown.title)}</h3>{note}'
        f'<div class="langs">{cells}</div></article>'
    )


SECTIONS = (
    ("questions", "Questions", "Every question of the export as the chat sends it; its options."),
    ("flow", "Around the questions", "Re-asks, the summary, /language and /forget."),
    ("results", "Results", "One result for each mix of statuses, from the real evaluator."),
    ("texts", "Texts", "Every text of the bot's catalogue (bot/texts/messages.yaml)."),
    ("flowtexts", "Questionnaire texts", "Every text of dialogs/texts.yaml."),
)  # fmt: skip


def build_page(flow: QuestionFlow | None = None) -> str:
    """The whole preview page as one HTML document."""
    flow = flow or QuestionFlow.default(skip_by_rules=False)
    export = flow.export()
    groups: dict[str, Iterable[Shown]] = {
        "questions": question_screens(flow, export),
        "flow": flow_screens(flow),
        "results": result_screens_by_mix(),
        "texts": catalogue_screens(),
        "flowtexts": questionnaire_text_screens(flow),
    }
    nav = "".join(f'<a href="#{sid}">{title}</a>' for sid, title, _ in SECTIONS)
    body = [f"<h1>Every screen of the bot</h1><nav>{nav}</nav>"]
    for sid, title, intro in SECTIONS:
        body.append(f'<section id="{sid}"><h2>{title}</h2><p>{html.escape(intro)}</p>')
        body += [_article(shown) for shown in groups[sid]]
        body.append("</section>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>HK visa bot: every screen</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot preview",
        description="Write one HTML page with every screen of the bot in the three languages.",
    )
    parser.add_argument("--out", default="preview", help="directory to write preview.html to")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / PAGE_NAME
    path.write_text(build_page(), encoding="utf-8")
    print(path)
    return 0
