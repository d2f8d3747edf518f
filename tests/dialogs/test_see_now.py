"""'See my result now' in the flow: at every step from the third question on, the result so far
and one question per possible scheme; answering just that goes on from where the person was."""

from __future__ import annotations

import random

from dialogs import QuestionFlow

from .helpers import choose


def test_at_every_step_the_offer_is_sound(flow_rules: QuestionFlow) -> None:
    rng = random.Random(4)
    for _ in range(15):
        session = flow_rules.new_session()
        while (step := flow_rules.step(session)).kind == "question":
            assert step.can_see_now == (step.progress[0] >= 3)
            if step.can_see_now:
                provisional = flow_rules.provisional(session)
                assert flow_rules.step(session) == step  # nothing changed
                possible = {
                    r.scheme + (f"/{r.category}" if r.category else "")
                    for r in provisional.evaluation.results
                    if r.status == "possible"
                }
                for settle in provisional.settle:
                    assert settle.scheme in possible
                    assert settle.question_id not in session.answers
                    if settle.question_id != step.state:
                        jumped = flow_rules.jump(session, settle.question_id)
                        assert flow_rules.step(jumped).state == settle.question_id
                        key, text = choose(flow_rules, jumped, rng)
                        after = flow_rules.answer(jumped, key=key, text=text)
                        assert after.accepted
                        # on from where the person was (or an earlier question it opened)
                        reached = flow_rules.step(after.session).state
                        assert reached in flow_rules.by_id or reached == "summary"
                        assert after.session.resume is None
            key, text = choose(flow_rules, session, rng)
            session = flow_rules.answer(session, key=key, text=text).session


def test_jump_refuses_answered_and_unknown_questions(flow: QuestionFlow) -> None:
    session = flow.answer(flow.new_session(), key="5").session
    for qid in ("goal", "nope"):
        try:
            flow.jump(session, qid)
        except ValueError:
            continue
        raise AssertionError(qid)


def test_answer_given_out_of_turn_is_kept_and_shown(flow_rules: QuestionFlow) -> None:
    s = flow_rules.answer(flow_rules.new_session(), key="5").session
    s = flow_rules.answer(s, key="c:IN").session
    s = flow_rules.answer(s, text="30").session
    assert flow_rules.step(s).state == "facts"
    jumped = flow_rules.jump(s, "work_years")
    s2 = flow_rules.answer(jumped, key="b4").session
    assert flow_rules.step(s2).state == "facts"
    rows = {r.question_id: r.answer for r in flow_rules.summary(s2)}
    assert rows["work_years"] == "5 years or more"
    # once the questions before it are answered, the walk passes it without asking again
    s3 = flow_rules.answer(flow_rules.answer(s2, key="m0").session, key="2").session
    assert flow_rules.step(s3).state not in ("work_years", "education")
    assert s3.answers["work_years"] == "ge5"
