"""The questionnaire data, the export contract, the diagram and the bundled university list."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs import DataError, QuestionFlow
from dialogs.diagram import mermaid
from dialogs.questions import QUESTIONS_FILE, load_questions
from dialogs.universities import DATA as UNIVERSITY_CSV
from dialogs.universities import normalise_name, universities
from rules.countries import countries
from rules.i18n import LANGS
from rules.profile import PROFILE_FIELDS

ROOT = Path(__file__).resolve().parents[2]
SHARED_CSV = ROOT.parent / "shared" / "policy" / "ttps_universities.csv"


def test_every_rules_field_is_asked(flow: QuestionFlow) -> None:
    asked = {f for q in flow.questions for f in q.fields}
    assert asked == set(PROFILE_FIELDS)


def test_export_shape(flow: QuestionFlow) -> None:
    data = flow.export()
    assert list(data) == ["questions"]
    json.dumps(data)  # serialisable
    ids = [q["id"] for q in data["questions"]]
    assert len(ids) == len(set(ids))
    for q in data["questions"]:
        assert q["kind"] in ("choice", "bool", "number", "date", "text", "multi")
        assert set(q["prompt"]) == set(LANGS) and all(q["prompt"].values())
        if q["kind"] == "multi":
            # The contract's checklist: no field of its own, each line names field and value.
            assert "field" not in q and {"id", "prompt", "options", "done"} <= q.keys()
            assert set(q["done"]["label"]) == set(LANGS)
            for opt in q["options"]:
                assert set(opt) == {"field", "value", "label"}
                assert opt["field"] in PROFILE_FIELDS and isinstance(opt["value"], bool)
                assert set(opt["label"]) == set(LANGS) and all(opt["label"].values())
            continue
        assert {"id", "field", "kind", "prompt", "options"} <= q.keys()
        for opt in q["options"]:
            assert set(opt) == {"value", "label"}
            assert set(opt["label"]) == set(LANGS) and all(opt["label"].values())
        values = [o["value"] for o in q["options"]]
        if q["kind"] == "bool":
            assert True in values and False in values
            assert set(map(repr, values)) <= {"True", "False", "None"}
        if q["kind"] in ("number", "date", "text"):
            assert values in ([], [None]), q["id"]


def test_choice_and_bool_list_every_option(flow: QuestionFlow) -> None:
    exported = {q["id"]: q for q in flow.export()["questions"]}
    for q in flow.questions:
        if q.kind in ("choice", "bool") and q.picker is None:
            values = [o["value"] for o in exported[q.id]["options"]]
            expected = [o.value for o in q.options] or [True, False]
            assert all(v in values for v in expected)
            assert (None in values) == bool(q.dont_know or None in expected)


def test_nationality_lists_every_country(flow: QuestionFlow) -> None:
    q = next(q for q in flow.export()["questions"] if q["field"] == "nationality")
    assert q["kind"] == "choice"
    assert [o["value"] for o in q["options"]] == list(countries())
    assert len(q["options"]) == 249


def test_dont_know_is_null_where_offered(flow: QuestionFlow) -> None:
    for q in flow.export()["questions"]:
        nulls = [o for o in q["options"] if o["value"] is None]
        assert len(nulls) <= 1


def test_export_command_prints_the_export(flow: QuestionFlow) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dialogs", "export"],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert json.loads(out) == json.loads(json.dumps(flow.export()))


def test_diagram_is_current(flow: QuestionFlow) -> None:
    committed = (ROOT / "docs" / "flow.mmd").read_text(encoding="utf-8")
    assert mermaid(flow) == committed, "run: python -m dialogs diagram > docs/flow.mmd"


def test_diagram_shows_conditions_and_every_state(flow: QuestionFlow) -> None:
    text = mermaid(flow)
    assert "nationality --> cn_facts : 1. nationality in [CN]" in text
    for state in flow.states:
        assert f" as {state}" in text


def test_university_list_copy_matches_policy() -> None:
    """The copy equals the policy file except that its Chinese names are all written in
    Traditional characters (the policy file gives some in Simplified: 国立台湾大学), so the same
    name in the other script still counts as equal."""
    if not SHARED_CSV.exists():
        pytest.skip("the shared policy folder is not here")

    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    ours, policy = rows(UNIVERSITY_CSV), rows(SHARED_CSV)
    assert len(ours) == len(policy)
    for mine, theirs in zip(ours, policy, strict=True):
        assert {k: v for k, v in mine.items() if k != "name_zh"} == {
            k: v for k, v in theirs.items() if k != "name_zh"
        }
        assert normalise_name(mine["name_zh"]) == normalise_name(theirs["name_zh"])


def test_university_list_has_200_entries() -> None:
    assert len(universities()) == 200


# --- load errors name the file and the entry ---------------------------------------------


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = QUESTIONS_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "questions.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("field: mainland_resident", "field: mainland_residency", "question #3 (cn_facts)"),
        ("when: {nationality: [CN]}", "when: {age: {gte: 18}}", "not an earlier question"),
        ("when: {nationality: [CN]}", "when: {nationality: {within: [CN]}}", "unknown test"),
        ("    zh-hans: 你今年几岁？\n", "", "zh-hans"),
        ("id: age", "id: Age!", "question #5"),
        ("kind: date\n  when: {any", "kind: bool\n  when: {any", "does not fit"),
    ],
)
def test_bad_data_is_refused_with_file_and_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(DataError) as err:
        load_questions(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_the_bundled_data_loads() -> None:
    qset, conditions = load_questions()
    assert qset.questions[0].id == "goal" and qset.questions[1].id == "nationality"
    assert "cn_facts" in conditions and "months_abroad" in conditions
