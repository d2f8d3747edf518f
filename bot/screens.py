"""What the bot shows for each dialog step: HTML text and inline keyboard, no I/O.

Handlers turn an update into a dialog call, then send or edit with the `Screen` built here.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks as cb
from bot.broadcast.schemes import result_subscribe_row
from bot.followup.buttons import result_followup_row
from bot.outbox import Key, Keyboard
from bot.reminders import remind_row
from bot.render import escape as _e
from bot.render import to_html
from bot.texts import LANGUAGE_NAMES, t
from bot.views import Action, View
from bot.views.result import ResultInput, result_view
from bot.views.session import fingerprint
from dialogs import Button, Provisional, QuestionFlow, Session, Step
from rules.i18n import Lang

# Labels longer than this get a row of their own; shorter ones go two to a row.
SHORT_LABEL = 18


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    keyboard: InlineKeyboardMarkup | Keyboard | None = None


Button_ = Key | InlineKeyboardButton


def _rows(buttons: list[Button_]) -> list[list[Button_]]:
    rows: list[list[Button_]] = []
    pending: list[Button_] = []
    for button in buttons:
        if len(button.text) > SHORT_LABEL:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([button])
        else:
            pending.append(button)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    return rows


def answer_buttons(
    buttons: tuple[Button, ...], state: str, revision: int, owner: int | None, selected: str | None
) -> list[Button_]:
    out: list[Button_] = []
    datas = cb.encode_all(cb.ANSWER, owner, revision, state, [b.key for b in buttons])
    for b, data in zip(buttons, datas, strict=True):
        label = f"✓ {b.label}" if b.key == selected else b.label
        out.append(Key(label, data))
    return out


TICKED, UNTICKED = "☑", "☐"


def toggle_key(line: int, mask: int) -> str:
    """Callback key of a checklist line: toggle `line` from the ticks in `mask` (the ticks live
    in the keyboard until Done, so a toggle writes nothing and survives a restart)."""
    return f"t{line}:{mask:x}"


def parse_toggle(key: str) -> tuple[int, int] | None:
    """(line, mask) from a `toggle_key`, None if `key` is not one."""
    if not key.startswith("t") or ":" not in key:
        return None
    line, _, mask = key[1:].partition(":")
    try:
        return int(line), int(mask, 16)
    except ValueError:
        return None


def checklist_buttons(step: Step, owner: int | None, mask: int) -> list[list[Button_]]:
    """One row per line, ☐/☑ and its label as exported; then Done, which submits the ticks."""
    rows = []
    lines = [b for b in step.buttons if b.key.startswith("t")]
    for i, b in enumerate(lines):
        mark = TICKED if mask >> i & 1 else UNTICKED
        data = cb.Callback(cb.ANSWER, owner, step.revision, step.state, toggle_key(i, mask))
        rows.append([Key(f"{mark} {b.label}", data.encode())])
    done = next(b for b in step.buttons if b.key == "m")
    data = cb.Callback(
        cb.ANSWER,
        owner,
        step.revision,
        step.state,
        QuestionFlow.checklist_key(i for i in range(len(lines)) if mask >> i & 1),
    )
    rows.append([Key(done.label, data.encode())])
    return rows


def nav_button(action: str, label_key: str, lang: Lang, revision: int, owner: int | None) -> Key:
    return Key(t(label_key, lang), cb.encode(cb.NAV, owner, revision, action))


def question_screen(
    step: Step, lang: Lang, owner: int | None, note: str | None = None, mask: int | None = None
) -> Screen:
    """A question with its progress, prompt (word for word as exported), hint and buttons; a
    checklist with `mask`'s lines ticked (default: the answer given before, else none)."""
    lines = []
    if note:
        lines += [_e(note), ""]
    if step.progress_text:
        lines.append(f"<i>{_e(step.progress_text)}</i>")
    lines.append(f"<b>{_e(step.prompt)}</b>")
    if step.hint:
        lines.append(_e(step.hint))
    if step.current and not (step.question is not None and step.question.kind == "multi"):
        lines.append(t("your_answer", lang, answer=step.current))
    if step.question is not None and step.question.kind == "multi":
        if mask is None:
            mask = QuestionFlow.checklist_mask(step.selected) or 0
        rows = checklist_buttons(step, owner, mask)
    else:
        rows = _rows(answer_buttons(step.buttons, step.state, step.revision, owner, step.selected))
    if step.can_see_now and owner is None:  # in groups a result is never shown in the chat
        rows.append([nav_button("now", "btn_see_now", lang, step.revision, owner)])
    if step.can_go_back:
        rows.append([nav_button("back", "btn_back", lang, step.revision, owner)])
    return Screen("\n".join(lines), Keyboard.of(rows))


def provisional_screens(
    inp: ResultInput, provisional: Provisional, session: Session, current: str, owner: int | None
) -> list[Screen]:
    """ "See my result now": the result so far through the one result renderer (marked as
    provisional, each possible scheme with the fact still needed, Details and Continue), then
    one button per question that would settle a possible scheme. Not a finished result: no
    summary, restart or subscribe buttons."""
    lang = session.lang
    by_question: dict[str, tuple[str, list[str]]] = {}
    for s in provisional.settle:
        names = by_question.setdefault(s.question_id, (s.label, []))[1]
        if s.short_name not in names:
            names.append(s.short_name)
    rows = []
    for qid, (label, names) in by_question.items():
        text = t("btn_settle", lang, label=label, schemes=", ".join(names))
        if qid == current:
            data = cb.encode(cb.NAV, owner, session.revision, "current")
        else:
            data = cb.encode(cb.JUMP, owner, session.revision, qid)
        rows.append([Key(text, data)])
    return view_screens(result_view(inp), session, owner, rows)


def choices_screen(
    message: str, buttons: tuple[Button, ...], step: Step, lang: Lang, owner: int | None
) -> Screen:
    """A re-ask with a few candidate answers (several countries matched, a university found)."""
    text = f"{_e(message)}\n\n<b>{_e(step.prompt)}</b>"
    rows = _rows(answer_buttons(buttons, step.state, step.revision, owner, None))
    return Screen(text, Keyboard.of(rows) if rows else None)


def summary_screen(flow: QuestionFlow, session: Session, owner: int | None) -> Screen:
    lang = session.lang
    step = flow.step(session)
    rows_data = flow.summary(session)
    if not rows_data:
        text = t("summary_empty", lang)
    else:
        text = "\n".join(
            [t("summary_header", lang)]
            + [t("summary_row", lang, label=r.label, answer=r.answer) for r in rows_data]
        )
    buttons: list[Button_] = [
        Key(
            t("btn_change", lang, label=r.label),
            cb.Callback(cb.CHANGE, owner, step.revision, r.question_id).encode(),
        )
        for r in rows_data
    ]
    rows = _rows(buttons)
    if step.kind == "summary":
        data = cb.Callback(cb.ANSWER, owner, step.revision, step.state, "result").encode()
        rows.append([Key(t("btn_see_result", lang), data)])
    elif step.kind == "question":
        rows.append([nav_button("current", "btn_continue", lang, step.revision, owner)])
    rows.append([nav_button("restart", "btn_restart", lang, step.revision, owner)])
    return Screen(text, Keyboard.of(rows))


def _action_button(action: Action, owner: int | None, revision: int, answers: int) -> Key:
    """A view's action as a button: result screens carry the answers' fingerprint, the
    navigation buttons the session's revision (as every questionnaire button does)."""
    if action.kind == "compare":  # the comparison is public catalogue facts: no owner
        from bot.handlers.compare import compare_data  # (that module draws on these screens)

        return Key(action.label, compare_data(action.arg.split()))
    if action.kind in {"summary", "restart", "current"}:
        data = cb.encode(cb.NAV, owner, revision, action.kind)
    else:
        arg1 = {"details": "d", "why_not": "w", "result": "r"}[action.kind]
        data = cb.encode(cb.RESULT, owner, answers, arg1, action.arg)
    return Key(action.label, data)


def view_screens(
    view: View,
    session: Session,
    owner: int | None,
    extra_rows: list[list[Button_]] | None = None,
) -> list[Screen]:
    """A channel-neutral view as Telegram messages; the keyboard goes on the last one."""
    parts = to_html(view)
    answers = fingerprint(session)
    rows: list[list[Button_]] = [
        [_action_button(a, owner, session.revision, answers) for a in row] for row in view.rows
    ]
    rows += extra_rows or []
    keyboard = Keyboard.of(rows) if rows else None
    screens = [Screen(p) for p in parts[:-1]]
    screens.append(Screen(parts[-1], keyboard))
    return screens


def result_screens(inp: ResultInput, session: Session, owner: int | None) -> list[Screen]:
    """The result (see `bot.views.result`), with Details and Why-not buttons; in private
    chats also "tell me when the rules for these schemes change"."""
    extra = [result_subscribe_row(inp.evaluation, inp.lang)] if owner is None else []
    if owner is None:  # "Remind me" before a match's apply-by date (bot/handlers/reminders.py)
        extra = [row for row in (remind_row(inp.evaluation, session, inp.lang), *extra) if row]
    if owner is None and not inp.provisional:  # issue 14: kept answers, re-evaluated
        extra.append(result_followup_row(fingerprint(session), inp.lang))
    return view_screens(result_view(inp), session, owner, extra)


def answered_screen(question_prompt: str, answer: str, lang: Lang) -> Screen:
    """What a question message turns into once answered and the conversation moves on."""
    return Screen(t("answered", lang, question=question_prompt, answer=answer))


def language_screen(lang: Lang, owner: int | None = None) -> Screen:
    buttons = [
        InlineKeyboardButton(
            name, callback_data=cb.Callback(cb.LANGUAGE, owner, None, code).encode()
        )
        for code, name in LANGUAGE_NAMES.items()
    ]
    return Screen(t("language_prompt", lang), InlineKeyboardMarkup([buttons]))


def forget_screen(lang: Lang, owner: int | None = None) -> Screen:
    yes = cb.Callback(cb.FORGET, owner, None, "yes").encode()
    no = cb.Callback(cb.FORGET, owner, None, "no").encode()
    return Screen(
        t("forget_confirm", lang),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t("forget_yes", lang), callback_data=yes)],
                [InlineKeyboardButton(t("forget_no", lang), callback_data=no)],
            ]
        ),
    )
