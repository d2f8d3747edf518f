"""/compare: two or three schemes side by side, aspect by aspect, and a picker to choose them.

The comparison itself is `rules.compare`, laid out for a phone by `bot.views.compare` (the one
renderer, shared with the terminal chat); this module handles the command and the picker's
buttons. The picker keeps
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
from bot.render import escape as _e
from bot.render import to_html
from bot.screens import Screen
from bot.services import services
from bot.texts import t
from bot.views.compare import comparison_view
from rules.cards import scheme_cards
from rules.compare import (
    MAX_SCHEMES,
    MIN_SCHEMES,
    compare_schemes,
    parse_selection,
    scheme_ids,
)
from rules.i18n import Lang

MAX_ARGUMENT_CHARS = 200  # what /compare reads of its arguments
MAX_ECHO_CHARS = 40  # what a reply quotes of words it did not understand


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


def compare_data(ids: tuple[str, ...] | list[str]) -> str:
    """Callback data that sends the comparison of `ids` as new messages (see `compare_button`)."""
    return _data("c", ids)


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


def compare_screens(ids: tuple[str, ...], lang: Lang, on: date) -> list[Screen]:
    """The comparison of two or three scheme ids on `on`, as messages within Telegram's limit;
    the last carries a button to compare others. Raises as `rules.compare.compare_schemes`."""
    parts = to_html(comparison_view(compare_schemes(tuple(ids), on, lang)))
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
