"""Every Chinese text the project shows is in its own script and has no stray English.

Walks every YAML and CSV file under `bot/`, `dialogs/` and `rules/` that holds Chinese: in YAML a
mapping with `zh-hant`/`zh-hans` keys, in the university list the `name_zh` column (Traditional,
as Hong Kong writes it). For each text:

- zh-hans must not contain a Traditional character, zh-hant not a Simplified one. OpenCC (the
  converter Wikipedia and most Chinese input tools use) converts the text phrase by phrase; a
  character it changes is one of the other script. Phrase by phrase matters: 著名 stays 著名 in
  Simplified, 只有 stays 只有 in Traditional.
- Neither may hold a Latin word except scheme abbreviations, /commands, URLs and domain names,
  HK$, {placeholders}, HTML tags and the typed-input examples the bot asks for (1.2m, 800k).

The allow-lists below are small on purpose; each entry says why it is not a mistake.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import opencc  # the dev extra installs it (scripts/setup); a missing check must not pass silently
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEXT_DIRS = ("bot", "dialogs", "rules")
LANGS = ("zh-hant", "zh-hans")

# Characters that are Simplified and Traditional both, which OpenCC's s2t still changes even
# alone, because its first Traditional candidate is another character. Each is in Hong Kong's
# standard list of characters (常用字字形表) in the sense we use it:
HANT_ALSO = frozenset(
    "台"  # 台灣: Hong Kong and ImmD write 台 (台灣居民); OpenCC's standard form is 臺
    "群"  # 群組, 群島: Hong Kong writes 群; OpenCC's standard form is 羣
    "里"  # 公里, 馬里亞納: a Traditional character of its own (OpenCC prefers 裏 for "inside")
    "干"  # 烏干達, 干擾: a Traditional character of its own (OpenCC prefers 幹)
    "着"  # 睡着, 着數: Hong Kong writes 着; OpenCC's standard form is 著
    "秘"  # 秘書, 秘魯: Hong Kong writes 秘; OpenCC's standard form is 祕
    "准"  # 獲准, 批准: "to permit" is 准 in Traditional too (準 is "standard, accurate")
)
# Phrases that are right in the other script's screens: the language menu names each language
# in its own script ("English / 繁體中文 / 简体中文" appears in every language's help).
OTHER_SCRIPT_PHRASES: dict[str, tuple[str, ...]] = {
    "zh-hant": ("简体中文",),
    "zh-hans": ("繁體中文",),
}

# Latin words allowed in Chinese: the schemes' own abbreviations (as ImmD writes them in Chinese
# pages too), official names that have no Chinese form, and language names in the language menu.
ALLOWED_WORDS = frozenset(
    {
        # scheme ids and the short names the catalogue uses in every language
        "QMAS", "TTPS", "GEP", "IANG", "ASMTP", "TechTAS", "CIES", "ASSG", "WHS", "VPAS",
        # the language menu: each language in its own name
        "English",
    }
)  # fmt: skip

# Words that show a text was written for the other region: Hong Kong usage in Simplified texts
# (often left by converting a Hong Kong text), Mainland usage in Traditional texts. Each maps to
# what the readers write instead.
HONG_KONG_WORDS_IN_HANS: dict[str, str] = {
    "现时": "目前", "有否": "是否", "不肯定": "不确定", "应课税": "应纳税", "一间": "一家",
    "每间": "每家", "这间": "这家", "透过": "通过", "视乎": "取决于 / 视…而定", "会否": "是否会",
    "或会": "可能会", "身分": "身份", "甚么": "什么", "机械人": "机器人", "讯息": "消息",
    "电邮": "电子邮件", "上载": "上传", "质素": "质量", "入息": "收入", "唔": "不",
}  # fmt: skip
MAINLAND_WORDS_IN_HANT: dict[str, str] = {
    "信息": "資訊 / 訊息", "視頻": "影片", "默認": "預設", "屏幕": "螢幕", "點擊": "按",
    "登錄": "登入", "質量": "質素", "設置": "設定", "日誌": "記錄", "短信": "短訊",
}  # fmt: skip
# Official Hong Kong terms that contain one of those words: the Development Bureau writes
# 建築信息模擬 for building information modelling.
HANT_TERMS: tuple[str, ...] = ("建築信息模擬",)
# 未有 (Hong Kong: "have not yet") reads 没有 / 尚未 in Mainland usage; 尚未有 is fine.
_HK_WEIYOU = re.compile(r"(?<![尚还并])未有")
# A length of time in days: 180日 in Hong Kong, 180天 on the Mainland (a date, 3月1日, is fine).
_HK_DAYS = re.compile(r"(?<![月\d])(?:\d+|\{\w+\})\s*日(?!期)")


def other_region_words(text: str, lang: str) -> list[str]:
    """Words of the other region's usage in `text`, each with what to write instead."""
    table = HONG_KONG_WORDS_IN_HANS if lang == "zh-hans" else MAINLAND_WORDS_IN_HANT
    if lang == "zh-hant":
        for term in HANT_TERMS:
            text = text.replace(term, "")
    found = [f"{w}→{better}" for w, better in table.items() if w in text]
    if lang == "zh-hans" and _HK_WEIYOU.search(text):
        found.append("未有→没有 / 尚未")
    if lang == "zh-hans" and _HK_DAYS.search(text):
        found.append("…日→…天 (a length of time)")
    return found


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HTML_TAG = re.compile(r"</?[a-z]+(?:\s[^<>]*)?>")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、）)]+|\b[\w.-]+\.(?:gov|com|org|edu)\.hk\b")
# A /command with the English words it takes after it, which must be typed as they are (the
# Chinese text explains each one).
_COMMAND = re.compile(
    r"/[a-z_]+(?:@\{?\w+\}?)?(?:\s*(?:\b(?:add|remove|list|status|pause|resume|cancel)\b|\|))*"
)
# TTPS's categories are A, B and C in ImmD's Chinese pages too (A類).
_CATEGORY_LETTER = re.compile(r"(?<![A-Za-z])[ABC](?=[類类])")
# The name of a setting in the deployment's environment (BOT_ADMIN_IDS), which an owner types.
_ENV_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_HKD = re.compile(r"HK\$")
# An Immigration Department form number, printed as it is on the Chinese forms: ID 990A, ID(E) 940A.
_FORM_NUMBER = re.compile(r"\bID(?:\([A-Z]\))?\s?\d+[A-Z]?\b")
# A typed-input example the bot asks for: 1.2m, 800k, 2.5M.
_INPUT_EXAMPLE = re.compile(r"\b\d+(?:\.\d+)?[kKmM]\b")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'&+-]*")


@dataclass(frozen=True)
class ChineseText:
    file: str  # relative to the project root
    where: str  # a path inside the file: key.key.lang, or row/column
    lang: str
    text: str


def _walk_yaml(node: object, path: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        for lang in LANGS:
            value = node.get(lang)
            if isinstance(value, str):
                yield f"{path}.{lang}".lstrip("."), lang, value
        for key, value in node.items():
            if key not in LANGS:
                yield from _walk_yaml(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_yaml(value, f"{path}[{i}]")


def project_files() -> list[Path]:
    files: list[Path] = []
    for folder in TEXT_DIRS:
        for pattern in ("*.yaml", "*.yml", "*.csv"):
            files += (ROOT / folder).rglob(pattern)
    return sorted(files)


def chinese_texts(path: Path) -> list[ChineseText]:
    rel = path.relative_to(ROOT).as_posix()
    found: list[ChineseText] = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            for row_no, row in enumerate(csv.DictReader(f), start=2):
                for column, lang in (("name_zh", "zh-hant"), ("name_zh_hant", "zh-hant"),
                                     ("name_zh_hans", "zh-hans")):  # fmt: skip
                    if row.get(column):
                        found.append(ChineseText(rel, f"line {row_no} {column}", lang, row[column]))
        return found
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for where, lang, text in _walk_yaml(data, ""):
        found.append(ChineseText(rel, where, lang, text))
    return found


_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


def other_script_characters(text: str, lang: str) -> list[str]:
    """The characters of `text` that belong to the other script, in order, with context."""
    for phrase in OTHER_SCRIPT_PHRASES[lang]:
        text = text.replace(phrase, "")
    convert = (_T2S if lang == "zh-hans" else _S2T).convert
    in_context = convert(text)
    if len(in_context) != len(text):  # OpenCC keeps lengths; if not, judge characters alone
        in_context = "".join(convert(c) for c in text)
    wrong = []
    for i, (mine, theirs) in enumerate(zip(text, in_context, strict=True)):
        # Both the phrase-level and the character-level conversion must change it: 才 becomes
        # 纔 in 才可申請 by phrase, but 才 alone is Traditional too; 著 alone becomes 着 in
        # Simplified, but 著名 is right.
        if mine == theirs or convert(mine) == mine:
            continue
        if lang == "zh-hant" and mine in HANT_ALSO:
            continue
        wrong.append(f"{mine}→{theirs} in …{text[max(0, i - 4) : i + 5]}…")
    return wrong


def latin_words(text: str) -> list[str]:
    """Latin words in a Chinese text that are not an allowed kind of token."""
    for pattern in (
        _PLACEHOLDER,
        _HTML_TAG,
        _URL,
        _COMMAND,
        _HKD,
        _FORM_NUMBER,
        _INPUT_EXAMPLE,
        _CATEGORY_LETTER,
        _ENV_NAME,
    ):
        text = pattern.sub(" ", text)
    return [w for w in _LATIN_WORD.findall(text) if w not in ALLOWED_WORDS]


def findings(path: Path) -> list[str]:
    problems = []
    for t in chinese_texts(path):
        for wrong in other_script_characters(t.text, t.lang):
            problems.append(f"{t.where}: other script {wrong}")
        for word in other_region_words(t.text, t.lang):
            problems.append(f"{t.where}: usage {word} in {t.text!r}")
        words = latin_words(t.text)
        if words:
            problems.append(f"{t.where}: English words {words} in {t.text!r}")
    return problems


FILES = [p for p in project_files() if chinese_texts(p)]


def test_the_walk_finds_the_project_texts() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    for expected in ("bot/texts/messages.yaml", "dialogs/questions.yaml", "dialogs/texts.yaml",
                     "rules/data/countries.yaml", "dialogs/data/ttps_universities.csv",
                     "rules/catalogue/ttps.yaml"):  # fmt: skip
        assert expected in names
    assert sum(len(chinese_texts(p)) for p in FILES) > 1000


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in FILES],
)
def test_chinese_texts_are_in_their_own_script_without_english(path: Path) -> None:
    problems = findings(path)
    assert not problems, "\n".join(problems)


# --- the checker itself: it must catch what it is for and leave alone what is right ----------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("國立台灣大學", "zh-hans"), ("目前沒有", "zh-hans"), ("国立台湾大学", "zh-hant"),
        ("你是否已获聘用", "zh-hant"), ("请输入", "zh-hant"), ("這個", "zh-hans"),
    ],
)  # fmt: skip
def test_the_checker_finds_the_other_script(text: str, lang: str) -> None:
    assert other_script_characters(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("著名大学", "zh-hans"), ("只有一家公司", "zh-hans"), ("台灣居民", "zh-hant"),
        ("只有一間公司", "zh-hant"), ("公里", "zh-hant"), ("睡着了", "zh-hant"),
        ("/language — English / 繁體中文 / 简体中文", "zh-hant"),
        ("/language — English / 繁體中文 / 简体中文", "zh-hans"),
    ],
)  # fmt: skip
def test_the_checker_leaves_correct_text_alone(text: str, lang: str) -> None:
    assert other_script_characters(text, lang) == []


def test_the_checker_finds_english_words() -> None:
    assert latin_words("GEP (entrepreneurs)") == ["entrepreneurs"]
    assert latin_words("輸入 /start 開始，詳見 https://www.immd.gov.hk/hkt/index.html") == []
    assert latin_words("<b>{name}</b> HK$2,500,000、1.2m 或 800k；優才（QMAS）") == []
    assert latin_words("請 send 一個 number") == ["send", "number"]


def test_the_checker_finds_the_other_regions_words() -> None:
    assert other_region_words("你现时有否应课税收入？拥有一间公司", "zh-hans") == [
        "现时→目前", "有否→是否", "应课税→应纳税", "一间→一家",
    ]  # fmt: skip
    assert other_region_words("你目前是否有应纳税收入？尚未有结果", "zh-hans") == []
    assert other_region_words("未有问及", "zh-hans") == ["未有→没有 / 尚未"]
    assert other_region_words("逗留180日或以下", "zh-hans") == ["…日→…天 (a length of time)"]
    assert other_region_words("2025年3月1日起逗留180天", "zh-hans") == []
    assert other_region_words("請點擊設置", "zh-hant") == ["點擊→按", "設置→設定"]
    assert other_region_words("請按設定", "zh-hant") == []


# --- the data the checker cannot see as zh-hant/zh-hans texts --------------------------------


def test_university_names_read_in_simplified_as_opencc_writes_them() -> None:
    """The list holds Traditional names; Simplified screens show them through a small table
    in dialogs/universities.py, which must cover every character the list uses."""
    from dialogs.universities import find_universities, universities

    named = [u for u in universities().values() if u.name_zh]
    assert len(named) > 40
    for uni in named:
        assert uni.chinese_name("zh-hans") == _T2S.convert(uni.name_zh), uni.name_en
        assert uni.chinese_name("zh-hant") == uni.name_zh
        # typed in either script, the Chinese name finds the university
        for typed in (uni.name_zh, _T2S.convert(uni.name_zh)):
            assert uni in find_universities(typed), (typed, uni.name_en)


def test_taiwan_and_macao_are_named_as_the_immigration_department_names_them() -> None:
    from rules.countries import countries

    names = {code: c.name for code, c in countries().items()}
    assert names["TW"] == {"en": "Taiwan", "zh-hant": "台灣", "zh-hans": "台湾"}
    assert names["MO"] == {"en": "Macao", "zh-hant": "澳門", "zh-hans": "澳门"}
    from dialogs.countries import find_countries

    for typed, code in [("Taiwan", "TW"), ("台灣", "TW"), ("中国台湾", "TW"), ("Macau", "MO"),
                        ("澳门", "MO"), ("Macao, China", "MO")]:  # fmt: skip
        assert find_countries(typed) == [code]  # the old names still find it when typed
    for name in names.values():
        assert "中國台灣" not in name["zh-hant"] and ", China" not in name["en"].replace(
            "Hong Kong, China", ""
        )


def test_the_typed_input_errors_are_clean_already() -> None:
    """texts.yaml is a known failure as a whole, but its errors for typed numbers and dates
    (issue 10, lever 8) were written to these rules and must stay so."""
    path = ROOT / "dialogs" / "texts.yaml"
    errors = [t for t in chinese_texts(path) if t.where.startswith("error_")]
    assert len(errors) >= 30
    problems = [
        f"{t.where}: {p}"
        for t in errors
        for p in (
            other_script_characters(t.text, t.lang)
            + other_region_words(t.text, t.lang)
            + latin_words(t.text)
        )
    ]
    assert not problems, "\n".join(problems)
