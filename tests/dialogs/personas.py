"""Persona cases (tests/cases/*.yaml) walked through the questionnaire as a person would.

Each question is answered from the persona's profile: the option whose value it holds, its exact
figure or date typed, "Not sure" where the profile has no value. A checklist option is ticked
when the profile holds that option's value; an unticked option means the opposite, so the
"full profile" a walk is compared with reads a checklist fact the persona left empty as that
opposite too (a checklist only asks what a person always knows). The opening question about the
goal is answered from the profile (a job offer: "work with an offer"), otherwise "Not sure".
Used by tests/dialogs/test_personas.py and bench/bench_personas.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dialogs import QuestionFlow, Session
from rules import Evaluation, Profile, evaluate_profile

CASES = Path(__file__).resolve().parent.parent / "cases"
NOT_SURE_NAME = "not_sure_throughout"
LIMIT = 60


@dataclass(frozen=True)
class Persona:
    name: str
    as_of: date
    profile: dict[str, Any]
    # Where a question has no "not sure" option (nationality, age), the not-sure persona still
    # answers: these are facts everyone knows.
    not_sure: bool = False


@dataclass
class Walk:
    screens: int
    path: list[str]
    session: Session
    evaluation: Evaluation
    matches: set[str]
    expected_matches: set[str]
    full_profile: Profile
    notes: list[str] = field(default_factory=list)


def load_personas() -> list[Persona]:
    """Every case file, plus a persona who answers "Not sure" wherever it can."""
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append(Persona(path.stem, raw["as_of"], dict(raw["profile"])))
    out.append(Persona(NOT_SURE_NAME, date(2026, 11, 25), {"nationality": "IN", "age": 30}, True))
    return out


def match_keys(evaluation: Evaluation) -> set[str]:
    return {
        r.scheme + (f"/{r.category}" if r.category else "")
        for r in evaluation.results
        if r.status == "match"
    }


def _checklist_fields(flow: QuestionFlow) -> dict[str, Any]:
    """Each checklist option's field and the value an unticked option gives it."""
    return {
        opt.field: (not opt.value)
        for q in flow.questions
        if q.kind == "multi"
        for opt in q.checklist
    }


def full_profile(flow: QuestionFlow, persona: Persona) -> Profile:
    data = dict(persona.profile)
    for name, unticked in _checklist_fields(flow).items():
        if data.get(name) is None:
            data[name] = unticked
    data["as_of"] = persona.as_of
    return Profile.model_validate(data)


def goal_of(persona: Persona) -> str | None:
    if persona.not_sure:
        return None
    return "offer" if persona.profile.get("job_offer") is True else None


def _key_for(
    flow: QuestionFlow, session: Session, persona: Persona
) -> tuple[str | None, str | None]:
    step = flow.step(session)
    q = step.question
    assert q is not None
    profile = persona.profile
    if q.kind == "multi":
        ticked = [i for i, opt in enumerate(q.checklist) if profile.get(opt.field) == opt.value]
        return flow.checklist_key(ticked), None
    value = goal_of(persona) if q.field is None else profile.get(q.field)
    if persona.not_sure and q.field not in ("nationality", "age"):
        value = None
    if q.picker == "country":
        return None, str(value)
    if value is None:
        for b in step.buttons:
            if b.key.isdigit() and flow.option_value(q.id, b.key) is None:
                return b.key, None
        if q.kind != "bool":
            raise AssertionError(f"{persona.name}: no 'not sure' on {q.id}")
        value = False  # a yes/no fact everyone knows (born abroad): left empty, read as no
    if q.kind in ("bool", "choice"):
        for b in step.buttons:
            option = flow.option_value(q.id, b.key) if b.key.isdigit() else None
            if option == value and type(option) is type(value):
                return b.key, None
        raise AssertionError(f"{persona.name}: no option {value!r} on {q.id}")
    if isinstance(value, date):
        return None, value.isoformat()
    return None, str(value)


def walk_persona(persona: Persona, lang: str = "en", flow: QuestionFlow | None = None) -> Walk:
    """Answer until the summary (or the result); count the screens that asked something."""
    flow = (flow or QuestionFlow.default()).evaluating_on(persona.as_of)
    session = flow.new_session(lang)
    path: list[str] = []
    for _ in range(LIMIT):
        step = flow.step(session)
        if step.kind != "question":
            break
        key, text = _key_for(flow, session, persona)
        reply = flow.answer(session, key=key, text=text)
        assert reply.accepted, (persona.name, step.state, key, text, reply.message)
        path.append(step.state)
        session = reply.session
    else:
        raise AssertionError(f"{persona.name}: no end after {LIMIT} questions: {path}")
    evaluation = flow.result(session, persona.as_of)
    full = full_profile(flow, persona)
    return Walk(
        screens=len(path),
        path=path,
        session=session,
        evaluation=evaluation,
        matches=match_keys(evaluation),
        expected_matches=match_keys(evaluate_profile(full, lang)),
        full_profile=full,
    )
