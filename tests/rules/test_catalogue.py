"""Catalogue integrity: sources, dates, confidence, three languages, loader errors."""

from __future__ import annotations

import shutil
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.catalogue_models import (
    CATALOGUE_DIR,
    SCHEME_IDS,
    CatalogueError,
    load_catalogue,
    load_catalogue_from,
)
from rules.countries import is_country_code
from rules.evaluator import render_catalogue, resolve
from rules.i18n import LANGS

# The reviews of the catalogue: the first, and the one against policy addendum 2 (issue 11).
CHECKED = (date(2026, 11, 25), date(2026, 12, 2))
FILES = sorted(CATALOGUE_DIR.glob("*.yaml"))


def _walk(node: Any, path: str = ""):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def test_every_scheme_has_a_file() -> None:
    names = {f.name for f in FILES}
    for sid in SCHEME_IDS:
        assert f"{sid.lower()}.yaml" in names
    assert {"catalogue.yaml", "exclusions.yaml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_text_in_all_three_languages(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    count = 0
    for where, node in _walk(raw):
        if isinstance(node, dict) and "en" in node:
            count += 1
            for lang in LANGS:
                assert isinstance(node.get(lang), str) and node[lang].strip(), f"{where} {lang}"
            if "{" not in node["en"]:
                assert node["zh-hant"] != node["en"], where
    assert count > 0 or path.name == "exclusions.yaml"  # maintainers' notes only


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fact_has_a_source_and_a_checked_date(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    facts = 0
    for where, node in _walk(raw):
        if isinstance(node, dict) and "confidence" in node and "source" in node:
            facts += 1
            assert str(node["source"]).startswith(("https://", "http://")), where
            assert node["confidence"] in ("O", "S", "R"), where
            assert node["checked"] in CHECKED, where
            if node["confidence"] == "R":
                assert "caveat" in node, f"{where}: an R fact needs a caveat"
    assert facts > 0 or path.name == "catalogue.yaml"


def test_every_threshold_is_dated_and_sourced() -> None:
    cat = load_catalogue()
    thresholds = 0
    for scheme in cat.schemes:
        assert scheme.source.startswith("http")
        assert scheme.checked in CHECKED
        crits = list(scheme.criteria) + [c for cat_ in scheme.categories for c in cat_.criteria]
        for crit in crits:
            for name, values in crit.params.items():
                for value in values:
                    thresholds += 1
                    assert value.source.startswith("http"), (scheme.id, crit.id, name)
                    assert value.checked in CHECKED
                    if value.confidence == "R":
                        assert value.caveat is not None
                if all(isinstance(v.value, list) for v in values):
                    continue  # lists (partner countries) are merged, so they may overlap
                # periods of one threshold must not overlap
                spans = sorted(
                    (v.effective_from or date.min, v.effective_to or date.max) for v in values
                )
                for (_, end), (start, _) in pairwise(spans):
                    assert end < start, (scheme.id, crit.id, name)
    assert thresholds >= 15


def test_changeable_criteria_have_near_miss_texts() -> None:
    for scheme in load_catalogue().schemes:
        for crit in [*scheme.criteria, *(c for k in scheme.categories for c in k.criteria)]:
            if crit.changeable:
                assert crit.near_miss is not None
                assert "{scheme}" in crit.near_miss["en"]


def test_contract_changeable_kinds() -> None:
    """Job offer, income, work years, investment, language, business plan, points: changeable.
    Nationality, age, criminal record, dates: not."""
    changeable = {}
    for scheme in load_catalogue().schemes:
        for crit in [*scheme.criteria, *(c for k in scheme.categories for c in k.criteria)]:
            changeable[(scheme.id, crit.id)] = crit.changeable
    for key in [
        ("GEP", "job_offer"),
        ("TTPS", "income"),
        ("TTPS", "recent_work"),
        ("CIES", "investment"),
        ("CIES", "net_assets"),
        ("QMAS", "language"),
        ("GEP_INVEST", "business_plan"),
        ("QMAS", "points"),
    ]:
        assert changeable[key], key
    for key in [
        ("GEP", "nationality"),
        ("QMAS", "age"),
        ("GEP", "criminal_record"),
        ("TTPS", "degree_recent"),
        ("IANG", "within_six_months"),
        ("CIES", "nationality"),
        ("ASSG", "born_overseas"),
        ("TTPS", "not_hk_bachelor"),
    ]:
        assert not changeable[key], key


def test_exclusion_lists_are_valid() -> None:
    ex = load_catalogue().exclusions
    for lst in ex.lists:
        assert all(is_country_code(c) for c in lst.countries)
        assert set(lst.schemes) <= set(SCHEME_IDS)
    assert "KH" not in {c for lst in ex.lists for c in lst.countries}
    assert {n.id for n in ex.notes} >= {"cambodia"}


@pytest.mark.parametrize(
    "on",
    [
        "2006-06-28",
        "2015-05-04",
        "2018-06-15",
        "2022-12-28",
        "2023-10-25",
        "2024-11-01",
        "2025-03-01",
        "2025-12-24",
        "2026-11-25",
        "2027-06-01",
    ],
)
@pytest.mark.parametrize("lang", LANGS)
def test_every_placeholder_is_filled(on: str, lang: str) -> None:
    day = date.fromisoformat(on)
    rendered = render_catalogue(day, lang)
    for rr in rendered.results:
        for crit in rr.resolved.criteria:
            texts = list(crit.spec.texts.values())
            if crit.spec.near_miss:
                texts.append(crit.spec.near_miss)
            for text in texts:
                out = text[lang].format_map({**rr.values})
                assert "{" not in out
        for step in rr.next_steps + rr.caveats:
            assert "{" not in step


def test_resolve_is_cached_per_date() -> None:
    assert resolve(date(2026, 1, 1)) is resolve(date(2026, 1, 1))
    assert load_catalogue() is load_catalogue()


# --- Loader errors name the file and the entry ---------------------------------------------


@pytest.fixture
def broken(tmp_path: Path):
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)

    def edit(filename: str, old: str, new: str) -> Path:
        path = target / filename
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return target

    return edit


def test_copy_loads(broken) -> None:
    directory = broken("catalogue.yaml", "version:", "version:")
    assert len(load_catalogue_from(directory).schemes) == len(SCHEME_IDS)


def test_missing_source_names_file_and_entry(broken) -> None:
    directory = broken(
        "ttps.yaml",
        "            - value: 2500000\n              effective_from: 2022-12-28\n"
        "              source: https://wingate.hk/en/Article?path=34_74\n",
        "            - value: 2500000\n              effective_from: 2022-12-28\n",
    )
    with pytest.raises(CatalogueError) as err:
        load_catalogue_from(directory)
    message = str(err.value)
    assert message.startswith("ttps.yaml: ")
    assert "categories[0] (id A)" in message and "criteria[0] (id income)" in message
    assert "source" in message


def test_missing_language_names_file_and_entry(broken) -> None:
    directory = broken("assg.yaml", '  zh-hans: "输入中国籍香港永久性居民第二代计划"\n', "")
    with pytest.raises(CatalogueError, match=r"^assg\.yaml: name: .*zh-hans"):
        load_catalogue_from(directory)


def test_unknown_check_and_field(broken) -> None:
    directory = broken("whs.yaml", "check: age_between", "check: age_bewteen")
    with pytest.raises(CatalogueError, match=r"whs\.yaml: criteria\[1\] \(id age\).*age_bewteen"):
        load_catalogue_from(directory)


def test_unknown_profile_field(broken) -> None:
    directory = broken("cies.yaml", "fields: [net_assets_hkd]", "fields: [net_asset_hkd]")
    with pytest.raises(CatalogueError, match=r"cies\.yaml: criteria\[2\] \(id net_assets\)"):
        load_catalogue_from(directory)


def test_unconfirmed_fact_without_caveat(broken) -> None:
    directory = broken(
        "catalogue.yaml",
        '          caveat:\n            en: "The Technical Professionals Stream is a three-year',
        '          caveet:\n            en: "The Technical Professionals Stream is a three-year',
    )
    with pytest.raises(CatalogueError, match=r"gep_tps\.yaml: criteria\[1\] \(id pilot\)"):
        load_catalogue_from(directory)


def test_yaml_syntax_error(broken) -> None:
    directory = broken("qmas.yaml", "id: QMAS", "id: [QMAS")
    with pytest.raises(CatalogueError, match=r"^qmas\.yaml: not valid YAML"):
        load_catalogue_from(directory)


def test_unknown_shared_criterion(broken) -> None:
    directory = broken("gep.yaml", "  - use: education", "  - use: educaton")
    with pytest.raises(CatalogueError, match=r"gep\.yaml: criteria\[4\].*educaton"):
        load_catalogue_from(directory)


def test_missing_file(broken) -> None:
    directory = broken("catalogue.yaml", "version:", "version:")
    (directory / "iang.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"iang\.yaml: file is missing"):
        load_catalogue_from(directory)
