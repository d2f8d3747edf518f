"""The Telegram side of the one renderer: a channel-neutral `View` as HTML messages.

What a result says is decided in `bot.views.result`; here every text is escaped, styles become
tags, links anchors, and long views are split between blocks at Telegram's limit.
"""

from __future__ import annotations

import html
from datetime import date

from bot.views import Line, Span, View
from bot.views.result import ResultInput, result_view
from rules.i18n import Lang
from rules.results import Evaluation

# Telegram counts the visible text; the raw HTML is never shorter, so measuring it is safe.
MESSAGE_LIMIT = 4096


def escape(text: str) -> str:
    """Text for Telegram HTML (`&`, `<`, `>`; quotes stay: attributes are escaped apart). The
    one escape of every screen's text. Most texts have nothing to escape: the three membership
    tests cost less than the replaces."""
    if "&" in text or "<" in text or ">" in text:
        return html.escape(text, quote=False)
    return text


_e = escape


def span_html(span: Span) -> str:
    text = _e(span.text)
    if span.style:
        text = f"<{span.style}>{text}</{span.style}>"
    if span.url:
        text = f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    return text


def line_html(ln: Line) -> str:
    return "".join(span_html(s) for s in ln)


def to_html(view: View) -> list[str]:
    """A view's text as Telegram HTML messages, each within the length limit."""
    return pack_messages(["\n".join(line_html(ln) for ln in block) for block in view.blocks])


def render_result(
    evaluation: Evaluation,
    lang: Lang,
    *,
    today: date | None = None,
    stale_days: int = 180,
    provisional: bool = False,
) -> list[str]:
    """The result as HTML messages (without closeness facts; see `bot.views.result`)."""
    inp = ResultInput(evaluation, lang, today=today, stale_days=stale_days, provisional=provisional)
    return to_html(result_view(inp))


def _size(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji outside the BMP counts two)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def pack_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit, splitting only between blocks
    (or, for a block too long on its own, between its lines)."""
    messages: list[str] = []
    current: list[str] = []  # the pieces of the message being filled, and its size
    size = 0
    for block in blocks:
        block_size = _size(block)
        pieces = [(block, block_size)] if block_size <= limit else [
            (p, _size(p)) for p in _split_lines(block, limit)
        ]
        for piece, piece_size in pieces:
            if not piece and not current:
                continue  # nothing to join yet
            joined = size + 2 + piece_size if current else piece_size  # "\n\n" between
            if joined <= limit:
                current.append(piece)
                size = joined
            else:
                if current:
                    messages.append("\n\n".join(current))
                current, size = ([piece], piece_size) if piece else ([], 0)
    if current:
        messages.append("\n\n".join(current))
    return messages


def _split_lines(block: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in block.split("\n"):
        while _size(line) > limit:  # a single absurd line: cut it (tags are per line here)
            out.append(line[: limit // 2])
            line = line[limit // 2 :]
        candidate = f"{current}\n{line}" if current else line
        if _size(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out
