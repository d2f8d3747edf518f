"""Checklists (`multi`): one screen, ticked lines set their field to the line's value, unticked
ones to the opposite; Done with nothing ticked is an answer; typed numbers work too."""

from __future__ import annotations

import pytest

from dialogs import QuestionFlow, Session

from .helpers import press


def _at_facts(flow: QuestionFlow) -> Session:
    session = flow.new_session()
    session = press(flow, session, "5")  # goal: not sure
    session = press(flow, session, "c:US")
    session = flow.answer(session, text="30").session
    assert flow.step(session).state == "facts"
    return session


def test_step_shows_lines_and_done(flow: QuestionFlow) -> None:
    step = flow.step(_at_facts(flow))
    q = step.question
    assert q is not None and q.kind == "multi"
    assert [b.key for b in step.buttons] == [f"t{i}" for i in range(len(q.checklist))] + ["m"]
    assert step.buttons[-1].label == "Done"
    assert "Tick all that apply" in (step.hint or "")


def test_done_with_nothing_ticked_sets_every_field_to_the_opposite(flow: QuestionFlow) -> None:
    session = press(flow, _at_facts(flow), flow.checklist_key([]))
    profile = flow.profile(session)
    q = flow.by_id["facts"]
    for line in q.checklist:
        assert getattr(profile, line.field) is (not line.value), line.field
    assert flow.answer_label("facts", session.answers["facts"], "en") == "None of these"


def test_ticked_lines_set_their_value(flow: QuestionFlow) -> None:
    q = flow.by_id["facts"]
    ids = [line.id for line in q.checklist]
    picked = [ids.index("english"), ids.index("record")]
    session = press(flow, _at_facts(flow), flow.checklist_key(picked))
    profile = flow.profile(session)
    assert profile.good_english is True and profile.criminal_record is True
    assert profile.good_chinese is False and profile.job_offer is False
    # back to the checklist: the ticks are preselected
    again = flow.step(flow.change(session, "facts"))
    assert flow.checklist_mask(again.selected) == (1 << picked[0]) | (1 << picked[1])


@pytest.mark.parametrize(("text", "english"), [("2", True), ("none", False), ("1, 2", True)])
def test_typed_numbers(flow: QuestionFlow, text: str, english: bool) -> None:
    reply = flow.answer(_at_facts(flow), text=text)
    assert reply.accepted, reply.message
    assert flow.profile(reply.session).good_english is english


@pytest.mark.parametrize("text", ["99", "hello", "1 99"])
def test_typed_nonsense_is_refused_and_keeps_answers(flow: QuestionFlow, text: str) -> None:
    session = _at_facts(flow)
    reply = flow.answer(session, text=text)
    assert not reply.accepted and reply.message and "numbers" in reply.message
    assert reply.session.answers == session.answers


def test_bad_mask_is_refused(flow: QuestionFlow) -> None:
    n = len(flow.by_id["facts"].checklist)
    assert not flow.answer(_at_facts(flow), key=f"m{1 << n:x}").accepted
    assert not flow.answer(_at_facts(flow), key="mzz").accepted
    assert flow.answer(_at_facts(flow), key="m").accepted  # Done alone: nothing ticked


def test_a_line_reads_in_later_conditions(flow: QuestionFlow) -> None:
    q = flow.by_id["facts"]
    offer = [line.id for line in q.checklist].index("offer")
    session = press(flow, _at_facts(flow), flow.checklist_key([offer]))
    step = flow.step(session)
    assert step.state == "education"
    null = next(b.key for b in step.buttons if flow.option_value("education", b.key) is None)
    assert flow.step(press(flow, session, null)).state != "offer_fit"  # asked after work, income
    assert "offer_fit" in flow.conditions and "offer" in flow.conditions["offer_fit"].reads


def test_export_shape(flow: QuestionFlow) -> None:
    facts = next(q for q in flow.export()["questions"] if q["id"] == "facts")
    assert facts["kind"] == "multi" and "field" not in facts
    assert facts["done"]["label"] == {"en": "Done", "zh-hant": "完成", "zh-hans": "完成"}
    assert {k: v for k, v in facts["options"][1].items() if k != "label"} == {
        "field": "good_english",
        "value": True,
    }
