"""The questionnaire's Chinese: no Latin letters but scheme abbreviations, HK$, URLs and
/commands; Simplified Chinese in Mainland usage, not Hong Kong wording converted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from dialogs.questions import QUESTIONS_FILE, TEXTS_FILE

ALLOWED = re.compile(
    r"HK\$|https?://\S+|www\.[\w./-]+|/[a-z]+|\{\w+\}"
    r"|\b(?:IANG|TTPS|QMAS|GEP|ASMTP|TechTAS|ASSG|CIES|WHS|VPAS)\b"
)
# Hong Kong wording that a converter leaves in Simplified text (the Mainland word in brackets).
HONG_KONG_ONLY = ["现时", "有否", "不肯定", "应课税", "一间", "甚么", "透过", "资讯"]


def _texts(node: Any, where: str = "") -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("zh-hant", "zh-hans") and isinstance(value, str):
                yield where, key, value
            else:
                yield from _texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{where}[{i}]")


TEXTS = [
    t
    for path in (QUESTIONS_FILE, TEXTS_FILE)
    for t in _texts(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
]


@pytest.mark.parametrize(("where", "lang", "text"), TEXTS)
def test_no_latin_letters_in_chinese(where: str, lang: str, text: str) -> None:
    assert not re.search(r"[A-Za-z]", ALLOWED.sub("", text)), (where, lang, text)


def test_simplified_is_mainland_usage() -> None:
    bad = [(w, t) for w, lang, t in TEXTS if lang == "zh-hans" for word in HONG_KONG_ONLY
           if word in t]  # fmt: skip
    assert not bad


def test_taiwan_and_macao_are_named_as_immigration_does() -> None:
    for _where, _lang, text in TEXTS:
        assert "中國台灣" not in text and "中国台湾" not in text
