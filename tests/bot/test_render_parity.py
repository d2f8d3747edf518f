"""The terminal chat and Telegram show the same result: one renderer, two adapters.

The same sessions (walked through the real flow with seeded random answers, in each language)
are rendered as Telegram screens and in the terminal chat; after turning HTML into text (a link
as its words and its address, as the terminal prints it) the lines must be the same, and so
must the buttons (Telegram's subscribe row aside, which has no terminal counterpart).
"""

from __future__ import annotations

import html
import random
import re

import pytest

from bot.screens import result_screens, view_screens
from bot.terminal_chat import TerminalChat
from bot.views.result import details_view, result_view, why_not_view
from bot.views.session import result_input
from dialogs import QuestionFlow, Session
from rules.profile import today_in_hong_kong

FLOW = QuestionFlow.default()


def _walk(seed: int, lang: str) -> Session:
    rng = random.Random(seed)
    session = FLOW.new_session(lang)
    for _ in range(80):
        step = FLOW.step(session)
        if step.kind == "result":
            return session
        if step.kind == "summary":
            session = FLOW.answer(session, key="result").session
            continue
        keys = [b.key for b in step.buttons if b.key not in {"type", "other"}]
        if keys:
            reply = FLOW.answer(session, key=rng.choice(keys))
        else:
            reply = FLOW.answer(session, text=str(rng.randint(20, 45)))
        if reply.buttons:  # several candidates offered: take the first
            reply = FLOW.answer(reply.session, key=reply.buttons[0].key)
        session = reply.session
    raise AssertionError("no result")


def _telegram_lines(html_text: str) -> list[str]:
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m[2]} ({html.unescape(m[1])})",
                  html_text)  # fmt: skip
    return html.unescape(re.sub(r"<[^>]+>", "", text)).split("\n")


def _terminal(session: Session, *inputs: str) -> list[list[str]]:
    """What the terminal printed for the result and after each input, screen by screen."""
    out: list[str] = []
    chat = TerminalChat(FLOW, session.lang, out.append)
    chat.session = session
    chat.show()
    screens = [out[:]]
    for text in inputs:
        out.clear()
        chat.handle(text)
        screens.append(out[:])
    return screens


def _split(printed: list[str]) -> tuple[list[str], list[str]]:
    """Content lines and button labels of a screen printed by the terminal."""
    lines = printed[1:]  # the blank line before a screen
    buttons = [ln.split(") ", 1)[1] for ln in lines if re.match(r"^  \d+\) ", ln)]
    content = [ln for ln in lines if not re.match(r"^  \d+\) ", ln)]
    while content and content[-1] == "":
        content.pop()
    return content, buttons


def _labels(screen) -> list[str]:
    return [b.text for row in screen.keyboard.inline_keyboard for b in row]


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
@pytest.mark.parametrize("seed", range(4))
def test_terminal_and_telegram_render_the_same_result(seed, lang):
    session = _walk(seed, lang)
    inp = result_input(FLOW, session, today=today_in_hong_kong())
    screens = result_screens(inp, session, owner=42)  # a group: no subscribe row
    assert len(screens) == 1
    telegram = _telegram_lines(screens[0].text)
    printed = _terminal(session, "1")
    content, buttons = _split(printed[0])
    assert content == telegram
    assert buttons == _labels(screens[0])
    # the first button (a Details, or Why not) shows the same screen in both
    first = _labels(screens[0])[0]
    action = next(a for a in result_view(inp).actions() if a.label == first)
    view = details_view(inp, action.arg) if action.kind == "details" else why_not_view(inp)
    assert view is not None
    tg = view_screens(view, session, 42)
    content, buttons = _split(printed[1])
    assert content == [ln for s in tg for ln in _telegram_lines(s.text)]
    assert buttons == _labels(tg[-1])
