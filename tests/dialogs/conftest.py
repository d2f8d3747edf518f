from __future__ import annotations

import pytest

from dialogs import QuestionFlow


@pytest.fixture(scope="session")
def flow() -> QuestionFlow:
    """The bundled questionnaire without the rules-based skip (paths depend on data only)."""
    return QuestionFlow.default(skip_by_rules=False)


@pytest.fixture(scope="session")
def flow_rules() -> QuestionFlow:
    return QuestionFlow.default(skip_by_rules=True)
