"""`python -m rules`: exit codes, one-line errors naming the field, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rules", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_evaluate_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps({"as_of": "2026-11-25", "nationality": "US", "annual_income_hkd": 2_500_000})
    )
    out = run("evaluate", str(path))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    data = json.loads(out.stdout)
    assert data["as_of"] == "2026-11-25"
    assert data["catalogue"]["checked"] == "2026-12-02"
    first = data["results"][0]
    assert (first["scheme"], first["category"], first["status"]) == ("TTPS", "A", "match")
    assert len(data["results"]) == 16
    assert all(r["checked"] in ("2026-11-25", "2026-12-02") for r in data["results"])


def test_evaluate_stdin_in_chinese() -> None:
    out = run("evaluate", "-", "--lang", "zh-hant", stdin='{"nationality": "GB", "age": 25}')
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    whs = next(r for r in data["results"] if r["scheme"] == "WHS")
    assert whs["status"] == "match"
    assert whs["name"] == "工作假期計劃"


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ('{"age": "30"}', "error: age: Input should be a valid integer"),
        ('{"age": 30.5}', "error: age: "),
        ('{"agee": 30}', "error: agee: unknown field name"),
        ("{bad json", "error: input: not valid JSON"),
        ("", "error: input: not valid JSON"),
        ("[1, 2]", "error: profile: Input should be an object"),
        ('{"age": -1}', "error: age: Input should be greater than or equal to 0"),
        ('{"recent_work_years": 6}', "error: recent_work_years: "),
        ('{"nationality": "ZZ"}', "error: nationality: "),
        ('{"education": "phd"}', "error: education: "),
        ('{"job_offer": "yes"}', "error: job_offer: Input should be a valid boolean"),
        ('{"as_of": "2026-02-30"}', "error: as_of: "),
        (
            '{"as_of": "2025-01-01", "graduated_on": "2025-06-01"}',
            "error: graduated_on: (2025-06-01) is after as_of (2025-01-01)",
        ),
        (
            '{"as_of": "2025-01-01", "bachelor_awarded_on": "2026-06-01"}',
            "error: bachelor_awarded_on: ",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(stdin: str, expected: str) -> None:
    out = run("evaluate", "-", stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Traceback" not in out.stderr


def test_missing_file() -> None:
    out = run("evaluate", "/no/such/profile.json")
    assert out.returncode == 2
    assert out.stderr.splitlines() == ["error: /no/such/profile.json: no such file"]


def test_unknown_language() -> None:
    out = run("evaluate", "-", "--lang", "fr", stdin="{}")
    assert out.returncode == 2
    assert len(out.stderr.splitlines()) == 1
    assert out.stderr.startswith("error: --lang: unknown language 'fr'")


@pytest.mark.parametrize("args", [(), ("bogus",), ("evaluate",)])
def test_usage_errors_are_one_line(args: tuple[str, ...]) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert len(out.stderr.splitlines()) == 1
    assert out.stderr.startswith("error: ")


def test_schemes_prints_the_catalogue() -> None:
    out = run("schemes")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [s["id"] for s in data["schemes"]] == [
        "GEP",
        "GEP_INVEST",
        "ASMTP",
        "QMAS",
        "TTPS",
        "IANG",
        "TECHTAS",
        "ASSG",
        "CIES",
        "WHS",
        "GEP_TPS",
        "ASMTP_TPS",
        "VPAS",
    ]
    assert data["checked"] == "2026-12-02"
    # Both new routes in all three languages, with their sources.
    by_id = {s["id"]: s for s in data["schemes"]}
    for sid in ("GEP_TPS", "ASMTP_TPS", "VPAS"):
        assert set(by_id[sid]["name"]) == {"en", "zh-hant", "zh-hans"}
        assert by_id[sid]["source"].startswith("https://")
    assert by_id["GEP_TPS"]["short_names"]["zh-hant"] == "GEP（技術專才）"
    assert by_id["ASMTP_TPS"]["short_names"]["zh-hans"] == "ASMTP（技术专才）"
    assert data["notices"][0]["text"]["en"].startswith("Talent measures announced in the autumn")
    assert data["exclusions"]["lists"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ('{"vtc_intake_year": "2024-25"}', "vtc_intake_year"),
        ('{"technical_trade": "chef"}', "technical_trade"),
        ('{"vpas_programme": "yes"}', "vpas_programme"),
    ],
)
def test_new_fields_are_validated_naming_the_field(payload: str, field: str) -> None:
    out = run("evaluate", "-", stdin=payload)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {field}: ")
