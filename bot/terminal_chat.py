"""The questionnaire as a chat in a terminal: `python -m bot chat [--lang en|zh-hant|zh-hans]`.

Reads one answer per line from standard input (a tty or a pipe) and writes plain text. Choices
are numbered; type a number, or type the answer itself (an amount, a date, a country or
university name). Commands: `back`, `restart`, `summary`, `change N`, `result`, `quit`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from dialogs import Button, QuestionFlow, Session, Step
from rules.i18n import LANGS, normalise_lang

HELP = {
    "en": "Type a number or your answer. Commands: back, restart, summary, change N, quit.",
    "zh-hant": "請輸入號碼或答案。指令：back（上一步）、restart（重新開始）、summary（答案摘要）、"
    "change N（修改第 N 項）、quit（離開）。",
    "zh-hans": "请输入号码或答案。指令：back（上一步）、restart（重新开始）、summary（答案摘要）、"
    "change N（修改第 N 项）、quit（离开）。",
}
SUMMARY_HELP = {
    "en": "Type 1 (or result) to see your result, or change N to change answer N.",
    "zh-hant": "輸入 1（或 result）查看結果，或輸入 change N 修改第 N 項答案。",
    "zh-hans": "输入 1（或 result）查看结果，或输入 change N 修改第 N 项答案。",
}
BYE = {"en": "Goodbye.", "zh-hant": "再見。", "zh-hans": "再见。"}
COMMAND_ALIASES = {
    "back": "back", "返回": "back", "上一步": "back",
    "restart": "restart", "重新開始": "restart", "重新开始": "restart",
    "summary": "summary", "摘要": "summary", "answers": "summary",
    "quit": "quit", "exit": "quit", "離開": "quit", "离开": "quit",
    "result": "result", "結果": "result", "结果": "result",
}  # fmt: skip


class TerminalChat:
    """One conversation: a session, the flow, and where to read and write."""

    def __init__(self, flow: QuestionFlow, lang: str, write: Callable[[str], None]) -> None:
        self.flow = flow
        self.session: Session = flow.new_session(lang)
        self.write = write
        self.offered: tuple[Button, ...] = ()  # extra choices from the last reply

    @property
    def lang(self) -> str:
        return self.session.lang

    def show(self) -> None:
        step = self.flow.step(self.session)
        if step.kind == "question":
            self._show_question(step)
        elif step.kind == "summary":
            self._show_summary(step)
        else:
            self._show_result(step)

    def _numbered(
        self, buttons: tuple[Button, ...], selected: str | None = None, letters: bool = False
    ) -> None:
        for i, b in enumerate(buttons, 1):
            mark = " ✓" if b.key == selected else ""
            self.write(f"  {_mark(i, letters)}) {b.label}{mark}")

    def _show_question(self, step: Step) -> None:
        self.write("")
        self.write(f"[{step.progress_text}]")
        self.write(step.prompt)
        q = step.question
        if q is not None and q.kind == "multi":
            # A checklist is answered in one line: the numbers of the lines that apply.
            mask = self.flow.checklist_mask(step.selected) or 0
            for i, line in enumerate(q.checklist):
                mark = "☑" if mask >> i & 1 else "☐"
                self.write(f"  {i + 1}) {mark} {line.label[self.lang]}")
            self.write(self.flow.texts.get("error_checklist", self.lang, n=len(q.checklist)))
            return
        if step.hint:
            self.write(step.hint)
        self._numbered(step.buttons, step.selected, letters=_uses_letters(step))
        if step.current is not None:
            self.write(f"  ({step.current})")

    def _show_summary(self, step: Step) -> None:
        t = self.flow.texts
        self.write("")
        self.write(f"== {t.get('summary_title', self.lang)} ==")
        for i, row in enumerate(self.flow.summary(self.session), 1):
            self.write(f"  {i}. {row.label}: {row.answer}")
        self.write(step.prompt)
        self._numbered(step.buttons)
        self.write(SUMMARY_HELP[self.lang])

    def _show_result(self, step: Step) -> None:
        for line in render_result(self.flow, self.session):
            self.write(line)
        self.write("")
        self._numbered(step.buttons)

    def _press(self, key: str | None = None, text: str | None = None) -> None:
        reply = self.flow.answer(self.session, key=key, text=text)
        self.session = reply.session
        self.offered = reply.buttons
        if reply.message:
            self.write(f"> {reply.message}")
        if reply.buttons:
            self._numbered(reply.buttons)
        elif reply.accepted or not reply.message:
            self.show()

    def handle(self, line: str) -> bool:
        """Act on one line of input; False when the person wants to stop."""
        text = line.strip()
        if not text:
            return True
        lowered = text.casefold()
        command = COMMAND_ALIASES.get(lowered)
        step = self.flow.step(self.session)
        if command == "quit":
            self.write(BYE[self.lang])
            return False
        if command == "back":
            self.session, self.offered = self.flow.back(self.session), ()
            self.show()
            return True
        if command == "restart":
            self.session, self.offered = self.flow.restart(self.session), ()
            self.show()
            return True
        if command == "summary":
            self._show_rows()
            return True
        if command == "result" and step.kind == "summary":
            self._press(key="result")
            return True
        if lowered.startswith("change"):
            self._change(lowered.removeprefix("change").strip())
            return True
        if step.question is not None and step.question.kind == "multi" and not self.offered:
            self._press(text=text)  # "1 3" or "none": read by the checklist itself
            return True
        buttons = self.offered or step.buttons
        letters = not self.offered and _uses_letters(step)
        pick = _picked(lowered, len(buttons), letters)
        if pick is not None:
            self._press(key=buttons[pick].key)
            return True
        if step.kind != "question":
            self.write(HELP[self.lang])
            return True
        self._press(text=text)
        return True

    def _show_rows(self) -> None:
        if self.flow.step(self.session).kind == "summary":
            self.show()
            return
        t = self.flow.texts
        self.write(f"== {t.get('summary_title', self.lang)} ==")
        for i, row in enumerate(self.flow.summary(self.session), 1):
            self.write(f"  {i}. {row.label}: {row.answer}")
        self.show()

    def _change(self, arg: str) -> None:
        rows = self.flow.summary(self.session)
        target = None
        if arg.isdigit() and 1 <= int(arg) <= len(rows):
            target = rows[int(arg) - 1].question_id
        elif arg in self.flow.by_id:
            target = arg
        if target is None:
            self.write(SUMMARY_HELP[self.lang])
            return
        try:
            self.session = self.flow.change(self.session, target)
        except ValueError:
            self.write(SUMMARY_HELP[self.lang])
            return
        self.offered = ()
        self.show()


def _uses_letters(step: Step) -> bool:
    """Where a typed number is itself an answer (age, years, a count), buttons are picked by
    letter (a, b, c...) instead of by number. Amounts are typed as figures like 1.2m, so
    small numbers there still pick buttons."""
    q = step.question
    return q is not None and q.kind == "number" and q.unit != "hkd"


def _mark(i: int, letters: bool) -> str:
    return chr(ord("a") + i - 1) if letters else str(i)


def _picked(text: str, count: int, letters: bool) -> int | None:
    """The button index a line picks, or None when it is an answer to read."""
    if letters:
        if len(text) == 1 and "a" <= text <= chr(ord("a") + count - 1):
            return ord(text) - ord("a")
        return None
    if text.isdigit() and 1 <= int(text) <= count:
        return int(text) - 1
    return None


def render_result(flow: QuestionFlow, session: Session) -> Iterator[str]:
    """The result as plain text lines: matches first, then possible schemes and near misses
    under their own headings, what is missing, the official link and checked date, and the
    disclaimer."""
    t = flow.texts
    lang = session.lang
    evaluation = flow.result(session)
    yield ""
    yield f"== {t.get('result_title', lang)} =="
    sections = (
        ("match", "heading_match"),
        ("possible", "heading_possible"),
        ("near_miss", "heading_near_miss"),
    )
    if not evaluation.with_status("match"):
        yield t.get("no_matches", lang)
    for status, heading in sections:
        results = evaluation.with_status(status)  # type: ignore[arg-type]
        if not results:
            continue
        yield ""
        yield f"## {t.get(heading, lang)}"
        for r in results:
            name = r.short_name
            if r.category and r.category not in name:
                name = f"{name} ({r.category})"
            yield f"* {name} — {r.name}"
            for c in r.criteria:
                mark = {True: "✓", False: "✗", None: "?"}[c.met]
                yield f"    {mark} {c.text}"
            for m in r.missing:
                yield f"    {t.get('missing', lang)}: {m.text}"
            yield f"    {t.get('official_page', lang)}: {r.source} ({t.get('checked_on', lang, date=r.checked.isoformat())})"  # noqa: E501
    no_fit = evaluation.with_status("no_match")
    if no_fit:
        yield ""
        names = ", ".join(dict.fromkeys(r.short_name for r in no_fit))
        yield t.get("not_fit", lang, names=names)
    yield ""
    yield evaluation.disclaimer or t.get("disclaimer", lang)
    if "immd.gov.hk" not in (evaluation.disclaimer or "immd.gov.hk"):
        yield t.get("disclaimer", lang)


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    """Run the chat until the person quits or the input ends; 0 on a normal end."""
    parser = argparse.ArgumentParser(prog="python -m bot chat", description=__doc__)
    parser.add_argument("--lang", default="en", help=f"one of {', '.join(LANGS)}")
    parser.add_argument(
        "--all-questions",
        action="store_true",
        help="ask every relevant question, even those no scheme's result depends on any more",
    )
    args = parser.parse_args(argv)
    lang = normalise_lang(args.lang)
    stdin = stdin or sys.stdin
    for stream in (sys.stdout, sys.stdin):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    chat = TerminalChat(QuestionFlow.default(skip_by_rules=not args.all_questions), lang, write)
    try:
        write(HELP[lang])
        chat.show()
        for line in stdin:
            if not chat.handle(line):
                break
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:
        write("")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
