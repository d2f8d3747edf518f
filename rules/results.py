"""The evaluator's output: the contract's result JSON as pydantic models.

Texts here are already rendered in one language; the catalogue keeps all three. Fields beyond the
contract (names, next steps, caveats, deadlines) are additions the contract allows.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

Status = Literal["match", "possible", "near_miss", "no_match"]
STATUS_ORDER: dict[str, int] = {"match": 0, "possible": 1, "near_miss": 2, "no_match": 3}


class CriterionResult(BaseModel):
    id: str
    met: bool | None
    text: str
    unconfirmed: bool = False  # the fact behind it is marked [R] in the policy notes


class Missing(BaseModel):
    criterion: str
    text: str


class SchemeResult(BaseModel):
    scheme: str
    category: str | None
    status: Status
    criteria: list[CriterionResult]
    missing: list[Missing]
    source: str
    checked: date
    # Additions to the contract, for people rather than tools.
    short_name: str
    name: str
    summary: str
    caveats: list[str] = []
    next_steps: list[str] = []
    apply_by: date | None = None


class CatalogueInfo(BaseModel):
    version: str
    checked: date


class Evaluation(BaseModel):
    as_of: date
    catalogue: CatalogueInfo
    results: list[SchemeResult]
    alternatives: list[str] = []  # what else exists when nothing matches
    disclaimer: str = ""

    def with_status(self, *statuses: Status) -> list[SchemeResult]:
        return [r for r in self.results if r.status in statuses]
