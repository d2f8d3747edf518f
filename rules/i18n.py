"""Languages the project speaks, and the type of a text given in all of them.

Every user-facing string in the catalogue is a `LocalText`: loading fails when a language is
missing, so a gap is found when the data is written, not when a user reads it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

Lang = Literal["en", "zh-hant", "zh-hans"]
LANGS: tuple[Lang, ...] = ("en", "zh-hant", "zh-hans")
DEFAULT_LANG: Lang = "en"


def _has_every_language(value: dict[str, str]) -> dict[str, str]:
    missing = [lang for lang in LANGS if not value.get(lang, "").strip()]
    if missing:
        raise ValueError(f"text is missing the language(s) {', '.join(missing)}")
    extra = sorted(set(value) - set(LANGS))
    if extra:
        raise ValueError(f"unknown language key(s) {', '.join(extra)}")
    return value


LocalText = Annotated[dict[str, str], AfterValidator(_has_every_language)]


def normalise_lang(code: str | None) -> Lang:
    """Map a Telegram or CLI language code to one of ours.

    zh-hant, zh-hk, zh-tw and zh-mo read Traditional; other Chinese codes read Simplified;
    anything else reads English. Case and `-`/`_` do not matter.
    """
    if not code:
        return DEFAULT_LANG
    norm = code.strip().lower().replace("_", "-")
    if norm == "zh" or norm.startswith("zh-"):
        parts = set(norm.split("-")[1:])
        if parts & {"hant", "hk", "tw", "mo"}:
            return "zh-hant"
        return "zh-hans"
    return "en"
