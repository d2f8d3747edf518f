"""Each question on its own: reached along some path, then its boundary values (not the
Cartesian product of all questions)."""

from __future__ import annotations

import random
from datetime import timedelta
from functools import cache

import pytest

from dialogs import QuestionFlow, Session
from rules.profile import today_in_hong_kong

from .helpers import choose

FLOW = QuestionFlow.default(skip_by_rules=False)


@cache
def reach(qid: str) -> Session:
    """A session whose current question is `qid`, found by seeded random walks."""
    for seed in range(5000):
        rng = random.Random(seed)
        session = FLOW.new_session()
        for _ in range(100):
            step = FLOW.step(session)
            if step.state == qid:
                return session
            if step.kind != "question":
                break
            key, text = choose(FLOW, session, rng)
            session = FLOW.answer(session, key=key, text=text).session
    raise AssertionError(f"question {qid} was never reached")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@pytest.mark.parametrize("qid", [q.id for q in FLOW.questions])
def test_every_question_is_reachable_and_shows_its_prompt(qid: str) -> None:
    step = FLOW.step(reach(qid))
    assert step.prompt == FLOW.by_id[qid].prompt["en"]
    assert step.progress is not None and step.progress[0] <= step.progress[1]


@pytest.mark.parametrize("qid", [q.id for q in FLOW.questions if q.kind == "number"])
def test_number_question_boundaries(qid: str) -> None:
    q = FLOW.by_id[qid]
    s = reach(qid)
    lo, hi = q.min or 0, q.max
    assert hi is not None
    for good in (lo, hi):
        reply = FLOW.answer(s, text=_fmt(good))
        assert reply.accepted, (good, reply.message)
        assert FLOW.value_of(qid, reply.session.answers[qid]) == good
    for bad in (hi * 1.5 + 1, "-1", "twelve"):
        reply = FLOW.answer(s, text=_fmt(bad) if not isinstance(bad, str) else bad)
        assert not reply.accepted and reply.session is s and reply.message
    if lo > 0:
        assert not FLOW.answer(s, text=_fmt(lo - 1)).accepted
    if q.integer:
        assert not FLOW.answer(s, text=f"{lo}.5").accepted
    for i, band in enumerate(q.bands):  # each band button gives its lower edge
        reply = FLOW.answer(s, key=f"b{i}")
        assert reply.accepted and reply.session.answers[qid] == band.id
        profile_value = getattr(FLOW.profile(reply.session), q.field)
        assert profile_value == band.min
    if q.dont_know:
        reply = FLOW.answer(s, key="0")
        assert reply.accepted and reply.session.answers[qid] is None


@pytest.mark.parametrize("qid", [q.id for q in FLOW.questions if q.kind == "date"])
def test_date_question_boundaries(qid: str) -> None:
    s = reach(qid)
    today = today_in_hong_kong()
    assert FLOW.answer(s, text=today.isoformat()).accepted
    assert not FLOW.answer(s, text=(today + timedelta(days=1)).isoformat()).accepted
    assert FLOW.answer(s, text="1940-01-01").accepted
    assert not FLOW.answer(s, text="1939-12-31").accepted
    assert not FLOW.answer(s, text="soon").accepted
    assert FLOW.answer(s, key="0").session.answers[qid] is None


@pytest.mark.parametrize("qid", [q.id for q in FLOW.questions if q.kind in ("bool", "choice")])
def test_every_option_of_every_question(qid: str) -> None:
    s = reach(qid)
    q = FLOW.by_id[qid]
    step = FLOW.step(s)
    for button in step.buttons:
        if button.key == "other":
            continue
        reply = FLOW.answer(s, key=button.key)
        assert reply.accepted, button
        after = reply.session
        assert FLOW.step(after).state != qid
        assert FLOW.summary(after)  # the answer shows in the summary
        value = after.answers[qid]
        if q.picker is None:
            assert value in [o.value for o in q.export_options()]
    for label in (o.label["zh-hant"] for o in q.export_options()[:3] if q.picker is None):
        assert FLOW.answer(s, text=label).accepted, label
