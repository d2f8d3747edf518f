"""The small condition language that says when a question is relevant, written in the data.

A condition is a mapping. Each key is either a combinator or the id of an earlier question:

    {nationality: [CN]}                      answer is one of the listed values (null allowed)
    {hk_degree: true}                        answer equals the value
    {education: {in: [bachelor, master]}}    same as a list
    {work_years: {gte: 3}}                   comparisons: eq, ne, gt, gte, lt, lte (numbers)
    {all: [C, ...]} / {any: [C, ...]} / {not: C}
    {a: X, b: Y}                             several keys: all of them must hold

Conditions read *profile values* (a band answer reads as its lower edge) and an unanswered or
irrelevant question reads as null, so `{offer: true}` is false until the person says yes.
Comparisons with null are false. Conditions compile once to plain closures, so evaluating one in
the state machine costs a few dict look-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Values = Mapping[str, Any]
Predicate = Callable[[Values], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_SYMBOL = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "eq": "=", "ne": "≠"}


class ConditionError(ValueError):
    """A condition that does not follow the language; the message says where."""


@dataclass(frozen=True)
class Condition:
    """A compiled condition: `test(values)`, the question ids it reads, and readable text."""

    test: Predicate
    reads: frozenset[str]
    text: str

    def __call__(self, values: Values) -> bool:
        return self.test(values)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 10_000:
        return f"{value:_}".replace("_", ",")
    return str(value)


def _same(value: Any, expected: Any) -> bool:
    """Equality that keeps null, booleans and numbers apart (True is not 1)."""
    if expected is None or isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    return value == expected


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def _field_test(name: str, spec: Any) -> Condition:
    if isinstance(spec, list):
        spec = {"in": spec}
    if _is_scalar(spec):
        spec = {"eq": spec}
    if not isinstance(spec, dict) or not spec:
        raise ConditionError(f"the test for {name!r} must be a value, a list or a mapping")
    tests: list[Predicate] = []
    texts: list[str] = []
    for op, arg in spec.items():
        if op == "in":
            if not isinstance(arg, list) or not all(_is_scalar(v) for v in arg):
                raise ConditionError(f"{name}: 'in' needs a list of plain values")
            allowed = tuple(arg)
            tests.append(lambda v, allowed=allowed: any(_same(v, a) for a in allowed))
            texts.append(f"{name} in [{', '.join(_literal(v) for v in arg)}]")
        elif op in ("eq", "ne"):
            if not _is_scalar(arg):
                raise ConditionError(f"{name}: {op!r} needs a plain value")
            if op == "eq":
                tests.append(lambda v, arg=arg: _same(v, arg))
            else:
                tests.append(lambda v, arg=arg: not _same(v, arg))
            texts.append(f"{name} {_SYMBOL[op]} {_literal(arg)}")
        elif op in _COMPARE:
            if isinstance(arg, bool) or not isinstance(arg, int | float):
                raise ConditionError(f"{name}: {op!r} needs a number")
            cmp = _COMPARE[op]
            tests.append(
                lambda v, arg=arg, cmp=cmp: (
                    isinstance(v, int | float) and not isinstance(v, bool) and cmp(v, arg)
                )
            )
            texts.append(f"{name} {_SYMBOL[op]} {_literal(arg)}")
        else:
            raise ConditionError(f"{name}: unknown test {op!r} (use in, eq, ne, gt, gte, lt, lte)")

    test = _fast_field_test(name, spec) or _generic_field_test(name, tuple(tests))
    return Condition(test, frozenset({name}), " and ".join(texts))


def _generic_field_test(name: str, tests: tuple[Predicate, ...]) -> Predicate:
    if len(tests) == 1:
        only = tests[0]
        return lambda values: only(values.get(name))
    return lambda values: all(t(values.get(name)) for t in tests)


def _fast_field_test(name: str, spec: dict[str, Any]) -> Predicate | None:
    """Specialised closures for the common one-test cases: these run on every step."""
    if len(spec) != 1:
        return None
    ((op, arg),) = spec.items()
    if op == "in" and all(isinstance(a, str) or a is None for a in arg):
        strings = frozenset(a for a in arg if a is not None)
        with_none = None in arg

        def in_strings(values: Values) -> bool:
            v = values.get(name)
            return (with_none and v is None) or (type(v) is str and v in strings)

        return in_strings
    if op == "in" and all(a is None or isinstance(a, bool) for a in arg):
        t, f, n = True in arg, False in arg, None in arg

        def in_bools(values: Values) -> bool:
            v = values.get(name)
            return (v is True and t) or (v is False and f) or (v is None and n)

        return in_bools
    if op == "eq" and (arg is None or isinstance(arg, bool)):
        return lambda values: values.get(name) is arg
    if op in _COMPARE and not isinstance(arg, bool):
        cmp = _COMPARE[op]

        def compare(values: Values) -> bool:
            v = values.get(name)
            return type(v) in (int, float) and cmp(v, arg)

        return compare
    return None


def _all(tests: tuple[Predicate, ...]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda v: a(v) and b(v)
    if len(tests) == 3:
        a, b, c = tests
        return lambda v: a(v) and b(v) and c(v)
    return lambda v: all(t(v) for t in tests)


def _any(tests: tuple[Predicate, ...]) -> Predicate:
    if len(tests) == 2:
        a, b = tests
        return lambda v: a(v) or b(v)
    return lambda v: any(t(v) for t in tests)


def compile_condition(spec: Any) -> Condition:
    """Compile a condition written in the data; raise `ConditionError` naming the bad part."""
    if not isinstance(spec, dict) or not spec:
        raise ConditionError("a condition must be a non-empty mapping")
    parts: list[Condition] = []
    for key, arg in spec.items():
        if key in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                raise ConditionError(f"{key!r} needs a non-empty list of conditions")
            subs = [compile_condition(a) for a in arg]
            tests = tuple(s.test for s in subs)
            reads = frozenset().union(*(s.reads for s in subs))
            if key == "all":
                parts.append(
                    Condition(
                        _all(tests),
                        reads,
                        " and ".join(f"({s.text})" if len(subs) > 1 else s.text for s in subs),
                    )
                )
            else:
                parts.append(
                    Condition(
                        _any(tests),
                        reads,
                        " or ".join(f"({s.text})" for s in subs),
                    )
                )
        elif key == "not":
            sub = compile_condition(arg)
            parts.append(Condition(lambda v, t=sub.test: not t(v), sub.reads, f"not ({sub.text})"))
        else:
            if not isinstance(key, str):
                raise ConditionError(f"condition key {key!r} must be a question id")
            parts.append(_field_test(key, arg))
    if len(parts) == 1:
        return parts[0]
    tests = tuple(p.test for p in parts)
    return Condition(
        _all(tests),
        frozenset().union(*(p.reads for p in parts)),
        " and ".join(p.text for p in parts),
    )
