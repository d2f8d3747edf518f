"""Turn an evaluation into Telegram HTML messages.

Matches come first; possible schemes and near misses follow under their own headings so they are
never read as matches; schemes that do not fit are named in one line. Every text that comes from
outside this module is escaped, and long results are split between schemes at Telegram's limit.
"""

from __future__ import annotations

import html
from datetime import date

from bot.texts import t, t_raw
from rules.i18n import Lang
from rules.results import Evaluation, SchemeResult

# Telegram counts the visible text; the raw HTML is never shorter, so measuring it is safe.
MESSAGE_LIMIT = 4096


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def display_name(result: SchemeResult) -> str:
    """The short name (as the contract names it) with the name in words."""
    return f"{result.short_name} — {result.name}"


def _scheme_block(result: SchemeResult, lang: Lang) -> str:
    lines = [f"<b>{_e(result.short_name)}</b> — {_e(result.name)}", f"<i>{_e(result.summary)}</i>"]
    met = [c for c in result.criteria if c.met]
    if met and result.status != "near_miss":
        lines.append(t("result_why", lang))
        lines += [f"✓ {_e(c.text)}" + _unconfirmed(c.unconfirmed, lang) for c in met]
    if result.missing:
        key = "result_one_change" if result.status == "near_miss" else "result_to_confirm"
        lines.append(t(key, lang))
        lines += [f"• {_e(m.text)}" for m in result.missing]
    if result.apply_by:
        lines.append(t("result_apply_by", lang, date=result.apply_by.isoformat()))
    if result.caveats:
        lines += [f"⚠️ {_e(c)}" for c in result.caveats]
    if result.next_steps and result.status == "match":
        lines.append(t("result_next_steps", lang))
        lines += [f"· {_e(s)}" for s in result.next_steps]
    lines.append(
        t_raw(
            "result_source",
            lang,
            url=html.escape(result.source, quote=True),
            checked=result.checked.isoformat(),
        )
    )
    return "\n".join(lines)


def _unconfirmed(flag: bool, lang: Lang) -> str:
    return " " + t("result_unconfirmed", lang) if flag else ""


def render_result(
    evaluation: Evaluation, lang: Lang, *, today: date | None = None, stale_days: int = 180
) -> list[str]:
    """The result as one or more messages, each within Telegram's limit."""
    blocks: list[str] = []
    sections = (
        ("match", "result_heading_match"),
        ("possible", "result_heading_possible"),
        ("near_miss", "result_heading_near"),
    )
    any_fit = False
    for status, heading in sections:
        results = evaluation.with_status(status)  # type: ignore[arg-type]
        if not results:
            continue
        any_fit = any_fit or status in {"match", "possible"}
        blocks.append(t(heading, lang))
        blocks += [_scheme_block(r, lang) for r in results]
    if not any_fit:
        blocks.insert(0, t("result_heading_none", lang))
    no_fit = evaluation.with_status("no_match")
    if no_fit:
        names = ", ".join(dict.fromkeys(r.short_name for r in no_fit))
        blocks.append(t("result_not_fit", lang, names=names))
    if evaluation.alternatives and not any_fit:
        blocks.append(
            "\n".join(
                [t("result_alternatives", lang), *(f"• {_e(a)}" for a in evaluation.alternatives)]
            )
        )
    checked = evaluation.catalogue.checked
    if today is not None and (today - checked).days > stale_days:
        blocks.append(t("result_stale", lang, days=stale_days))
    blocks.append(
        t_raw(
            "result_footer",
            lang,
            as_of=evaluation.as_of.isoformat(),
            version=_e(evaluation.catalogue.version),
            checked=checked.isoformat(),
            disclaimer=_e(evaluation.disclaimer),
        )
    )
    return pack_messages(blocks)


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pack_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit, splitting only between blocks
    (or, for a block too long on its own, between its lines)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        pieces = [block] if _size(block) <= limit else _split_lines(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if _size(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
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
