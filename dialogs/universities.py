"""The TTPS aggregate list of eligible universities, and finding a university from typed text.

The list is `data/ttps_universities.csv`, a copy of the project's policy file (edition in
force from `EDITION`). Look-up tolerates case, accents, abbreviations ("HKU", "MIT", "Univ. of
Toronto"), typos, the Chinese names the list gives (Traditional or Simplified), and the names
people type in their own language ("Universität Wien") from `data/ttps_list_changes.yaml`.

The list is dated: it is normally refreshed every 1 January, so from the next refresh day the
look-up says it may have changed (`list_may_have_changed`). Universities removed from earlier
editions keep their removal date (`find_removed`), so "Ecole Polytechnique" is answered
"removed on 1 January 2026" rather than matched to a listed namesake (EPFL).
`lookup_university` and `lookup_note` give both in one answer.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from rules.i18n import LANGS, Lang
from rules.profile import today_in_hong_kong

DATA = Path(__file__).parent / "data" / "ttps_universities.csv"
CHANGES = Path(__file__).parent / "data" / "ttps_list_changes.yaml"
EDITION = date(2026, 1, 1)
REMOVED_CUTOFF = 92.0
FUZZY_CUTOFF = 86.0
CLEAR_LEAD = 5.0
MAX_CHOICES = 4

# Common short names, only for universities on the list. Values are `name_en` exactly.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "hku": ("The University of Hong Kong",),
    "cuhk": ("The Chinese University of Hong Kong",),
    "hkust": ("The Hong Kong University of Science and Technology",),
    "ust": ("The Hong Kong University of Science and Technology",),
    "cityu": ("City University of Hong Kong",),
    "cityuhk": ("City University of Hong Kong",),
    "polyu": ("The Hong Kong Polytechnic University",),
    "mit": ("Massachusetts Institute of Technology",),
    "ucl": ("University College London",),
    "nus": ("National University of Singapore",),
    "ntu": ("Nanyang Technological University, Singapore", "National Taiwan University (NTU)"),
    "lse": ("London School of Economics and Political Science",),
    "kcl": ("King's College London",),
    "icl": ("Imperial College London",),
    "imperial": ("Imperial College London",),
    "qmul": ("Queen Mary University of London",),
    "oxford": ("University of Oxford",),
    "cambridge": ("University of Cambridge",),
    "ucla": ("University of California, Los Angeles",),
    "ucb": ("University of California, Berkeley",),
    "uc berkeley": ("University of California, Berkeley",),
    "berkeley": ("University of California, Berkeley",),
    "ucsd": ("University of California, San Diego",),
    "ucsf": ("University of California, San Francisco",),
    "ucsb": ("University of California, Santa Barbara",),
    "ucsc": ("University of California, Santa Cruz",),
    "uci": ("University of California, Irvine",),
    "uc davis": ("University of California, Davis",),
    "caltech": ("California Institute of Technology",),
    "cmu": ("Carnegie Mellon University",),
    "uiuc": ("University of Illinois at Urbana-Champaign",),
    "umich": ("University of Michigan-Ann Arbor",),
    "upenn": ("University of Pennsylvania",),
    "penn": ("University of Pennsylvania",),
    "jhu": ("Johns Hopkins University",),
    "nyu": ("New York University",),
    "usc": ("University of Southern California",),
    "uw": ("University of Washington",),
    "ut austin": ("University of Texas at Austin",),
    "unc": ("University of North Carolina--Chapel Hill",),
    "umd": ("University of Maryland, College Park",),
    "umn": ("University of Minnesota--Twin Cities",),
    "uchicago": ("The University of Chicago",),
    "georgia tech": ("Georgia Institute of Technology",),
    "gatech": ("Georgia Institute of Technology",),
    "penn state": ("Pennsylvania State University",),
    "psu": ("Pennsylvania State University",),
    "umass": ("University of Massachusetts",),
    "uw madison": ("University of Wisconsin-Madison",),
    "washu": ("Washington University in St. Louis",),
    "msu": ("Michigan State University", "Lomonosov Moscow State University"),
    "moscow state university": ("Lomonosov Moscow State University",),
    "uoft": ("University of Toronto",),
    "utoronto": ("University of Toronto",),
    "ubc": ("University of British Columbia",),
    "anu": ("Australian National University",),
    "unsw": ("University of New South Wales",),
    "usyd": ("University of Sydney",),
    "uq": ("The University of Queensland",),
    "uwa": ("The University of Western Australia",),
    "uts": ("University of Technology Sydney",),
    "unimelb": ("University of Melbourne",),
    "kaist": ("Korea Advanced Institute of Science and Technology (KAIST)",),
    "snu": ("Seoul National University",),
    "tum": ("Technical University of Munich",),
    "lmu": ("Ludwig-Maximilians-Universität München",),
    "eth": ("ETH Zurich - Swiss Federal Institute of Technology",),
    "ethz": ("ETH Zurich - Swiss Federal Institute of Technology",),
    "eth zurich": ("ETH Zurich - Swiss Federal Institute of Technology",),
    "epfl": ("École Polytechnique Fédérale de Lausanne",),
    "kth": ("KTH Royal Institute of Technology",),
    "dtu": ("Technical University of Denmark",),
    "tu delft": ("Delft University of Technology",),
    "uva": ("University of Amsterdam",),
    "tcd": ("Trinity College Dublin, The University of Dublin",),
    "trinity college dublin": ("Trinity College Dublin, The University of Dublin",),
    "pku": ("Peking University",),
    "beida": ("Peking University",),
    "thu": ("Tsinghua University",),
    "sjtu": ("Shanghai Jiao Tong University",),
    "zju": ("Zhejiang University",),
    "ustc": ("University of Science and Technology of China",),
    "ucas": ("University of Chinese Academy of Sciences",),
    "fudan": ("Fudan University",),
    "nju": ("Nanjing University",),
    "sysu": ("Sun Yat-sen University",),
    "whu": ("Wuhan University",),
    "xjtu": ("Xi'an Jiaotong University",),
    "hit": ("Harbin Institute of Technology",),
    "hust": ("Huazhong University of Science and Technology",),
    "buaa": ("Beihang University",),
    "bit": ("Beijing Institute of Technology",),
    "bnu": ("Beijing Normal University",),
    "ruc": ("Renmin University of China",),
    "huji": ("The Hebrew University of Jerusalem",),
    "utokyo": ("The University of Tokyo",),
    "todai": ("The University of Tokyo",),
    "kaust": ("King Abdullah University of Science and Technology",),
    "kfupm": ("King Fahd University of Petroleum & Minerals",),
    "rca": ("Royal College of Art",),
    "ual": ("University of the Arts London",),
    "risd": ("Rhode Island School of Design",),
    "parsons": ("Parsons School of Design, the New School",),
    "shms": ("Swiss Hotel Management School",),
    "ehl": ("EHL Hospitality Business School",),
    "bu": ("Boston University",),
    "北大": ("Peking University",),
    "清华": ("Tsinghua University",),
    "港大": ("The University of Hong Kong",),
    "中大": ("The Chinese University of Hong Kong",),
    "科大": ("The Hong Kong University of Science and Technology",),
    "港科大": ("The Hong Kong University of Science and Technology",),
    "城大": ("City University of Hong Kong",),
    "理大": ("The Hong Kong Polytechnic University",),
    "复旦": ("Fudan University",),
    "交大": ("Shanghai Jiao Tong University",),
    "上交": ("Shanghai Jiao Tong University",),
    "浙大": ("Zhejiang University",),
    "中科大": ("University of Science and Technology of China",),
    "哈佛": ("Harvard University",),
    "哈佛大学": ("Harvard University",),
    "斯坦福": ("Stanford University",),
    "斯坦福大学": ("Stanford University",),
    "史丹福大学": ("Stanford University",),
}

# Traditional characters that appear in university names, mapped to Simplified, so either
# script finds the name the list gives in the other.
_TRAD_TO_SIMP = str.maketrans(
    "學國華蘭爾濱漢復開東門薩諸馬亞倫劍橋頓維納聖羅業術師範陽廣臺灣蘇賓紐約瑪麗齊歐區龍會體醫藝軍農"
    "電機線與礦產凱茲諾萊魯達環園圖書韓並長島畢斯濟邁溫顏經貿傳總語禮黃陳頤鄉雲貴寧慶瀋遼鐵錦蘭"
    "內檳磯際",
    "学国华兰尔滨汉复开东门萨诸马亚伦剑桥顿维纳圣罗业术师范阳广台湾苏宾纽约玛丽齐欧区龙会体医艺军农"
    "电机线与矿产凯兹诺莱鲁达环园图书韩并长岛毕斯济迈温颜经贸传总语礼黄陈颐乡云贵宁庆沈辽铁锦兰"
    "内槟矶际",
)

_WORDS = (
    (r"\buniversit(?:e|y|at|aet|a|ad|eit|i|as)\b", "university"),
    (r"\b(?:de|di|du|der|zu)\b", "of"),
    (r"\buniv\b|\buni\b|\bu\b(?= of)", "university"),
    (r"\binst\b", "institute"),
    (r"\btech\b(?! univ)", "technology"),
    (r"\bsci\b", "science"),
    (r"\bst\b", "saint"),
    (r"&", " and "),
)


def normalise_name(text: str) -> str:
    """Lower case, no accents, no punctuation, common abbreviations spelt out."""
    text = unicodedata.normalize("NFKC", text).translate(_TRAD_TO_SIMP)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("'", "").replace("’", "")
    for pattern, repl in _WORDS:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"[^\w]+", " ", text).strip()
    text = re.sub(r"^the ", "", text)
    return re.sub(r"\s+", " ", text)


_GENERIC = frozenset(
    {"university", "of", "the", "college", "institute", "school", "at", "in", "and"}
)


CORE_CUTOFF = 80.0


def _core(normalised: str) -> str:
    """The distinctive words of a name: without "university of the" (or a typo of university)."""
    return " ".join(
        w for w in normalised.split() if w not in _GENERIC and fuzz.ratio(w, "university") < 80
    )


@dataclass(frozen=True)
class University:
    name_en: str
    name_zh: str  # Traditional, as Hong Kong writes it; "" when the list gives none
    country: str

    def chinese_name(self, lang: str) -> str:
        """The Chinese name in `lang`'s script ("" when the list gives none). The list holds
        Traditional names; Simplified is the same name through the table above, which covers
        every character the list uses (tests/test_chinese_texts.py checks it against OpenCC)."""
        return self.name_zh.translate(_TRAD_TO_SIMP) if lang == "zh-hans" else self.name_zh


@dataclass(frozen=True)
class _Index:
    universities: dict[str, University]
    exact: dict[str, tuple[str, ...]]
    keys: list[str]
    owners: list[str]


@cache
def universities() -> dict[str, University]:
    """Every university on the list, by its English name."""
    with DATA.open(encoding="utf-8", newline="") as f:
        return {
            row["name_en"]: University(row["name_en"], row["name_zh"], row["country"])
            for row in csv.DictReader(f)
        }


@cache
def _index() -> _Index:
    unis = universities()
    exact: dict[str, list[str]] = {}
    keys: list[str] = []
    owners: list[str] = []

    def add(key: str, owner: str, fuzzy: bool = True) -> None:
        k = normalise_name(key)
        if not k:
            return
        exact.setdefault(k, [])
        if owner not in exact[k]:
            exact[k].append(owner)
        if fuzzy and len(k) > 4:
            keys.append(k)
            owners.append(owner)

    for name, uni in unis.items():
        add(name, name)
        base = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
        add(base, name)
        for inner in re.findall(r"\((.*?)\)", name):
            add(inner, name, fuzzy=False)
        for sep in (
            " - ",
            "--",
            ", ",
        ):  # "Ohio State University--Columbus" → "Ohio State University"
            if sep in base:
                add(base.split(sep)[0], name)
        if uni.name_zh:
            add(uni.name_zh, name)
        core = _core(normalise_name(base))
        shared = sum(core in normalise_name(other) for other in unis)
        if len(core) >= 5 and core != normalise_name(base) and shared == 1:
            add(core, name)  # "harvard", "oxford", "toronto" (not "hong kong": five share it)
    for abbr, names in ABBREVIATIONS.items():
        for name in names:
            if name not in unis:
                raise ValueError(f"abbreviation {abbr!r} names {name!r}, which is not on the list")
            add(abbr, name, fuzzy=False)
    for name, aliases in _changes()["aliases"].items():
        if name not in unis:
            raise ValueError(f"{CHANGES.name}: alias entry {name!r} is not on the list")
        for alias in aliases:
            add(alias, name, fuzzy=len(normalise_name(alias)) > 6)
    return _Index(unis, {k: tuple(v) for k, v in exact.items()}, keys, owners)


# --- Edition, removals --------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedUniversity:
    name: str
    country: str
    removed_on: date
    source: str


@dataclass(frozen=True)
class UniversityLookup:
    """What the look-up found for a typed name, and what the answer must add about the list."""

    found: tuple[University, ...]
    removed: RemovedUniversity | None  # the name is that of a university taken off the list
    edition: date
    may_have_changed: bool  # on or after the next yearly refresh, with no newer edition loaded


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _changes() -> dict:
    data = yaml.load(CHANGES.read_text(encoding="utf-8"), Loader=_Loader)
    if data["edition"] != EDITION:
        raise ValueError(f"{CHANGES.name}: edition {data['edition']} is not EDITION {EDITION}")
    for key, text in data["texts"].items():
        missing = [lang for lang in LANGS if not text.get(lang)]
        if missing:
            raise ValueError(f"{CHANGES.name}: texts.{key} lacks {', '.join(missing)}")
    return data


def next_refresh() -> date:
    """The day the next edition of the list is normally due (every 1 January)."""
    return _changes()["next_refresh"]


def list_may_have_changed(on: date | None = None) -> bool:
    """From the next refresh day on, the loaded edition may no longer be the one in force."""
    return (on or today_in_hong_kong()) >= next_refresh()


@cache
def removed_universities() -> dict[str, RemovedUniversity]:
    """Every university removed from the list (as the sources name it), by normalised name."""
    out: dict[str, RemovedUniversity] = {}
    for item in _changes()["removed"]:
        entry = RemovedUniversity(item["name"], item["country"], item["removed_on"], item["source"])
        for name in (item["name"], *item.get("aliases", [])):
            out[normalise_name(name)] = entry
    return out


def find_removed(text: str) -> RemovedUniversity | None:
    """The removed university `text` names (exactly or with a small typo), if any."""
    query = normalise_name(text)
    if not query:
        return None
    table = removed_universities()
    if query in table:
        return table[query]
    if len(query) < 8:
        return None
    core = _core(query)
    for key, _score, _i in process.extract(
        query, list(table), scorer=fuzz.token_sort_ratio, score_cutoff=REMOVED_CUTOFF, limit=3
    ):
        # A typo, not another university: "Fribourg" is not "Freiburg".
        if fuzz.ratio(core, _core(key)) >= REMOVED_CUTOFF:
            return table[key]
    return None


def lookup_university(text: str, on: date | None = None) -> UniversityLookup:
    """`find_universities`, plus whether the name is a removed university and the list's age."""
    query = normalise_name(text)
    removed = None if query in _index().exact else find_removed(text)
    found = () if removed else tuple(find_universities(text))
    return UniversityLookup(found, removed, EDITION, list_may_have_changed(on))


def _date_text(day: date, lang: Lang) -> str:
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def lookup_note(lookup: UniversityLookup, lang: Lang) -> str:
    """The sentences the answer adds: the removal (asserting nothing about its effect), and that
    the list may have changed. Empty when there is nothing to add."""
    texts = _changes()["texts"]
    parts = []
    if lookup.removed is not None:
        parts.append(
            texts["removed"][lang].format(
                name=lookup.removed.name, date=_date_text(lookup.removed.removed_on, lang)
            )
        )
    if lookup.may_have_changed:
        parts.append(texts["may_have_changed"][lang].format(edition=_date_text(EDITION, lang)))
    return (" " if lang == "en" else "").join(parts)


def find_universities(text: str) -> list[University]:
    """Universities on the list that match `text`, best first (empty when none is close)."""
    query = normalise_name(text)
    if not query:
        return []
    index = _index()
    if query in index.exact:
        return [index.universities[n] for n in index.exact[query]]
    if len(query) < 4 or find_removed(text) is not None:
        return []  # a removed university is not its listed namesake ("Ecole Polytechnique")
    # Whole-name similarity catches typos and word order; a name that starts with what was
    # typed ("Imperial College", "London School of Economics") counts as a strong match.
    scorer = fuzz.token_sort_ratio if query.isascii() else fuzz.ratio
    found = process.extract(query, index.keys, scorer=scorer, limit=20, score_cutoff=FUZZY_CUTOFF)
    best: dict[str, float] = {}
    query_core = _core(query)
    for key, score, i in found:
        # "University of Bath" is not "University of Basel": the distinctive words must match too.
        if query_core and fuzz.ratio(query_core, _core(key)) < CORE_CUTOFF:
            continue
        owner = index.owners[i]
        best[owner] = max(best.get(owner, 0.0), score)
    if len(query) >= 8:
        for key, owner in zip(index.keys, index.owners, strict=True):
            if key.startswith(query + " "):
                best[owner] = max(best.get(owner, 0.0), 95.0)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked:
        return []
    if len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= CLEAR_LEAD:
        return [index.universities[ranked[0][0]]]
    top = ranked[0][1]
    return [index.universities[n] for n, s in ranked[:MAX_CHOICES] if top - s < CLEAR_LEAD]
