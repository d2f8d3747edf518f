"""Channel-neutral screens: what to show, not how one channel draws it.

A `View` is blocks of lines made of text spans (plain, bold, italic or a link) and rows of
actions (buttons). The Telegram adapter (`bot.render`, `bot.screens`) turns it into HTML and an
inline keyboard; the terminal chat (`bot.terminal_chat`) into plain lines and lettered choices.
So both channels show the same content in the same words: there is one renderer of a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Style = Literal["", "b", "i"]


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a line; `url` makes it a link (the terminal prints the address beside it)."""

    text: str
    style: Style = ""
    url: str | None = None


Line = tuple[Span, ...]


def line(*parts: Span | str) -> Line:
    """A line from spans and plain strings."""
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != "")


@dataclass(frozen=True, slots=True)
class Action:
    """A button. `kind`: `details` (arg: a result key such as `TTPS:C`), `why_not`, `result`
    (back to the result), `summary`, `restart`, `current` (back to the current question),
    `compare` (arg: two or three scheme ids, spaced: the comparison, `bot.views.compare`)."""

    label: str
    kind: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class View:
    """Blocks (separated by a blank line) and rows of actions.

    `settle` pairs, for a provisional result, each possible scheme shown with the profile field
    whose answer would settle it, so an adapter can offer "answer just that".
    """

    blocks: tuple[tuple[Line, ...], ...]
    rows: tuple[tuple[Action, ...], ...] = ()
    settle: tuple[tuple[str, str], ...] = field(default=())

    def actions(self) -> list[Action]:
        return [a for row in self.rows for a in row]


def plain(ln: Line) -> str:
    """A line as text, links as their words only (what Telegram shows)."""
    return "".join(s.text for s in ln)


def visible_text(view: View) -> str:
    """The text a Telegram user sees (blocks joined by blank lines), for length budgets."""
    return "\n\n".join("\n".join(plain(ln) for ln in block) for block in view.blocks)
