"""The button under a finished result (imported by bot/screens.py: no screens import here)."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot import callbacks as cb
from bot.texts import t


def result_followup_row(answers: int, lang: str) -> list[InlineKeyboardButton]:
    """ "Keep my answers and tell me if my result changes"; REVISION is the answers'
    fingerprint, so the press keeps the answers that result was drawn from."""
    data = cb.Callback(cb.FOLLOWUP, None, answers, "on").encode()
    return [InlineKeyboardButton(t("fu_btn_on", lang), callback_data=data)]


def stop_row(lang: str) -> list[InlineKeyboardButton]:
    data = cb.Callback(cb.FOLLOWUP, None, None, "off").encode()
    return [InlineKeyboardButton(t("fu_btn_off", lang), callback_data=data)]
