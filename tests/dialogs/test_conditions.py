"""The condition language used in `when` and `infer`."""

from __future__ import annotations

import pytest

from dialogs.conditions import ConditionError, compile_condition


@pytest.mark.parametrize(
    ("spec", "values", "expected"),
    [
        ({"nationality": ["CN"]}, {"nationality": "CN"}, True),
        ({"nationality": ["CN"]}, {"nationality": "VN"}, False),
        ({"nationality": ["CN"]}, {}, False),
        ({"mainland": [False, None]}, {}, True),
        ({"mainland": [False, None]}, {"mainland": True}, False),
        ({"hk_degree": True}, {"hk_degree": 1}, False),
        ({"hk_degree": True}, {"hk_degree": True}, True),
        ({"education": {"in": ["bachelor", "master"]}}, {"education": "master"}, True),
        ({"work_years": {"gte": 3}}, {"work_years": 3}, True),
        ({"work_years": {"gte": 3}}, {"work_years": 2.9}, False),
        ({"work_years": {"gte": 3}}, {"work_years": None}, False),
        ({"work_years": {"lt": 3}}, {"work_years": True}, False),
        ({"any": [{"a": True}, {"b": True}]}, {"b": True}, True),
        ({"all": [{"a": True}, {"b": True}]}, {"b": True}, False),
        ({"not": {"a": True}}, {}, True),
        ({"a": True, "b": [1, 2]}, {"a": True, "b": 2}, True),
        ({"a": {"ne": "x"}}, {"a": "y"}, True),
        ({"a": {"gt": 1, "lte": 5}}, {"a": 5}, True),
    ],
)
def test_condition(spec: dict, values: dict, expected: bool) -> None:
    assert compile_condition(spec)(values) is expected


def test_reads_and_text() -> None:
    cond = compile_condition({"all": [{"nationality": ["CN"]}, {"not": {"mainland": True}}]})
    assert cond.reads == {"nationality", "mainland"}
    assert "nationality in [CN]" in cond.text and "not (mainland = true)" in cond.text


@pytest.mark.parametrize(
    "spec",
    [{}, [], {"all": []}, {"a": {"gte": "x"}}, {"a": {"in": [[1]]}}, {"a": {"wat": 1}}, {"a": {}}],
)
def test_bad_conditions(spec: object) -> None:
    with pytest.raises(ConditionError):
        compile_condition(spec)
