"""Which unanswered profile fields could still make some scheme a match.

`rules.fields_that_matter` keeps every field that could change any scheme's status, so a scheme
that already failed a criterion (a near miss) keeps asking for its other unknowns. A person
wants to know which schemes fit: a field is worth a question only while some scheme has failed
nothing and reads it through a criterion that is still unknown. Answering more never turns a
failed criterion into a met one, so no scheme that would match is lost by not asking the rest
(tests/dialogs/test_personas.py walks every persona case to check exactly that).
"""

from __future__ import annotations

from typing import Any

from rules.evaluator import resolve
from rules.profile import Profile

_CACHE: dict[tuple[int, tuple[Any, ...]], tuple[str, ...]] = {}
_CACHE_LIMIT = 50_000


def fields_that_could_match(profile: Profile) -> frozenset[str]:
    """Unanswered fields read by an unknown criterion of a scheme with no failed criterion."""
    wanted: set[str] = set()
    for result in resolve(profile.as_of):
        outcomes = tuple([fn(profile, args) for fn, args in result.calls])
        key = (id(result), outcomes)
        names = _CACHE.get(key)
        if names is None:
            names = _candidates(result, outcomes)
            if len(_CACHE) < _CACHE_LIMIT:
                _CACHE[key] = names
        wanted.update(names)
    return frozenset([name for name in wanted if getattr(profile, name) is None])


def _candidates(result: Any, outcomes: tuple[Any, ...]) -> tuple[str, ...]:
    if any(met is False for met, _key in outcomes):
        return ()
    names: dict[str, None] = {}
    for crit, (met, key) in zip(result.criteria, outcomes, strict=True):
        if met is None:
            names.update(dict.fromkeys(crit.fields_for(key)))
    return tuple(names)
