"""Issue 13: what a newcomer reads. The profile's JSON Schema, the example profiles, the policy
sources page, and `--lang` refusing codes it does not know."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from rules.catalogue_models import load_catalogue
from rules.evaluator import evaluate_profile
from rules.i18n import LANGS
from rules.profile import Profile
from rules.sources_page import sources_markdown

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# What each example shows, written from the policy notes (examples/README.md says the same).
EXPECTED = {
    "ttps_a_earner.json": {("TTPS", "A"): "match", ("GEP", None): "near_miss"},
    "mainland_graduate_with_offer.json": {
        ("ASMTP", None): "match",
        ("TTPS", "A"): "near_miss",
        ("TTPS", "B"): "near_miss",
        ("GEP", None): "no_match",
    },
    "iang_fresh_graduate.json": {("IANG", "fresh"): "match", ("IANG", "returning"): "no_match"},
}


def run(
    module: str, *args: str, stdin: str | None = None, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    # set even when empty: the environment wins over a developer's .env
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token or ""}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_schema_command_prints_the_models_schema() -> None:
    out = run("rules", "schema")
    assert out.returncode == 0, out.stderr
    schema = json.loads(out.stdout)
    assert schema.pop("$schema") == "https://json-schema.org/draft/2020-12/schema"
    assert schema == Profile.model_json_schema()
    assert set(schema["properties"]) == set(Profile.model_fields)
    assert schema["additionalProperties"] is False  # unknown field names are refused
    education = schema["properties"]["education"]["anyOf"][0]
    assert set(education["enum"]) == {"secondary", "sub_degree", "bachelor", "master", "doctorate"}


def _check_against(schema: dict, value: object) -> None:
    """The few JSON Schema keywords the profile's schema uses, enough to check the examples
    against the printed schema itself rather than against the model a second time."""
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                _check_against(option, value)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{value!r} matches none of {errors}")
    kind = schema.get("type")
    types = {"integer": int, "number": (int, float), "string": str, "boolean": bool}
    if kind == "null":
        assert value is None, f"{value!r} is not null"
    elif kind in types:
        assert isinstance(value, types[kind]), f"{value!r} is not {kind}"
        assert kind == "boolean" or not isinstance(value, bool), f"{value!r} is not {kind}"
    if "enum" in schema:
        assert value in schema["enum"], f"{value!r} not in {schema['enum']}"
    if "minimum" in schema:
        assert value >= schema["minimum"]
    if "maximum" in schema:
        assert value <= schema["maximum"]
    if schema.get("format") == "date":
        date.fromisoformat(value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_is_valid_and_evaluates_as_documented(name: str) -> None:
    raw = (EXAMPLES / name).read_text(encoding="utf-8")
    schema = json.loads(run("rules", "schema").stdout)
    for field, value in json.loads(raw).items():
        assert field in schema["properties"], f"{name}: {field} is not in the schema"
        _check_against(schema["properties"][field], value)
    statuses = {
        (r.scheme, r.category): r.status
        for r in evaluate_profile(Profile.model_validate_json(raw), "en").results
    }
    for key, status in EXPECTED[name].items():
        assert statuses[key] == status, f"{name}: {key}"
    out = run("rules", "evaluate", f"examples/{name}", "--lang", "zh-hant")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["as_of"] == json.loads(raw)["as_of"]


def test_every_example_is_tested_and_in_the_readme() -> None:
    files = {p.name for p in EXAMPLES.glob("*.json")}
    assert files == set(EXPECTED)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "examples/" in readme and "python -m rules schema" in readme
    for name in files:
        assert name in listed


def test_sources_page_is_current() -> None:
    committed = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert sources_markdown(load_catalogue()) == committed, (
        "run: python -m rules sources > docs/sources.md"
    )
    assert run("rules", "sources").stdout == committed


def test_sources_page_names_every_source_and_how_sure() -> None:
    catalogue = load_catalogue()
    page = sources_markdown(catalogue)
    for spec in catalogue.schemes:
        assert f"## {spec.short_name}: {spec.name['en']}" in page
        assert f"<{spec.source}>" in page
        for criterion in [*spec.criteria, *(c for cat in spec.categories for c in cat.criteria)]:
            for values in criterion.params.values():
                for value in values:
                    assert f"<{value.source}>" in page
                    if value.confidence == "R":
                        assert value.caveat is not None
                        assert " ".join(value.caveat["en"].split()) in page
    for lst in catalogue.exclusions.lists:
        assert f"<{lst.source}>" in page
    assert "/work/shared" not in page and "../shared" not in page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/sources.md" in readme and "../shared" not in readme


@pytest.mark.parametrize("command", [["bot", "chat"], ["bot"], ["rules", "evaluate", "-"]])
def test_unknown_lang_is_refused_with_the_choices(command: list[str]) -> None:
    out = run(*command, "--lang", "fr", stdin="{}")
    assert out.returncode == 2
    assert "'fr'" in out.stderr
    for lang in LANGS:
        assert lang in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("zh", "zh-hans"),
        ("zh-cn", "zh-hans"),
        ("zh-tw", "zh-hant"),
        ("zh-hk", "zh-hant"),
        ("zh_HK", "zh-hant"),
        ("en", "en"),
    ],
)
def test_lang_codes_accepted_today_still_work(code: str, lang: str) -> None:
    from bot.terminal_chat import text_of

    chat = run("bot", "chat", "--lang", code, stdin="quit\n")
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.startswith(text_of("term_help", lang))
    evaluated = run("rules", "evaluate", "-", "--lang", code, stdin='{"as_of": "2026-11-25"}')
    assert evaluated.returncode == 0, evaluated.stderr


def test_the_telegram_bot_refuses_arguments_instead_of_ignoring_them() -> None:
    out = run("bot", "--lang", "zh-hant", token="123456:not-a-real-token")
    assert out.returncode == 2
    assert "--lang" in out.stderr and "python -m bot chat" in out.stderr
