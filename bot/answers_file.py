"""A person's answers as a file they keep, and back: `/myanswers` in Telegram, a pasted JSON in
the terminal chat, the answers a resume code holds.

The file is a profile JSON of the contract (`../shared/contracts.md`: what `python -m rules
evaluate` reads), so it works with every tool that reads profiles. A question answered "not sure"
is written as its field with `null` (the contract's "unknown"), so that restoring it does not ask
it again; `as_of` is the day the file was made. The opening question (the person's goal) has no
profile field: restored, it reads "not sure yet".

Restoring replays the file through the questionnaire's public API (`QuestionFlow.answer`, one
question after another, as a person would answer), so the flow itself checks every value and
keeps only the answers on the person's path; it stops at the first question the file does not
answer, which is then asked. A file refused for any reason changes nothing: the caller keeps the
session it had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from dialogs import QuestionFlow, Session
from rules.profile import Profile, today_in_hong_kong

MAX_FILE_BYTES = 16 * 1024  # a full profile is under 2 KB
EARLIEST_DATE = date(1940, 1, 1)  # the questionnaire's earliest date
MAX_STEPS = 200  # more than there are questions: a replay always ends
FILE_NAME = "my-answers.json"


class AnswersRefused(Exception):
    """Why a file cannot be restored: a key of bot/texts/messages.yaml and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values


@lru_cache(maxsize=8)  # a flow is immutable; its export takes milliseconds
def _questions(flow: QuestionFlow) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in flow.export()["questions"]}


def answers_document(flow: QuestionFlow, session: Session, as_of: date) -> dict[str, Any]:
    """The session's answers as a profile (fields the rules read; "not sure" as null)."""
    profile = flow.profile(session, as_of).model_dump(mode="json", exclude_none=True)
    questions = _questions(flow)
    for row in flow.summary(session):
        field = questions[row.question_id].get("field")
        if field and session.answers.get(row.question_id, 0) is None:
            profile.setdefault(field, None)
    return {"as_of": as_of.isoformat(), **{k: v for k, v in profile.items() if k != "as_of"}}


def has_answers(flow: QuestionFlow, session: Session) -> bool:
    return bool(flow.summary(session))


def document_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_document(raw: bytes | str) -> dict[str, Any]:
    """The fields of an answers file, checked as the rules check a profile. Raises
    `AnswersRefused`: too big, not JSON, not an object, an unknown field or a wrong value."""
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > MAX_FILE_BYTES:
        raise AnswersRefused("myanswers_too_big", size=f"{MAX_FILE_BYTES // 1024} KB")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AnswersRefused("myanswers_not_json") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise AnswersRefused("myanswers_not_json") from None
    if not isinstance(data, dict):
        raise AnswersRefused("myanswers_not_object")
    try:
        Profile.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            raise AnswersRefused("myanswers_unknown_field", field=field[:40]) from None
        raise AnswersRefused("myanswers_bad_value", field=field[:40]) from None
    return data


@dataclass(frozen=True, slots=True)
class _Holder:
    """The question that holds a profile field (and, in a checklist, which line)."""

    question: dict[str, Any]
    line: int | None = None


def _holders(questions: dict[str, dict[str, Any]]) -> dict[str, _Holder]:
    out: dict[str, _Holder] = {}
    for q in questions.values():
        if q["kind"] == "multi":
            for i, option in enumerate(q["options"]):
                out.setdefault(option["field"], _Holder(q, i))
        elif q.get("field"):
            out.setdefault(q["field"], _Holder(q))
    return out


def _holds(holder: _Holder, value: Any, today: date) -> bool:
    """Whether the question could have given this value (null: where it has "don't know")."""
    q = holder.question
    if holder.line is not None:
        return isinstance(value, bool)
    options = [o["value"] for o in q["options"]]
    if value is None:
        return None in options
    if q["kind"] in ("choice", "bool"):
        return any(type(o) is type(value) and o == value for o in options)
    if q["kind"] == "number":
        low, high = q.get("min"), q.get("max")
        return (low is None or value >= low) and (high is None or value <= high)
    if q["kind"] == "date":  # as the questionnaire takes a date: not before 1940, not ahead
        return EARLIEST_DATE.isoformat() <= value <= today.isoformat()
    return True


def _check_values(data: dict[str, Any], holders: dict[str, _Holder], today: date) -> None:
    for field, value in data.items():
        if field == "as_of":
            continue
        holder = holders.get(field)
        if holder is None or not _holds(holder, value, today):
            raise AnswersRefused("myanswers_bad_value", field=field)


def _typed(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _press(q: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, str], str | None] | None:
    """How a person would answer `q` to say what the file says: ({"key": …} or {"text": …},
    the field it comes from), or None when the file does not answer it."""
    options = q["options"]
    if q["kind"] == "multi":
        values = [data.get(o["field"]) for o in options]
        if not all(isinstance(v, bool) for v in values):
            return None
        ticked = [i for i, o in enumerate(options) if data[o["field"]] == o["value"]]
        return {"key": QuestionFlow.checklist_key(ticked)}, None
    field = q.get("field")
    if field is None or field not in data:
        if field is None and any(o["value"] is None for o in options):
            # a question the rules do not read (the goal): "not sure", as the file cannot say
            return {"key": str(next(i for i, o in enumerate(options) if o["value"] is None))}, None
        return None
    value = data[field]
    for i, option in enumerate(options):
        if type(option["value"]) is type(value) and option["value"] == value:
            if q["kind"] == "choice" and len(options) > 100:  # the country picker
                return {"key": f"c:{value}"}, field
            return {"key": str(i)}, field
    if value is None:
        return None
    return {"text": _typed(value)}, field


def restore(flow: QuestionFlow, lang: str, data: dict[str, Any]) -> Session:
    """A new session in `lang` holding the file's answers, at the first question it does not
    answer (or at the result). Raises `AnswersRefused` when a value is one no question of the
    flow can hold, or the file answers nothing."""
    questions = _questions(flow)
    _check_values(data, _holders(questions), flow.as_of or today_in_hong_kong())
    session = flow.new_session(lang)
    answered = False
    for _ in range(MAX_STEPS):
        step = flow.step(session)
        if step.kind == "summary":
            session = flow.answer(session, key="result").session
            continue
        if step.kind != "question" or step.question is None:
            break
        press = _press(questions[step.state], data)
        if press is None:
            break
        how, field = press
        reply = flow.answer(session, **how)
        if not reply.accepted:
            raise AnswersRefused("myanswers_bad_value", field=field or step.state)
        session = reply.session
        answered = answered or field is not None or step.question.kind == "multi"
    if not answered:
        raise AnswersRefused("myanswers_empty")
    return session


def restore_text(flow: QuestionFlow, lang: str, raw: bytes | str) -> Session:
    """`restore(read_document(raw))`."""
    return restore(flow, lang, read_document(raw))
