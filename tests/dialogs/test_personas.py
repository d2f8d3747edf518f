"""Every persona case walked through the questionnaire (answers from its profile, "Not sure"
where it has none): the skip never loses a scheme that would match, nor adds one."""

from __future__ import annotations

import pytest

from dialogs import QuestionFlow

from .personas import NOT_SURE_NAME, Persona, load_personas, walk_persona

PERSONAS = load_personas()


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_walked_result_names_exactly_the_schemes_that_fit(persona: Persona) -> None:
    walk = walk_persona(persona)
    assert walk.matches == walk.expected_matches, walk.path


@pytest.mark.parametrize("persona", PERSONAS[::5], ids=[p.name for p in PERSONAS[::5]])
def test_without_the_skip_the_result_is_the_same(persona: Persona) -> None:
    plain = walk_persona(persona, flow=QuestionFlow.default(skip_by_rules=False))
    ruled = walk_persona(persona)
    assert plain.matches == ruled.matches
    assert ruled.screens <= plain.screens


def test_checklists_and_the_goal_count_as_one_screen_each() -> None:
    persona = next(p for p in PERSONAS if p.name == NOT_SURE_NAME)
    walk = walk_persona(persona)
    assert walk.path[0] == "goal" and "facts" in walk.path
    assert len(walk.path) == len(set(walk.path)) == walk.screens


def test_no_qmas_points_items_once_qmas_cannot_fit() -> None:
    persona = next(p for p in PERSONAS if p.name == "qmas_too_young")
    walk = walk_persona(persona)
    assert not {"intl_years", "renowned_years", "tft_years", "other_langs"} & set(walk.path)


def test_no_investment_question_when_assets_are_far_below() -> None:
    persona = next(p for p in PERSONAS if p.name == "us_engineer_with_offer")
    walk = walk_persona(persona)
    assert "invest" not in walk.path
