"""The answers file (bot/answers_file.py) and resume codes (bot/resume_codes.py) without
Telegram: a file restores the answers it was made from, a bad one is refused with its reason,
and the terminal chat restores a pasted file."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest

from bot import resume_codes
from bot.answers_file import (
    AnswersRefused,
    answers_document,
    document_bytes,
    read_document,
    restore,
    restore_text,
)
from bot.terminal_chat import TerminalChat
from dialogs import QuestionFlow, Session

FLOW = QuestionFlow.default()
AS_OF = date(2026, 11, 25)


def _random_walk(seed: int, lang: str = "en") -> Session:
    """A session answered at random (buttons, typed numbers and dates, checklists)."""
    rng = random.Random(seed)
    session = FLOW.new_session(lang)
    for _ in range(80):
        step = FLOW.step(session)
        if step.kind == "summary":
            session = FLOW.answer(session, key="result").session
            continue
        if step.kind != "question" or step.question is None:
            break
        q = step.question
        if q.kind == "multi":
            ticks = [i for i in range(len(q.checklist)) if rng.random() < 0.3]
            reply = FLOW.answer(session, key=FLOW.checklist_key(ticks))
        elif q.kind == "date":
            reply = FLOW.answer(session, text=f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-15")
        elif q.kind == "number" and (not step.buttons or rng.random() < 0.3):
            low = int(q.min or 0)
            reply = FLOW.answer(session, text=str(rng.randint(low, low + 40)))
        else:
            reply = FLOW.answer(session, key=rng.choice(step.buttons).key)
        if not reply.accepted:  # e.g. a typed number a question does not take: a button then
            reply = FLOW.answer(session, key=step.buttons[0].key)
        assert reply.accepted, (q.id, reply.message)
        session = reply.session
    return session


@pytest.mark.parametrize("seed", range(40))
def test_a_file_restores_what_it_was_made_from(seed):
    session = _random_walk(seed)
    document = answers_document(FLOW, session, AS_OF)
    restored = restore_text(FLOW, "zh-hans", document_bytes(document))
    assert restored.lang == "zh-hans"
    assert answers_document(FLOW, restored, AS_OF) == document
    assert FLOW.step(restored).kind == FLOW.step(session).kind
    assert FLOW.profile(restored, AS_OF) == FLOW.profile(session, AS_OF)
    # every question but the goal (no profile field) keeps its answer, a band as its lower edge
    for qid, answer in session.answers.items():
        if qid != "goal" and answer is not None and qid in restored.answers:
            assert FLOW.value_of(qid, restored.answers[qid]) == FLOW.value_of(qid, answer)


def test_not_sure_is_kept_as_null_and_not_asked_again():
    session = FLOW.new_session("en")
    for how in ({"key": "5"}, {"key": "c:VN"}, {"text": "30"}, {"key": FLOW.checklist_key([])}):
        session = FLOW.answer(session, **how).session
    education = FLOW.step(session)
    assert education.state == "education"
    unknown = next(
        b.key for b in education.buttons if FLOW.option_value("education", b.key) is None
    )
    session = FLOW.answer(session, key=unknown).session
    document = answers_document(FLOW, session, AS_OF)
    assert document["education"] is None
    restored = restore(FLOW, "en", read_document(json.dumps(document)))
    assert restored.answers["education"] is None
    assert FLOW.step(restored).state == FLOW.step(session).state


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"x" * 20_000, "myanswers_too_big"),
        (b"\xff\xfe", "myanswers_not_json"),
        ("not json", "myanswers_not_json"),
        ("[" * 5000 + "]" * 5000, "myanswers_not_json"),  # nested past the parser's depth
        ('"a string"', "myanswers_not_object"),
        ('{"age": 30, "as_of": "2026-01-01", "wish": true}', "myanswers_unknown_field"),
        ('{"age": true}', "myanswers_bad_value"),
        ('{"as_of": "yesterday"}', "myanswers_bad_value"),
        ('{"annual_income_hkd": -5}', "myanswers_bad_value"),
    ],
)
def test_bad_files_name_their_reason(raw, key):
    with pytest.raises(AnswersRefused) as refused:
        read_document(raw)
    assert refused.value.key == key


@pytest.mark.parametrize(
    "data",
    [
        {"age": 101},  # the questionnaire takes 14 to 100
        {"nationality": "ZZ"},
        {"months_lived_overseas": None},
        {"graduated_on": "1939-12-31"},
        {"other_languages": 21},
    ],
)
def test_values_no_question_can_hold_are_refused(data):
    if data == {"months_lived_overseas": None}:
        # months abroad has a "don't know": null is a value it can hold, and nothing else is
        # answered, so the file holds no answers the questionnaire reaches
        with pytest.raises(AnswersRefused) as refused:
            restore(FLOW, "en", data)
        assert refused.value.key == "myanswers_empty"
        return
    with pytest.raises(AnswersRefused) as refused:
        restore(FLOW, "en", data)
    assert refused.value.key == "myanswers_bad_value"
    assert refused.value.values["field"] == next(iter(data))


def test_resume_codes_are_random_readable_and_bound_to_their_user():
    codes = {resume_codes.new_code() for _ in range(2000)}
    assert len(codes) == 2000  # random, not derived from anything
    code = codes.pop()
    assert len(code) == 8 and set(code) <= set(resume_codes.ALPHABET)
    assert not set("01ILO") & set(resume_codes.ALPHABET)
    shown = resume_codes.shown(code)
    assert resume_codes.normalise(shown.lower()) == code
    assert resume_codes.normalise(f" {shown[:4]} {shown[5:]} ") == code
    assert resume_codes.normalise("OOOO-0000") is None and resume_codes.normalise("ABC") is None
    stored = resume_codes.code_hash(7, code)
    assert code not in stored
    assert resume_codes.matches(7, code, stored) and not resume_codes.matches(8, code, stored)
    last = resume_codes.last_valid_day(date(2026, 1, 1), 60)
    assert last == date(2026, 3, 2)
    assert resume_codes.still_valid(last.isoformat(), date(2026, 3, 2))
    assert not resume_codes.still_valid(last.isoformat(), date(2026, 3, 3))


def test_the_terminal_chat_restores_a_pasted_file_and_refuses_a_bad_one():
    out: list[str] = []
    chat = TerminalChat(FLOW, "en", out.append)
    chat.show()
    for line in ("6", "Vietnam"):  # not sure of the goal (numbered from 1); Vietnam
        chat.handle(line)
    before = dict(chat.session.answers)
    assert before == {"goal": None, "nationality": "VN"}
    # a bad paste: refused with its reason, the answers as they were, the question asked again
    for line in ('{"age": 30,', '  "colour": "blue"}'):
        assert chat.handle(line)
    text = "\n".join(out)
    assert 'a field no question asks about: "colour"' in text
    assert "Nothing has changed" in text and chat.session.answers == before
    assert FLOW.step(chat.session).prompt in out[-3:]  # the age question, asked again
    # a good one, pasted over several lines as /myanswers writes it
    session = _random_walk(3)
    document = answers_document(FLOW, session, AS_OF)
    out.clear()
    for line in document_bytes(document).decode().splitlines():
        assert chat.handle(line)
    assert "Your answers are back" in "\n".join(out)
    assert FLOW.profile(chat.session, AS_OF) == FLOW.profile(session, AS_OF)
    # and the chat goes on reading answers and commands as before
    chat.handle("summary")
    assert "== Your answers ==" in "\n".join(out)
