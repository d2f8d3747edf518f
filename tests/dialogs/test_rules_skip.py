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


def _path(flow: QuestionFlow, inputs: list[tuple[str | None, str | None]]) -> list[str]:
    """Answer (key, text) in order, then "Not sure" (or Done, or the first button) to the
    end; returns the questions asked."""
    session = flow.new_session()
    asked: list[str] = []
    for _ in range(60):
        step = flow.step(session)
        if step.kind != "question":
            return asked
        asked.append(step.state)
        if inputs:
            key, text = inputs.pop(0)
        elif step.question is not None and step.question.kind == "multi":
            key, text = "m0", None
        else:
            keys = [b.key for b in step.buttons if b.key.isdigit()]
            nulls = [k for k in keys if flow.option_value(step.state, k) is None]
            key, text = (nulls or keys or [step.buttons[0].key])[0], None
        reply = flow.answer(session, key=key, text=text)
        assert reply.accepted, (step.state, key, text, reply.message)
        session = reply.session
    raise AssertionError(asked)


def test_a_not_sure_that_leaves_a_scheme_unsettled_stops_its_other_questions(
    flow_rules: QuestionFlow,
) -> None:
    # An Indian bachelor's graduate without good English or Chinese (so QMAS cannot fit) and
    # without a job offer: only TTPS C reads the bachelor's date. "Not sure" about the years of
    # work leaves TTPS C (less than 3 years) unsettled for good, so the date is not asked; and
    # TTPS B too: the years within the last 5 are asked only after 3 years of work or more, so
    # they stay unknown, and its university question goes as well.
    start = [("5", None), ("c:IN", None), (None, "30"), ("m0", None), ("2", None)]
    unsure = _path(flow_rules, [*start, (None, "not sure")])
    assert unsure[:6] == ["goal", "nationality", "age", "facts", "education", "work_years"]
    assert "bachelor_date" not in unsure and "bachelor_uni" not in unsure
    assert "recent_years" not in unsure
    # five years or more: TTPS C fails, TTPS B asks its university and its recent years
    long = _path(flow_rules, [*start, ("b4", None), ("0", None)])
    assert "bachelor_date" not in long and {"bachelor_uni", "recent_years"} <= set(long)
    # one to two years of work: TTPS C stays open and asks for the bachelor's degree
    known = _path(flow_rules, [*start, ("b1", None), (None, "2024-06-30")])
    assert {"bachelor_date", "bachelor_uni"} <= set(known)


def test_qmas_items_stop_once_the_pass_mark_is_out_of_reach() -> None:
    from datetime import date

    from dialogs.relevance import fields_that_could_match
    from rules import Profile

    # One of the twelve items met (English), five failed (age, the two postgraduate items, five
    # years of work, a listed company) and six unknown: QMAS's points (6 of 12) can still pass
    # only if five of those six are met, so "Not sure" about the business profit and the work
    # abroad leaves them out of reach. Its items are then not asked; the award that bypasses
    # the points still is.
    profile = Profile(
        as_of=date(2026, 11, 25),
        nationality="US",
        age=52,
        education="bachelor",
        good_english=True,
        good_chinese=False,
        work_experience_years=4,
        owns_listed_company=False,
        criminal_record=False,
    )
    items = {"renowned_company_years", "tech_finance_trade_years", "other_languages"}
    open_ = fields_that_could_match(profile)
    assert items <= open_ and "business_profit_hkd" in open_
    closed = frozenset({"business_profit_hkd", "international_work_years"})
    # one of the two still askable: the points can still pass
    assert items <= fields_that_could_match(profile, frozenset({"business_profit_hkd"}))
    after = fields_that_could_match(profile, closed)
    assert not items & after
    assert "exceptional_achievement" in after
    # the award answered no as well: QMAS asks nothing more
    no_award = profile.model_copy(update={"exceptional_achievement": False})
    assert not items & fields_that_could_match(no_award, closed)
