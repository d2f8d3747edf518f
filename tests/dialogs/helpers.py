"""Driving the questionnaire in tests."""

from __future__ import annotations

import random

from dialogs import QuestionFlow, Reply, Session

# Nationalities that exercise every condition (CN: Mainland questions, LA/NP: UGC question).
WALK_COUNTRIES = ("CN", "LA", "NP", "VN", "US", "AF", "MO", "GB")


def press(flow: QuestionFlow, session: Session, key: str) -> Session:
    reply = flow.answer(session, key=key)
    assert reply.accepted, (flow.step(session).state, key, reply.message)
    return reply.session


def typed(flow: QuestionFlow, session: Session, text: str) -> Reply:
    return flow.answer(session, text=text)


def choose(
    flow: QuestionFlow, session: Session, rng: random.Random
) -> tuple[str | None, str | None]:
    """A random valid input for the current step: (key, text)."""
    step = flow.step(session)
    if step.kind == "summary":
        return "result", None
    q = step.question
    assert q is not None
    if q.picker == "country":
        return f"c:{rng.choice(WALK_COUNTRIES)}", None
    if q.kind == "multi":  # tick a random set of lines, then Done
        ticked = [i for i in range(len(q.checklist)) if rng.random() < 0.4]
        return flow.checklist_key(ticked), None
    keys = [b.key for b in step.buttons if b.key not in ("type", "other")]
    if q.kind == "number" and (not keys or rng.random() < 0.3):
        lo, hi = int(q.min or 0), int(min(q.max or 100, 100))
        return None, str(rng.randint(lo, hi))
    return rng.choice(keys), None


def walk_to_result(
    flow: QuestionFlow, rng: random.Random, lang: str = "en", limit: int = 200
) -> tuple[Session, list[str]]:
    """A fresh session answered at random until the result; returns it and the states seen."""
    session = flow.new_session(lang)
    states = [flow.step(session).state]
    for _ in range(limit):
        if states[-1] == "result":
            return session, states
        key, text = choose(flow, session, rng)
        reply = flow.answer(session, key=key, text=text)
        assert reply.accepted, (states[-1], key, text, reply.message)
        session = reply.session
        states.append(flow.step(session).state)
    raise AssertionError(f"no result after {limit} steps: {states}")
