"""A person's progress through the questionnaire: only their answers and how they got here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rules.i18n import Lang, normalise_lang

SESSION_FORMAT = 1
_SCALARS = (bool, int, float, str, type(None))

# The stored forms written or read lately, and their sessions. An adapter stores the session an
# update produced and reads that same text back on the person's next update: handing back the
# same (immutable) object skips parsing it again and keeps the flow's memos of the last session
# object (its step view, its summary) valid across the two updates.
_RECENT: dict[str, Session] = {}
_RECENT_MAX = 1024


def _remember(data: str, session: Session) -> None:
    _RECENT.pop(data, None)  # a hit moves to the young end
    _RECENT[data] = session
    if len(_RECENT) > _RECENT_MAX:
        del _RECENT[next(iter(_RECENT))]


class Session(BaseModel):
    """One person's progress: their answers by question id, and how they got here.

    `answers` is the source of truth. A number answered with a band button holds the band id
    (a string); a date holds `YYYY-MM-DD`; "not sure" holds null. `history` is the stack of
    states left by answering (for `back`). `state` and `flow_version` cache where the session
    is; `revision` grows on every change so an adapter can spot stale buttons.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = SESSION_FORMAT
    lang: Lang = "en"
    revision: int = 0
    # `Any` with a check of our own: pydantic's union of scalar types costs more to serialise
    # than the rest of a step's JSON together.
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)
    state: str | None = None
    flow_version: str = ""
    # Set while answering a question picked from "see my result now": where to go on from.
    resume: str | None = None

    @field_validator("answers")
    @classmethod
    def _plain_values(cls, answers: dict[str, Any]) -> dict[str, Any]:
        for value in answers.values():
            if type(value) not in _SCALARS:
                raise ValueError("an answer must be true, false, a number, a string or null")
        return answers

    @classmethod
    def new(cls, lang: str = "en") -> Session:
        """A fresh session; `lang` may be any Telegram/CLI code (see `normalise_lang`)."""
        return cls(lang=normalise_lang(lang))

    def to_json(self) -> str:
        """The stored form (compact JSON, well under 2 KB): `model_dump_json(exclude_defaults=
        True)`, calling the serializer directly (this runs on every step)."""
        data = self.__pydantic_serializer__.to_json(self, exclude_defaults=True).decode()
        _remember(data, self)
        return data

    @classmethod
    def from_json(cls, data: str | bytes) -> Session:
        """`model_validate_json(data)`: the same validation, without its Python wrapper; a text
        written or read lately gives back its session (see `_RECENT`)."""
        if type(data) is str:
            recent = _RECENT.get(data)
            if recent is not None:
                _remember(data, recent)
                return recent
            session = cls.__pydantic_validator__.validate_json(data)
            _remember(data, session)
            return session
        return cls.__pydantic_validator__.validate_json(data)


def copy_session(session: Session, update: dict[str, Any]) -> Session:
    """`session.model_copy(update=...)` for values the flow built itself (already valid),
    without pydantic's generic copy machinery: this runs on every step."""
    new = Session.__new__(Session)
    object.__setattr__(new, "__dict__", {**session.__dict__, **update})
    object.__setattr__(
        new, "__pydantic_fields_set__", session.__pydantic_fields_set__ | update.keys()
    )
    object.__setattr__(new, "__pydantic_extra__", None)
    object.__setattr__(new, "__pydantic_private__", None)
    return new
