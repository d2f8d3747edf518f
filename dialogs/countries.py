"""Finding a country from what a person types: a name in any of our languages, an alias, an
ISO code or a nationality word. Exact matches first, then fuzzy ones (rapidfuzz)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from rules.countries import countries

# Words people type that the ISO-based country data does not hold.
EXTRA_NAMES: dict[str, str] = {
    "chinese": "CN", "中國": "CN", "中国": "CN", "內地": "CN", "内地": "CN", "大陸": "CN",
    "大陆": "CN", "prc": "CN", "mainland china": "CN", "american": "US", "us": "US",
    "british": "GB", "uk": "GB", "english": "GB", "indian": "IN", "vietnamese": "VN",
    "filipino": "PH", "philippine": "PH", "indonesian": "ID", "malaysian": "MY",
    "canadian": "CA", "australian": "AU", "japanese": "JP", "korean": "KR", "singaporean": "SG",
    "thai": "TH", "french": "FR", "german": "DE", "italian": "IT", "spanish": "ES",
    "pakistani": "PK", "nepali": "NP", "nepalese": "NP", "lao": "LA", "laotian": "LA",
    "cuban": "CU", "afghan": "AF", "russian": "RU", "brazilian": "BR", "mexican": "MX",
    "taiwanese": "TW", "台灣": "TW", "臺灣": "TW", "台湾": "TW", "澳門": "MO", "澳门": "MO",
    "macau": "MO", "macanese": "MO", "香港": "HK", "hongkong": "HK", "new zealander": "NZ",
    "irish": "IE", "dutch": "NL", "swiss": "CH", "swedish": "SE", "bangladeshi": "BD",
    "sri lankan": "LK", "burmese": "MM", "myanmar": "MM", "cambodian": "KH",
}  # fmt: skip

FUZZY_CUTOFF = 82.0
CLEAR_LEAD = 8.0  # the best fuzzy score must beat the second by this much to be taken alone
MAX_CHOICES = 5


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text.casefold())
    text = re.sub(r"\s+", " ", text).strip()
    return text.removeprefix("the ")


@dataclass(frozen=True)
class _Index:
    exact: dict[str, frozenset[str]]
    names: list[str]  # normalised names for fuzzy matching
    codes: list[str]  # the code of each entry in names


@cache
def _index() -> _Index:
    exact: dict[str, set[str]] = {}
    names: list[str] = []
    codes: list[str] = []
    for code, country in countries().items():
        keys = [code, *country.name.values(), *country.aliases]
        for key in keys:
            n = _norm(key)
            if n:
                exact.setdefault(n, set()).add(code)
                if len(n) > 3:  # codes and 3-letter aliases would only add noise to fuzzy scores
                    names.append(n)
                    codes.append(code)
    for word, code in EXTRA_NAMES.items():
        exact.setdefault(_norm(word), set()).add(code)
    return _Index({k: frozenset(v) for k, v in exact.items()}, names, codes)


def find_countries(text: str) -> list[str]:
    """Country codes that match `text`, best first: one code when the match is clear, several
    when it is ambiguous, none when nothing is close."""
    query = _norm(text)
    if not query:
        return []
    index = _index()
    if query in index.exact:
        return sorted(index.exact[query])
    if len(query) <= 2:  # unknown two-letter text is not worth guessing at
        return []
    found = process.extract(
        query, index.names, scorer=fuzz.ratio, limit=30, score_cutoff=FUZZY_CUTOFF
    )
    best: dict[str, float] = {}
    for _name, score, i in found:
        code = index.codes[i]
        best[code] = max(best.get(code, 0.0), score)
    if len(query) >= 3:  # "austr", "philip": the start of a name is a strong hint
        for name, code in zip(index.names, index.codes, strict=True):
            if name.startswith(query) or any(w.startswith(query) for w in name.split()):
                best[code] = max(best.get(code, 0.0), FUZZY_CUTOFF + 5)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked:
        return []
    if len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= CLEAR_LEAD:
        return [ranked[0][0]]
    top = ranked[0][1]
    return [code for code, score in ranked[:MAX_CHOICES] if top - score < CLEAR_LEAD * 2]


def country_name(code: str, lang: str) -> str:
    return countries()[code].name[lang]
