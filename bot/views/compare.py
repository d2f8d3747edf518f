"""Two or three schemes side by side as a channel-neutral view (one block per aspect, each
scheme on its own bullet), for /compare, the result's Compare button and the terminal chat.

The comparison itself is `rules.compare`; the words around it are the catalogue's texts, which
are Telegram HTML: `html_lines` reads their few tags (bold, italic, links) into spans, so the
Telegram adapter writes them back unchanged and the terminal prints a link's address beside it.
"""

from __future__ import annotations

import html
import re

from bot.texts import messages
from bot.views import Line, Span, View, line
from rules.compare import Comparison, Entry
from rules.i18n import Lang

_TAG = re.compile(r'<(b|i)>|</(b|i)>|<a href="([^"]*)">|</a>')


def html_lines(text: str) -> list[Line]:
    """A catalogue text (Telegram HTML with <b>, <i> and <a href>) as lines of spans."""
    out: list[Line] = []
    for raw in text.split("\n"):
        spans: list[Span] = []
        styles: list[str] = []
        url: str | None = None
        pos = 0
        for m in _TAG.finditer(raw):
            if m.start() > pos:
                style = styles[-1] if styles else ""
                spans.append(Span(html.unescape(raw[pos : m.start()]), style, url))  # type: ignore[arg-type]
            if m.group(1):
                styles.append(m.group(1))
            elif m.group(2):
                if styles:
                    styles.pop()
            elif m.group(3) is not None:
                url = html.unescape(m.group(3))
            else:
                url = None
            pos = m.end()
        if pos < len(raw):
            style = styles[-1] if styles else ""
            spans.append(Span(html.unescape(raw[pos:]), style, url))  # type: ignore[arg-type]
        out.append(tuple(spans))
    return out


def text_lines(key: str, lang: Lang, /, **values: object) -> list[Line]:
    """A catalogue text with `values` filled in as plain words (never read as markup)."""
    text = messages()[key][lang]
    if values:
        text = text.format(**{k: html.escape(str(v), quote=True) for k, v in values.items()})
    return html_lines(text)


def _one(key: str, lang: Lang, /, **values: object) -> tuple[Span, ...]:
    return tuple(s for ln in text_lines(key, lang, **values) for s in ln)


def _colon(lang: Lang) -> str:
    return ": " if lang == "en" else "："


def _entry_lines(entry: Entry, lang: Lang, aspect: str) -> list[Line]:
    name = Span(entry.short_name, "b")
    colon = _colon(lang)
    if not entry.stated:
        if aspect == "documents" and entry.link:
            return [line("• ", name, colon, *_one("documents_not_listed", lang, url=entry.link))]
        return [line("• ", name, colon, *_one("compare_not_stated", lang))]
    parts = entry.parts
    if len(parts) == 1 and parts[0].label is None and len(parts[0].lines) == 1:
        return [line("• ", name, colon + parts[0].lines[0])]
    lines = [line("• ", name)]
    for part in parts:
        if part.label:
            lines.append(line("   ", Span(part.label, "i")))
        lines += [line(f"   · {text}") for text in part.lines]
    return lines


def comparison_view(comparison: Comparison) -> View:
    """The comparison: a title naming each scheme, one block per aspect, then the sources."""
    lang = comparison.lang
    colon = _colon(lang)
    names = " · ".join(h.short_name for h in comparison.schemes)
    title = text_lines("compare_title", lang, names=names, date=comparison.as_of.isoformat())
    title += [line(Span(h.short_name, "b"), f" — {h.name}") for h in comparison.schemes]
    title += [
        line("⚠️ ", Span(h.short_name, "b"), colon + h.notice)
        for h in comparison.schemes
        if h.notice
    ]
    blocks: list[tuple[Line, ...]] = [tuple(title)]
    short = {h.scheme: h.short_name for h in comparison.schemes}
    for row in comparison.aspects:
        lines = text_lines(f"compare_aspect_{row.aspect}", lang)
        for entry in row.entries:
            lines += _entry_lines(entry, lang, row.aspect)
        if row.aspect == "documents":
            lines += [
                line(
                    f"   {short[d.scheme]}{colon}",
                    *_one("documents_page", lang, url=d.page, checked=d.checked.isoformat()),
                )
                for d in comparison.documents
                if d.listed and d.checked is not None
            ]
        blocks.append(tuple(lines))
    sources = text_lines("compare_sources", lang)
    for head in comparison.schemes:
        link = _one("result_source", lang, url=head.source, checked=head.checked.isoformat())
        sources.append(line("• ", Span(head.short_name, "b"), colon, *link))
    sources += text_lines("card_disclaimer", lang)
    blocks.append(tuple(sources))
    return View(tuple(blocks))
