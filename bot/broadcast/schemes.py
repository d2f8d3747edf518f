"""Scheme sets as short bitmasks (for callback data), and the button after a result."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot import callbacks as cb
from bot.texts import t
from rules.catalogue_models import SCHEME_IDS

# The statuses a result is "about": the person may care when these schemes' rules change.
RELEVANT = {"match", "possible", "near_miss"}


def schemes_mask(schemes) -> str:
    return format(sum(1 << SCHEME_IDS.index(s) for s in set(schemes) if s in SCHEME_IDS), "x")


def mask_schemes(mask: str) -> tuple[str, ...]:
    value = int(mask or "0", 16)
    return tuple(s for i, s in enumerate(SCHEME_IDS) if value >> i & 1)


def result_subscribe_row(evaluation, lang: str) -> list[InlineKeyboardButton]:
    """ "Tell me when the rules for these schemes change": the result's relevant schemes."""
    schemes = {r.scheme for r in evaluation.results if r.status in RELEVANT}
    data = cb.Callback(cb.SUBSCRIBE, None, None, "r", schemes_mask(schemes)).encode()
    return [InlineKeyboardButton(t("btn_subscribe_result", lang), callback_data=data)]
