"""/compare: two or three schemes side by side, aspect by aspect, and a picker to choose them.

The comparison itself is `rules.compare`; this module only lays it out for a phone (one block
per aspect, each scheme on its own bullet) and handles the picker's buttons. The picker keeps
its selection in the buttons themselves (a bit mask over the catalogue's schemes), so nothing
is stored. Other screens offer a comparison with `compare_button(ids, lang)`.
"""

from __future__ import annotations

import html
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.handlers.common import current_lang, edit_screen, send_screen
from bot.logs import logged
from bot.render import pack_messages
from bot.screens import Screen
from bot.services import services
from bot.texts import t, t_raw
from rules.cards import scheme_cards
from rules.compare import (
    MAX_SCHEMES,
    MIN_SCHEMES,
    Comparison,
    Entry,
    compare_schemes,
    parse_selection,
    scheme_ids,
)
from rules.i18n import Lang

MAX_ARGUMENT_CHARS = 200  # what /compare reads of its arguments
MAX_ECHO_CHARS = 40  # what a reply quotes of words it did not understand


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _url(url: str) -> str:
    return html.escape(url, quote=True)


# --- The selection, carried in callback data -----------------------------------------------


def _mask(ids: tuple[str, ...] | list[str]) -> str:
    order = scheme_ids()
    value = 0
    for scheme in ids:
        value |= 1 << order.index(scheme)
    return format(value, "x")


def _ids(mask: str) -> tuple[str, ...]:
    try:
        value = int(mask, 16)
    except ValueError:
        return ()
    return tuple(s for i, s in enumerate(scheme_ids()) if value >> i & 1)


def _data(op: str, ids: tuple[str, ...] | list[str]) -> str:
    return cb.Callback(cb.COMPARE, None, None, op, _mask(ids)).encode()


def compare_button(ids: tuple[str, ...], lang: Lang) -> InlineKeyboardButton:
    """A button that sends the comparison of `ids` as new messages (e.g. under a result).

    With fewer than two ids (or more than three) it opens the picker with them ticked.
    """
    return InlineKeyboardButton(t("compare_btn_go", lang), callback_data=_data("c", ids))


# --- Screens -------------------------------------------------------------------------------


def picker_screen(lang: Lang, selected: tuple[str, ...] = (), note: str | None = None) -> Screen:
    """Every scheme as a ☐/☑ toggle, and the Compare button."""
    cards = scheme_cards(lang)
    names = {c.scheme: c.short_name for c in cards}
    buttons = []
    for card in cards:
        ticked = card.scheme in selected
        if ticked:
            after = [s for s in selected if s != card.scheme]
            op = "t"
        elif len(selected) >= MAX_SCHEMES:
            after, op = list(selected), "max"
        else:
            after, op = [*selected, card.scheme], "t"
        label = f"{'☑' if ticked else '☐'} {card.short_name}"
        buttons.append(InlineKeyboardButton(label, callback_data=_data(op, after)))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t("compare_btn_go", lang),
                                      callback_data=_data("go", selected))])  # fmt: skip
    lines = [_e(note)] if note else []
    lines.append(t("compare_pick", lang))
    if selected:
        lines.append(t("compare_selected", lang, names=", ".join(names[s] for s in selected)))
    return Screen("\n".join(lines), InlineKeyboardMarkup(rows))


def _colon(lang: Lang) -> str:
    return ": " if lang == "en" else "："


def _entry_lines(entry: Entry, lang: Lang, row: str) -> list[str]:
    name = f"<b>{_e(entry.short_name)}</b>"
    colon = _colon(lang)
    if not entry.stated:
        if row == "documents" and entry.link:
            return [f"• {name}{colon}{t_raw('documents_not_listed', lang, url=_url(entry.link))}"]
        return [f"• {name}{colon}{t('compare_not_stated', lang)}"]
    parts = entry.parts
    if len(parts) == 1 and parts[0].label is None and len(parts[0].lines) == 1:
        lines = [f"• {name}{colon}{_e(parts[0].lines[0])}"]
    else:
        lines = [f"• {name}"]
        for part in parts:
            if part.label:
                lines.append(f"   <i>{_e(part.label)}</i>")
            lines += [f"   · {_e(text)}" for text in part.lines]
    return lines


def comparison_blocks(comparison: Comparison) -> list[str]:
    """The comparison as HTML blocks: a title, one block per aspect, the sources."""
    lang = comparison.lang
    names = " · ".join(h.short_name for h in comparison.schemes)
    title = [t("compare_title", lang, names=names, date=comparison.as_of.isoformat())]
    title += [f"<b>{_e(h.short_name)}</b> — {_e(h.name)}" for h in comparison.schemes]
    title += [f"⚠️ <b>{_e(h.short_name)}</b>{_colon(lang)}{_e(h.notice)}"
              for h in comparison.schemes if h.notice]  # fmt: skip
    blocks = ["\n".join(title)]
    short = {h.scheme: h.short_name for h in comparison.schemes}
    for row in comparison.aspects:
        lines = [t(f"compare_aspect_{row.aspect}", lang)]
        for entry in row.entries:
            lines += _entry_lines(entry, lang, row.aspect)
        if row.aspect == "documents":
            lines += [
                f"   {_e(short[d.scheme])}{_colon(lang)}"
                + t_raw("documents_page", lang, url=_url(d.page), checked=d.checked.isoformat())
                for d in comparison.documents
                if d.listed and d.checked is not None
            ]
        blocks.append("\n".join(lines))
    sources = [t("compare_sources", lang)]
    for head in comparison.schemes:
        link = t_raw("result_source", lang, url=_url(head.source), checked=head.checked.isoformat())
        sources.append(f"• <b>{_e(head.short_name)}</b>{_colon(lang)}{link}")
    sources.append(t("card_disclaimer", lang))
    blocks.append("\n".join(sources))
    return blocks


def compare_screens(ids: tuple[str, ...], lang: Lang, on: date) -> list[Screen]:
    """The comparison of two or three scheme ids on `on`, as messages within Telegram's limit;
    the last carries a button to compare others. Raises as `rules.compare.compare_schemes`."""
    parts = pack_messages(comparison_blocks(compare_schemes(tuple(ids), on, lang)))
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("compare_btn_other", lang), callback_data=_data("new", ()))]]
    )
    return [Screen(p) for p in parts[:-1]] + [Screen(parts[-1], keyboard)]


def screens_for_words(words: list[str], lang: Lang, on: date) -> list[Screen]:
    """What /compare answers to its arguments: the comparison, or the picker saying why not."""
    text = " ".join(words)[:MAX_ARGUMENT_CHARS]
    if not text.strip():
        return [picker_screen(lang)]
    selection = parse_selection(text.split())
    ids = selection.ids
    if selection.unknown:
        names = " ".join(selection.unknown)[:MAX_ECHO_CHARS]
        note = _plain(t("compare_unknown", lang, names=names))
        return [picker_screen(lang, ids[:MAX_SCHEMES], note)]
    if len(ids) > MAX_SCHEMES:
        return [picker_screen(lang, ids[:MAX_SCHEMES], _plain(t("compare_too_many", lang)))]
    if len(ids) < MIN_SCHEMES:
        return [picker_screen(lang, ids, _plain(t("compare_need_more", lang)))]
    return compare_screens(ids, lang, on)


def _plain(text: str) -> str:
    """A catalogue text used as a note that `picker_screen` escapes again."""
    return html.unescape(text)


# --- Handlers ------------------------------------------------------------------------------


@logged("compare")
async def compare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await current_lang(update, context)
    on = services(context).settings.today()
    for screen in screens_for_words(list(context.args or []), lang, on):
        await send_screen(update, context, screen)


@logged("compare_button")
async def compare_button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    lang = await current_lang(update, context)
    op = data.arg1 if data is not None else ""
    ids = _ids(data.arg2) if data is not None else ()
    if op == "max":
        await query.answer(t("compare_alert_max_three", lang), show_alert=True)
        return
    if op == "go" and len(ids) < MIN_SCHEMES:
        await query.answer(t("compare_alert_need_two", lang), show_alert=True)
        return
    await query.answer()
    if op == "t" and len(ids) <= MAX_SCHEMES:
        await edit_screen(update, context, picker_screen(lang, ids))
        return
    if op in ("go", "c") and MIN_SCHEMES <= len(ids) <= MAX_SCHEMES:
        screens = compare_screens(ids, lang, services(context).settings.today())
        if op == "go":  # the picker turns into the comparison
            await edit_screen(update, context, screens[0])
            screens = screens[1:]
        for screen in screens:
            await send_screen(update, context, screen)
        return
    # "new", "c" with an unusable selection, or data we cannot read: a fresh picker.
    await send_screen(update, context, picker_screen(lang, ids[:MAX_SCHEMES]))
