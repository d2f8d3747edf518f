"""The questionnaire as a chat in a terminal: `python -m bot chat [--lang en|zh-hant|zh-hans]`.

Reads one answer per line from standard input (a tty or a pipe) and writes plain text. Choices
are numbered; type a number, or type the answer itself (an amount, a date, a country or
university name). The result is the Telegram bot's (one renderer, `bot.views.result`), with its
buttons numbered: a scheme's details, why the others do not fit, a comparison of the schemes
that fit. Commands are Telegram's, with or
without the slash and in every language: back, summary, change N, result, restart (after a
confirmation), language, schemes, help, quit. An answers file from the bot's /myanswers, pasted
(one or several lines), restores those answers.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TextIO

from bot.answers_file import MAX_FILE_BYTES, AnswersRefused, restore_text
from bot.settings import Settings
from bot.texts import LANGUAGE_NAMES, t
from bot.views import Action, Line, View
from bot.views.compare import comparison_view
from bot.views.result import details_view, result_view, why_not_view
from bot.views.session import result_input
from dialogs import Button, QuestionFlow, Session, Step
from rules.compare import compare_schemes
from rules.i18n import LANGS, normalise_lang, parse_lang
from rules.profile import today_in_hong_kong

# Telegram's commands and the bare words people type for them, in every language.
COMMAND_ALIASES = {
    "back": "back", "返回": "back", "上一步": "back", "上一題": "back", "上一题": "back",
    "restart": "restart", "start again": "restart", "重新開始": "restart", "重新开始": "restart",
    "summary": "summary", "answers": "summary", "摘要": "summary", "答案": "summary",
    "我的答案": "summary",
    "result": "result", "結果": "result", "结果": "result",
    "language": "language", "lang": "language", "語言": "language", "语言": "language",
    "help": "help", "幫助": "help", "帮助": "help", "說明": "help", "说明": "help",
    "schemes": "schemes", "計劃": "schemes", "计划": "schemes",
    "start": "start", "check": "start", "開始": "start", "开始": "start",
    "quit": "quit", "exit": "quit", "離開": "quit", "离开": "quit", "退出": "quit",
    "change": "change", "修改": "change",
}  # fmt: skip
YES = {"yes", "y", "是", "確定", "确定", "好"}


def text_of(key: str, lang: str, **values: object) -> str:
    """A catalogue text (Telegram HTML) as plain text."""
    return html_to_plain(t(key, lang, **values))  # type: ignore[arg-type]


def html_to_plain(text: str) -> str:
    """Telegram HTML as terminal text: a link's address beside its words, tags dropped."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2 (\1)", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def line_text(ln: Line) -> str:
    """A view's line as terminal text: a link's address beside its words."""
    return "".join(s.text + (f" ({s.url})" if s.url else "") for s in ln)


def view_lines(view: View) -> list[str]:
    """A view's blocks as plain lines, blocks apart by a blank line (as Telegram shows them)."""
    out: list[str] = []
    for i, block in enumerate(view.blocks):
        if i:
            out.append("")
        out += [line_text(ln) for ln in block]
    return out


def parse_command(text: str) -> tuple[str | None, str]:
    """(command, argument) for a line that is a command, else (None, "")."""
    lowered = text.strip().casefold()
    word, _, arg = lowered.removeprefix("/").partition(" ")
    word = word.split("@", 1)[0]
    if word in COMMAND_ALIASES:
        return COMMAND_ALIASES[word], arg.strip()
    rest = lowered.removeprefix("/")
    if rest.startswith("start again"):
        return "restart", ""
    if rest.startswith("修改"):  # 修改3
        return "change", rest.removeprefix("修改").strip()
    return None, ""


class TerminalChat:
    """One conversation: a session, the flow, and where to read and write."""

    def __init__(self, flow: QuestionFlow, lang: str, write: Callable[[str], None]) -> None:
        self.flow = flow
        self.session: Session = flow.new_session(lang)
        self.write = write
        self.offered: tuple[Button, ...] = ()  # extra choices from the last reply
        self.actions: tuple[Action, ...] = ()  # the buttons of the result screen shown
        self.pending: str | None = None  # "restart" or "language": waiting for a reply
        self.pasted: list[str] = []  # the lines of an answers file being pasted

    @property
    def lang(self) -> str:
        return self.session.lang

    def show(self) -> None:
        step = self.flow.step(self.session)
        self.actions = ()
        if step.kind == "question":
            self._show_question(step)
        elif step.kind == "summary":
            self._show_summary(step)
        else:
            self._show_view(result_view(self._input()))

    def _today(self) -> date:
        return self.flow.as_of or today_in_hong_kong()

    def _input(self):
        return result_input(self.flow, self.session, today=self._today())

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
        self._write_rows()
        self.write(step.prompt)
        self._numbered(step.buttons)
        self.write(text_of("term_summary_help", self.lang))

    def _write_rows(self) -> None:
        rows = self.flow.summary(self.session)
        self.write("")
        if not rows:
            self.write(text_of("summary_empty", self.lang))
            return
        self.write(f"== {self.flow.texts.get('summary_title', self.lang)} ==")
        for i, row in enumerate(rows, 1):
            self.write(f"  {i}. {row.label}: {row.answer}")

    def _show_view(self, view: View, *, buttons: bool = True) -> None:
        """A result screen: its text as Telegram shows it, its buttons numbered (not while a
        question waits for its answer, where numbers pick the question's options)."""
        self.write("")
        for text in view_lines(view):
            self.write(text)
        self.actions = tuple(view.actions()) if buttons else ()
        if not self.actions:
            return
        self.write("")
        for i, action in enumerate(self.actions, 1):
            self.write(f"  {i}) {action.label}")

    def _act(self, action: Action) -> None:
        if action.kind == "details":
            view = details_view(self._input(), action.arg)
            if view is not None:
                self._show_view(view)
        elif action.kind == "why_not":
            self._show_view(why_not_view(self._input()))
        elif action.kind == "compare":
            comparison = compare_schemes(tuple(action.arg.split()), self._today(), self.lang)
            back = Action(text_of("btn_back_to_result", self.lang), "result")
            self._show_view(replace(comparison_view(comparison), rows=((back,),)))
        elif action.kind == "result":
            self._show_view(result_view(self._input()))
        elif action.kind == "summary":
            self._show_rows()
        elif action.kind == "restart":
            self._ask_restart()
        elif action.kind == "current":
            self.show()

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

    def _ask_restart(self) -> None:
        if not self.session.answers:
            self.show()
            return
        self.pending = "restart"
        self.write(text_of("term_restart_confirm", self.lang))

    def _ask_language(self, arg: str) -> None:
        codes = list(LANGUAGE_NAMES)
        if arg:
            self._set_language(arg)
            return
        self.pending = "language"
        self.write(text_of("language_prompt", self.lang))
        for i, code in enumerate(codes, 1):
            self.write(f"  {i}) {LANGUAGE_NAMES[code]} ({code})")

    def _set_language(self, text: str) -> None:
        codes = list(LANGUAGE_NAMES)
        names = {name.casefold(): code for code, name in LANGUAGE_NAMES.items()}
        lowered = text.strip().casefold()
        if lowered.isdigit() and 1 <= int(lowered) <= len(codes):
            code = codes[int(lowered) - 1]
        else:
            code = names.get(lowered) or normalise_lang(lowered)
        self.session = self.flow.set_language(self.session, code)
        self.write(text_of("language_set", self.lang))
        self.show()

    def _answer_pending(self, text: str) -> None:
        pending, self.pending = self.pending, None
        if pending == "language":
            self._set_language(text)
        elif text.strip().casefold() in YES:
            self.session, self.offered = self.flow.restart(self.session), ()
            self.write(text_of("restarted", self.lang))
            self.show()
        else:
            self.write(text_of("term_restart_kept", self.lang))
            self.show()

    def handle(self, line: str) -> bool:
        """Act on one line of input; False when the person wants to stop."""
        text = line.strip()
        if self.pasted or text.startswith("{"):
            self._paste(line)
            return True
        if not text:
            return True
        if self.pending:
            self._answer_pending(text)
            return True
        command, arg = parse_command(text)
        if command is not None:
            return self._command(command, arg)
        lowered = text.casefold()
        if self.actions:
            pick = _picked(lowered, len(self.actions), False)
            if pick is not None:
                self._act(self.actions[pick])
                return True
        step = self.flow.step(self.session)
        if step.question is not None and step.question.kind == "multi" and not self.offered:
            self._press(text=text)  # "1 3" or "none": read by the checklist itself
            return True
        buttons = self.offered or step.buttons
        letters = not self.offered and _uses_letters(step)
        pick = _picked(lowered, len(buttons), letters)
        if step.kind == "question" and pick is not None:
            self._press(key=buttons[pick].key)
            return True
        if step.kind == "summary" and pick is not None:
            self._press(key=buttons[pick].key)
            return True
        if step.kind != "question":
            self.write(text_of("term_choose", self.lang))
            return True
        self._press(text=text)
        return True

    def _command(self, command: str, arg: str) -> bool:
        step = self.flow.step(self.session)
        if command == "quit":
            self.write(text_of("term_bye", self.lang))
            return False
        if command == "help":
            self.write(text_of("term_help", self.lang))
        elif command == "back":
            if not step.can_go_back:
                self.write(text_of("nothing_to_go_back_to", self.lang))
            self.session, self.offered = self.flow.back(self.session), ()
            self.show()
        elif command == "restart":
            self._ask_restart()
        elif command == "summary":
            self._show_rows()
        elif command == "change":
            self._change(arg)
        elif command == "language":
            self._ask_language(arg)
        elif command == "schemes":
            self._schemes(arg)
        elif command == "start":
            self.show()
        elif command == "result":
            if step.kind == "summary":
                self._press(key="result")
            else:  # the result, or the result so far (marked as such), then the question
                self._show_view(result_view(self._input()), buttons=step.kind != "question")
                if step.kind == "question":
                    self._show_question(step)
        return True

    def _paste(self, line: str) -> None:
        """A line of a pasted answers file (what /myanswers sends in Telegram): gathered until
        its braces close, then restored, or refused with the reason and nothing changed."""
        self.pasted.append(line)
        raw = "\n".join(self.pasted)
        if raw.count("{") > raw.count("}") and len(raw) <= 4 * MAX_FILE_BYTES:
            return
        self.pasted = []
        try:
            session = restore_text(self.flow, self.lang, raw)
        except AnswersRefused as refused:
            self.write(text_of(refused.key, self.lang, **refused.values))
            self.write(text_of("myanswers_kept", self.lang))
            self.show()
            return
        self.session, self.offered = session, ()
        self.write(text_of("myanswers_restored", self.lang, n=len(self.flow.summary(session))))
        self.show()

    def _schemes(self, arg: str) -> None:
        from bot.handlers.schemes import card_screens, find_card, list_screen

        card = find_card(arg, self.lang) if arg else None  # type: ignore[arg-type]
        if card is None:
            screen = list_screen(self.lang)  # type: ignore[arg-type]
            self.write(html_to_plain(screen.text))
            for row in screen.keyboard.inline_keyboard if screen.keyboard else ():
                for button in row:
                    self.write(f"  /schemes {button.text}")
            return
        for screen in card_screens(card, self.lang):  # type: ignore[arg-type]
            self.write(html_to_plain(screen.text))

    def _show_rows(self) -> None:
        if self.flow.step(self.session).kind == "summary":
            self.show()
            return
        self._write_rows()
        self.write(text_of("term_summary_help", self.lang))
        self.show()

    def _change(self, arg: str) -> None:
        rows = self.flow.summary(self.session)
        target = None
        if arg.isdigit() and 1 <= int(arg) <= len(rows):
            target = rows[int(arg) - 1].question_id
        elif arg in self.flow.by_id:
            target = arg
        if target is None:
            self.write(text_of("term_summary_help", self.lang))
            return
        try:
            self.session = self.flow.change(self.session, target)
        except ValueError:
            self.write(text_of("term_summary_help", self.lang))
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


def lang_argument(code: str) -> str:
    """argparse `type` for --lang: an unknown code is refused with the choices (exit 2)."""
    try:
        return parse_lang(code)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    """Run the chat until the person quits or the input ends; 0 on a normal end."""
    parser = argparse.ArgumentParser(prog="python -m bot chat", description=__doc__)
    parser.add_argument(
        "--lang", default="en", type=lang_argument, help=f"one of {', '.join(LANGS)}"
    )
    parser.add_argument(
        "--all-questions",
        action="store_true",
        help="ask every relevant question, even those no scheme's result depends on any more",
    )
    args = parser.parse_args(argv)
    lang = args.lang
    stdin = stdin or sys.stdin
    for stream in (sys.stdout, sys.stdin):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    # BOT_TODAY (environment or .env): the day the rules are evaluated on, as in Telegram;
    # BOT_CATALOGUE_DIR: the catalogue they come from
    settings = Settings()
    from rules.catalogue_models import use_catalogue_dir

    use_catalogue_dir(settings.bot_catalogue_dir)
    flow = QuestionFlow.default(skip_by_rules=not args.all_questions)
    chat = TerminalChat(flow.evaluating_on(settings.bot_today), lang, write)
    try:
        write(text_of("term_help", lang))
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
