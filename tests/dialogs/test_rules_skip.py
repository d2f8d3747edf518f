"""The rules-based skip: questions whose field no scheme's result depends on are not asked."""

from __future__ import annotations

import random

import pytest

from dialogs import QuestionFlow

from .helpers import choose, walk_to_result

rules = pytest.importorskip("rules")
fields_that_matter = getattr(rules, "fields_that_matter", None)
if fields_that_matter is None:  # pragma: no cover - the rules are not there yet
    pytest.skip("rules.fields_that_matter is not available", allow_module_level=True)


def test_every_question_asked_still_matters(flow_rules: QuestionFlow) -> None:
    rng = random.Random(11)
    for _ in range(40):
        session = flow_rules.new_session()
        while True:
            step = flow_rules.step(session)
            if step.kind != "question":
                break
            assert step.question is not None
            profile = flow_rules.profile(session)
            matter = fields_that_matter(profile)
            # the opening question sets no field; a checklist is asked while any line matters
            assert not step.question.fields or set(step.question.fields) & matter, step.state
            key, text = choose(flow_rules, session, rng)
            session = flow_rules.answer(session, key=key, text=text).session


def test_skip_shortens_paths(flow: QuestionFlow, flow_rules: QuestionFlow) -> None:
    plain = [len(walk_to_result(flow, random.Random(s))[1]) for s in range(60)]
    ruled = [len(walk_to_result(flow_rules, random.Random(s))[1]) for s in range(60)]
    assert sum(ruled) < sum(plain)


def test_excluded_nationality_asks_few_questions(flow_rules: QuestionFlow) -> None:
    session = flow_rules.answer(flow_rules.new_session(), key="5").session
    session = flow_rules.answer(session, key="c:AF").session
    asked = 2
    while flow_rules.step(session).kind == "question":
        step = flow_rules.step(session)
        reply = (
            flow_rules.answer(session, text="40")
            if not step.buttons
            else flow_rules.answer(session, key=step.buttons[-1].key)
        )
        session = reply.session
        asked += 1
    assert asked < 20
    evaluation = flow_rules.result(flow_rules.answer(session, key="result").session)
    assert evaluation.results
