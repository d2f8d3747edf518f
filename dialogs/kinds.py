"""One class per question kind, as GOV.UK Smart Answers' question types: how a button key or
typed text is read (parse), which stored answers are valid (validate), the buttons offered, and
how an answer reads back (label). The routing never looks at a question's kind; it asks the
question's `QuestionKind`.

A kind reads input into an `Accepted` value (with an optional note for the person) or a
`Refused` message (with extra buttons to offer, if any). Storing the value and moving on is
the flow's (`dialogs.routing`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from dialogs.countries import country_name, find_countries
from dialogs.parsing import ParseError, is_dont_know, normalise, parse_bool, read_date, read_number
from dialogs.questions import AnswerValue, Option, Question, Texts
from dialogs.universities import EDITION, find_universities
from dialogs.views import Button
from rules.countries import is_country_code
from rules.profile import today_in_hong_kong

EARLIEST_DATE = date(1940, 1, 1)


@dataclass(frozen=True, slots=True)
class Accepted:
    """Input read as an answer: `value` as stored; `note` a confirmation to show, if any."""

    value: AnswerValue
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """Input that does not answer the question: `message` says why (or what to do next) in the
    person's language; `buttons` offer choices (several countries match, yes/no after a
    university look-up)."""

    message: str
    buttons: tuple[Button, ...] = ()


Outcome = Accepted | Refused


def _fmt_amount(value: float) -> str:
    return f"HK${value:,.0f}"


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _same(option_value: Any, answer: AnswerValue) -> bool:
    """An option's value equals an answer (True is not 1, None only matches None)."""
    return option_value is answer or (
        answer is not None and type(option_value) is type(answer) and option_value == answer
    )


class QuestionKind:
    """The behaviour shared by every kind: option buttons ("0", "1", … for every choice/bool
    option, or only the "not sure" option), a "not sure" typed answer, band buttons ("b0", …)."""

    #: Whether the stored answer is already the profile value (no conversion).
    plain = True

    def __init__(self, question: Question, texts: Texts) -> None:
        self.question = question
        self.texts = texts
        self.options: list[Option] = question.export_options()
        self.nullable = question.allows_null
        self._buttons: dict[str, tuple[Button, ...]] = {}

    # --- buttons --------------------------------------------------------------------------

    def buttons(self, lang: str) -> tuple[Button, ...]:
        """The question's buttons in display order (built once per language)."""
        cached = self._buttons.get(lang)
        if cached is None:
            cached = self._buttons[lang] = self._make_buttons(lang)
        return cached

    def _make_buttons(self, lang: str) -> tuple[Button, ...]:
        q = self.question
        buttons = [Button(f"b{i}", b.label[lang]) for i, b in enumerate(q.bands)]
        buttons += self._extra_buttons(lang)
        # Choice and bool: every option; number, date and text: the "not sure" option, if any.
        buttons += [Button(str(i), o.label[lang]) for i, o in enumerate(self.options)]
        return tuple(buttons)

    def _extra_buttons(self, lang: str) -> list[Button]:
        return []

    def selected_key(self, answer: AnswerValue) -> str | None:
        """The key of the button that stands for a stored answer (to mark it preselected)."""
        for i, opt in enumerate(self.options):
            if _same(opt.value, answer):
                return str(i)
        return None

    # --- reading input --------------------------------------------------------------------

    def read_key(self, key: str, lang: str) -> Outcome:
        """A button press."""
        q = self.question
        if key.isdigit() and int(key) < len(self.options):
            return Accepted(self.options[int(key)].value)
        if key.startswith("b") and key[1:].isdigit() and int(key[1:]) < len(q.bands):
            return Accepted(q.bands[int(key[1:])].id)
        return self.refuse("error_choice", lang)

    def read_text(self, text: str, lang: str) -> Outcome:
        """Typed text (stripped, not empty)."""
        if self.nullable and is_dont_know(text):
            return Accepted(None)
        try:
            return self.parse(text, lang)
        except ParseError as exc:
            return self.refuse(exc.message, lang, **exc.params)

    def parse(self, text: str, lang: str) -> Outcome:
        """Read typed text; raise `ParseError` naming the error text when it cannot."""
        return Accepted(text)

    def refuse(self, message: str, lang: str, **params: object) -> Refused:
        return Refused(self.texts.get(message, lang, **params))

    # --- stored answers -------------------------------------------------------------------

    def value_of(self, answer: AnswerValue) -> Any:
        """The profile value of a stored answer."""
        return answer

    def is_valid(self, answer: AnswerValue) -> bool:
        """Whether a stored answer is one this question could have given (stored sessions
        outlive changes to the data; an answer that no longer fits is dropped)."""
        if answer is None:
            return self.nullable
        return isinstance(answer, str)

    def label(self, answer: AnswerValue, lang: str) -> str:
        """How an answer reads in the summary: the option or band label, never a made-up
        figure."""
        for opt in self.options:
            if _same(opt.value, answer):
                return opt.label[lang]
        if answer is None:
            return self.texts.get("dont_know_answer", lang)
        return str(answer)

    def option_value(self, key: str) -> AnswerValue:
        """The value an option button's key stands for."""
        return self.options[int(key)].value


class TextKind(QuestionKind):
    """Free text, stored as typed."""


class ChoiceKind(QuestionKind):
    """One of a few options: a button, or its label typed (close enough counts)."""

    def parse(self, text: str, lang: str) -> Outcome:
        t = normalise(text)
        best: tuple[float, int] = (0.0, -1)
        for i, opt in enumerate(self.options):
            names = [normalise(v) for v in opt.label.values()]
            if opt.value is not None:
                names.append(normalise(str(opt.value)).replace("_", " "))
            if t in names:
                return Accepted(opt.value)
            score = max(fuzz.WRatio(t, n) for n in names)
            if score > best[0]:
                best = (score, i)
        if best[0] >= 88:
            return Accepted(self.options[best[1]].value)
        raise ParseError("error_choice")

    def is_valid(self, answer: AnswerValue) -> bool:
        if answer is None:
            return self.nullable
        return any(_same(o.value, answer) for o in self.options)


class CountryKind(ChoiceKind):
    """The nationality picker: the common countries as buttons ("c:VN"), "other" to type one;
    a typed name is looked up in every language."""

    def _make_buttons(self, lang: str) -> tuple[Button, ...]:
        buttons = [Button(f"c:{c}", country_name(c, lang)) for c in self.question.common]
        return (*buttons, Button("other", self.texts.get("other_country", lang)))

    def selected_key(self, answer: AnswerValue) -> str | None:
        return f"c:{answer}" if isinstance(answer, str) else None

    def read_key(self, key: str, lang: str) -> Outcome:
        if key.startswith("c:") and is_country_code(key[2:]):
            return Accepted(key[2:])
        if key == "other":
            return Refused(self.texts.get("type_other_country", lang))
        return self.refuse("error_choice", lang)

    def parse(self, text: str, lang: str) -> Outcome:
        codes = find_countries(text)
        if len(codes) == 1:
            name = country_name(codes[0], lang)
            return Accepted(codes[0], self.texts.get("country_taken", lang, name=name))
        if codes:
            buttons = tuple(Button(f"c:{c}", country_name(c, lang)) for c in codes)
            return Refused(self.texts.get("country_several", lang, text=text), buttons)
        return Refused(self.texts.get("country_none", lang, text=text))

    def is_valid(self, answer: AnswerValue) -> bool:
        return isinstance(answer, str) and is_country_code(answer)

    def label(self, answer: AnswerValue, lang: str) -> str:
        if isinstance(answer, str) and is_country_code(answer):
            return country_name(answer, lang)
        return super().label(answer, lang)


class BoolKind(ChoiceKind):
    """Yes / no (/ not sure). With the university look-up, a typed university name is looked
    up and the person is told whether it is on the list (then answers with the buttons)."""

    def parse(self, text: str, lang: str) -> Outcome:
        try:
            return Accepted(parse_bool(text))
        except ParseError:
            if self.question.lookup == "university":
                return self._university(text, lang)
            raise

    def _university(self, text: str, lang: str) -> Refused:
        found = find_universities(text)
        edition = EDITION.isoformat()
        buttons = self.buttons(lang)
        if not found:
            message = self.texts.get("university_none", lang, text=text, edition=edition)
            return Refused(message, buttons)
        if len(found) == 1:
            u = found[0]
            zh = u.chinese_name(lang)
            name = u.name_en if lang == "en" or not zh else f"{zh} ({u.name_en})"
            head = self.texts.get("university_found", lang, name=name, edition=edition)
        else:
            names = "; ".join(u.name_en for u in found)
            head = self.texts.get(
                "university_several", lang, text=text, names=names, edition=edition
            )
        space = " " if lang == "en" else ""
        caveat = self.texts.get("university_caveat", lang)
        return Refused(f"{head}{space}{caveat}", buttons)


class NumberKind(QuestionKind):
    """An amount, a number of years, an age…: typed ("29岁", "50万", "1.2m"), or a band button
    (stored as the band id, read as its lower edge); amounts also offer "type the exact
    amount"."""

    plain = False

    def __init__(self, question: Question, texts: Texts) -> None:
        super().__init__(question, texts)
        self.bands = {b.id: b for b in question.bands}
        self._band_ids = [b.id for b in question.bands]

    def _extra_buttons(self, lang: str) -> list[Button]:
        if self.question.unit == "hkd":
            return [Button("type", self.texts.get("type_exact", lang))]
        return []

    def selected_key(self, answer: AnswerValue) -> str | None:
        if isinstance(answer, str):
            return f"b{self._band_ids.index(answer)}" if answer in self.bands else None
        return super().selected_key(answer)

    def read_key(self, key: str, lang: str) -> Outcome:
        if key == "type":
            return Refused(self.texts.get("type_exact_hint", lang))
        return super().read_key(key, lang)

    def parse(self, text: str, lang: str) -> Outcome:
        q = self.question
        typed = normalise(text)
        for band in q.bands:  # a band's label typed out (or pasted) counts as pressing it
            if typed in (normalise(label) for label in band.label.values()):
                return Accepted(band.id)
        return Accepted(read_number(text, q.unit, lo=q.min, hi=q.max, integer=q.integer))

    def value_of(self, answer: AnswerValue) -> Any:
        if answer is None:
            return None
        if isinstance(answer, str):
            band = self.bands.get(answer)
            if band is None:
                return None
            answer = band.min
        return int(answer) if self.question.integer else answer

    def is_valid(self, answer: AnswerValue) -> bool:
        q = self.question
        if answer is None:
            return self.nullable
        if isinstance(answer, str):
            return answer in self.bands
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        return (q.min or 0) <= answer <= (q.max if q.max is not None else 1e13)

    def label(self, answer: AnswerValue, lang: str) -> str:
        if isinstance(answer, str):
            band = self.bands.get(answer)
            return band.label[lang] if band else answer
        for opt in self.options:
            if _same(opt.value, answer):
                return opt.label[lang]
        if answer is None:
            return self.texts.get("dont_know_answer", lang)
        unit = self.question.unit
        if unit == "hkd":
            return _fmt_amount(answer)
        if unit in ("years", "months"):  # "1 year", not "1 years"
            one = "_one" if float(answer) == 1 else ""
            return self.texts.get(f"unit_{unit}{one}", lang, n=_fmt_number(float(answer)))
        return _fmt_number(float(answer))


class DateKind(QuestionKind):
    """A date typed in many forms ("2026年3月1日", "March 2026"), stored as `YYYY-MM-DD`; not
    before 1940 and not in the future."""

    plain = False

    def parse(self, text: str, lang: str) -> Outcome:
        value, month_only = read_date(text, today_in_hong_kong(), earliest=EARLIEST_DATE)
        note = (
            self.texts.get("date_month_only", lang, date=value.isoformat()) if month_only else None
        )
        return Accepted(value.isoformat(), note)

    def value_of(self, answer: AnswerValue) -> Any:
        return date.fromisoformat(answer) if isinstance(answer, str) else answer

    def is_valid(self, answer: AnswerValue) -> bool:
        if answer is None:
            return self.nullable
        try:
            return EARLIEST_DATE <= date.fromisoformat(str(answer)) <= today_in_hong_kong()
        except ValueError:
            return False


class MultiKind(QuestionKind):
    """A checklist ("tick all that apply"): stored as the ticked line ids joined by commas ("" for
    none). Its buttons are "t<i>" (toggle a line; the adapter keeps the ticks until Done) and
    "m" + a hex bit mask (submit those ticks); typed, the numbers of the lines ("1 3") or
    "none"."""

    def __init__(self, question: Question, texts: Texts) -> None:
        super().__init__(question, texts)
        self._ids = {o.id for o in question.checklist}
        self._lines: dict[Any, dict[str, bool]] = {}

    @staticmethod
    def checklist_key(ticked: Iterable[int]) -> str:
        """The key that submits a checklist with these lines (indexes) ticked: "m" and a hex
        bit mask, short enough for callback data ("m0": nothing ticked)."""
        mask = 0
        for i in ticked:
            mask |= 1 << i
        return f"m{mask:x}"

    @staticmethod
    def checklist_mask(key: str | None) -> int | None:
        """The bit mask in a checklist key (None if `key` is not one)."""
        if not key or key[0] != "m" or len(key) > 9:
            return None
        try:
            return int(key[1:] or "0", 16)  # "m" alone: Done with nothing ticked
        except ValueError:
            return None

    def _make_buttons(self, lang: str) -> tuple[Button, ...]:
        lines = [Button(f"t{i}", o.label[lang]) for i, o in enumerate(self.question.checklist)]
        return (*lines, Button("m", self.texts.get("checklist_done", lang)))

    def ticked(self, answer: AnswerValue) -> set[str]:
        return set(answer.split(",")) if isinstance(answer, str) and answer else set()

    def selected_key(self, answer: AnswerValue) -> str | None:
        ticked = self.ticked(answer)
        return self.checklist_key(
            i for i, o in enumerate(self.question.checklist) if o.id in ticked
        )

    def _answer_of(self, mask: int) -> str | None:
        lines = self.question.checklist
        if mask < 0 or mask >> len(lines):
            return None
        return ",".join(o.id for i, o in enumerate(lines) if mask >> i & 1)

    def read_key(self, key: str, lang: str) -> Outcome:
        mask = self.checklist_mask(key)
        value = None if mask is None else self._answer_of(mask)
        if value is None:
            return self.refuse("error_choice", lang)
        return Accepted(value)

    def read_text(self, text: str, lang: str) -> Outcome:
        """Typed: the numbers of the lines that apply ("1 3", "1, 3"), or "none"/"0"."""
        n = len(self.question.checklist)
        words = [w for w in text.replace(",", " ").replace("，", " ").replace("、", " ").split()]
        if all(w.isdigit() for w in words) and words:
            picked = {int(w) for w in words} - {0}
            if all(1 <= k <= n for k in picked):
                return Accepted(self._answer_of(sum(1 << (k - 1) for k in picked)))
        nones = {normalise(w) for w in self.texts.get("checklist_none_words", lang).split("|")}
        if normalise(text) in nones:
            return Accepted("")
        return Refused(self.texts.get("error_checklist", lang, n=n))

    def lines(self, answer: AnswerValue) -> dict[str, bool]:
        """Each line's id and whether it is ticked (conditions read them like question ids)."""
        lines = self._lines.get(answer)
        if lines is None:
            ticked = self.ticked(answer)
            lines = {opt.id: opt.id in ticked for opt in self.question.checklist}
            if len(self._lines) < 65_536:
                self._lines[answer] = lines
        return lines

    def is_valid(self, answer: AnswerValue) -> bool:
        if answer is None:
            return self.nullable
        return isinstance(answer, str) and (not answer or self.ticked(answer) <= self._ids)

    def label(self, answer: AnswerValue, lang: str) -> str:
        ticked = self.ticked(answer)
        labels = [o.label[lang] for o in self.question.checklist if o.id in ticked]
        sep = "; " if lang == "en" else "；"
        return sep.join(labels) if labels else self.texts.get("checklist_none", lang)


def kind_of(question: Question, texts: Texts) -> QuestionKind:
    """The `QuestionKind` that handles a question."""
    if question.picker == "country":
        return CountryKind(question, texts)
    cls = {
        "choice": ChoiceKind,
        "bool": BoolKind,
        "number": NumberKind,
        "date": DateKind,
        "text": TextKind,
        "multi": MultiKind,
    }[question.kind]
    return cls(question, texts)
