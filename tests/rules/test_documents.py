"""What to prepare: sourced, dated documents per scheme, or a pointer to the official page."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from rules.cards import scheme_card
from rules.catalogue_models import (
    CATALOGUE_DIR,
    CatalogueError,
    load_catalogue,
    load_catalogue_from,
)
from rules.documents import documents_for
from rules.i18n import LANGS

TODAY = date(2026, 12, 2)
FORM = re.compile(r"ID(?:\(E\))? ?\d{3,4}[A-Z]?")
PAIRS = "們们說说會会這这個个為为體体區区證证國国學学經经與与選选擇择請请來来資资項项費费屬属時时"


def test_every_scheme_in_every_language():
    for spec in load_catalogue().schemes:
        english = documents_for(spec.id, TODAY, "en")
        assert english.page.startswith(("https://", "http://")), spec.id
        for lang in LANGS:
            docs = documents_for(spec.id, TODAY, lang)
            assert docs.scheme == spec.id and docs.page == english.page
            assert len(docs.items) == len(english.items), (spec.id, lang)
            for item, en in zip(docs.items, english.items, strict=True):
                assert item.text.strip() and item.source.startswith(("https://", "http://"))
                assert item.confidence in ("O", "S", "R") and item.checked <= TODAY
                assert item.source == en.source and item.checked == en.checked
                # A form number reads the same in every language: none added or lost.
                assert FORM.findall(item.text) == FORM.findall(en.text), (spec.id, item.text)
                if lang != "en":
                    assert item.text != en.text, (spec.id, lang, item.text)
                if lang == "zh-hant":
                    assert not set(PAIRS[1::2]) & set(item.text), item.text
                if lang == "zh-hans":
                    assert not set(PAIRS[0::2]) & set(item.text), item.text
            if docs.listed:
                assert docs.checked is not None and docs.checked <= TODAY


def test_listed_where_the_sources_list_them_and_not_elsewhere():
    listed = {s.id for s in load_catalogue().schemes if documents_for(s.id, TODAY).listed}
    assert {"GEP", "ASMTP", "IANG", "CIES", "WHS"} <= listed
    assert not {"TTPS", "QMAS", "TECHTAS", "ASSG"} & listed
    gep = " ".join(i.text for i in documents_for("GEP", TODAY).items)
    assert "ID 990A" in gep and "ID 990B" in gep
    asmtp = " ".join(i.text for i in documents_for("ASMTP", TODAY).items)
    assert "letter of consent" in asmtp and "ID 990B" not in asmtp  # not claimed for ASMTP


def test_cards_carry_the_documents():
    for lang in LANGS:
        card = scheme_card("IANG", lang, TODAY)
        assert card.documents == documents_for("IANG", TODAY, lang)


def test_unknown_scheme():
    with pytest.raises(KeyError):
        documents_for("NOPE", TODAY)


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def test_a_scheme_without_documents_points_to_its_source(tmp_path, monkeypatch):
    directory = _copy_catalogue(tmp_path)
    path = directory / "qmas.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.pop("documents")
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    catalogue = load_catalogue_from(directory)
    spec = catalogue.scheme("QMAS")
    assert spec.documents is None  # loading accepts the key's absence (other files add it)
    monkeypatch.setattr("rules.documents.load_catalogue", lambda: catalogue)
    docs = documents_for.__wrapped__("QMAS", TODAY, "en")  # past the cache
    assert not docs.listed and docs.page == spec.source and docs.checked is None


def test_a_document_needs_a_source_and_a_checked_date(tmp_path):
    directory = _copy_catalogue(tmp_path)
    path = directory / "gep.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    del raw["documents"]["items"][0]["checked"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"gep.yaml: documents.items\[0\].*checked"):
        load_catalogue_from(directory)
    raw["documents"]["items"][0]["checked"] = TODAY
    raw["documents"]["page"] = "www.immd.gov.hk"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"documents\.page"):
        load_catalogue_from(directory)
