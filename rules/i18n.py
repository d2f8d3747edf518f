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


# Region and script subtags a Chinese code may carry (zh-hant, zh-hk, zh-cn, zh-hant-tw, …).
_CHINESE_SUBTAGS = frozenset({"hant", "hans", "hk", "tw", "mo", "cn", "sg", "my"})


def parse_lang(code: str) -> Lang:
    """A language named on a command line, strictly: one of ours or a code that plainly means
    one (`en-GB`, `zh`, `zh-tw`, `zh_HK`, `zh-cn`, `zh-hant-hk`; case and `-`/`_` do not matter).

    Unlike `normalise_lang` (for Telegram's codes, where English is the right fallback), an
    unknown code raises `ValueError` naming the choices: a typo like `fr` must not quietly read
    English.
    """
    norm = code.strip().lower().replace("_", "-")
    head, _, tail = norm.partition("-")
    subtags = set(tail.split("-")) if tail else set()
    if (head == "en" and all(s.isalpha() and len(s) == 2 for s in subtags)) or (
        head == "zh" and subtags <= _CHINESE_SUBTAGS
    ):
        return normalise_lang(norm)
    raise ValueError(
        f"unknown language {code!r} (choose from {', '.join(LANGS)}; "
        "zh, zh-tw, zh-hk, zh-cn and the like are also accepted)"
    )
