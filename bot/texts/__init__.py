"""The bot's message catalogue: every user-facing text, in English, Traditional and Simplified
Chinese, kept apart from handler code so that translators change words without touching logic.

Texts are Telegram HTML. Values passed to `t()` are escaped here, so a user's typed words can
never break the markup.
"""

from __future__ import annotations

import html
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from rules.i18n import LANGS, Lang

CATALOGUE = Path(__file__).parent / "messages.yaml"
# Each language in its own name and script, as every language menu shows it.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh-hant": "繁體中文", "zh-hans": "简体中文"}


@cache
def messages() -> dict[str, dict[str, str]]:
    raw: dict[str, dict[str, str]] = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    problems = []
    for key, texts in raw.items():
        missing = [lang for lang in LANGS if not texts.get(lang)]
        if missing:
            problems.append(f"{key}: missing {', '.join(missing)}")
            continue
        fields = {lang: _placeholders(texts[lang]) for lang in LANGS}
        if len(set(map(frozenset, fields.values()))) != 1:
            problems.append(f"{key}: placeholders differ between languages {fields}")
    if problems:
        raise ValueError(f"{CATALOGUE}: " + "; ".join(problems))
    return raw


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(key: str, lang: Lang, /, **values: Any) -> str:
    """The text for `key` in `lang`, with `values` HTML-escaped and filled in."""
    text = messages()[key][lang]
    if not values:
        return text
    return text.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})


def t_raw(key: str, lang: Lang, /, **values: Any) -> str:
    """Like `t`, for values that are already safe HTML (built from other catalogue texts)."""
    return messages()[key][lang].format(**values)
