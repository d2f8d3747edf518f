"""The domain: profiles, the scheme catalogue and the evaluator. Pure Python, no I/O at evaluation.

Public API (what `dialogs/` and `bot/` may import):
- `Profile`, `PROFILE_FIELDS`: the person, as the contract's profile JSON.
- `evaluate_profile(profile, lang="en") -> Evaluation`: every scheme and category, matches first.
- `fields_that_matter(profile) -> frozenset[str]`: profile fields whose answer could still change
  some scheme's status; the questionnaire skips questions whose fields are not in it.
- `load_catalogue() -> Catalogue`: the validated catalogue (cached).
- `Evaluation`, `SchemeResult`, ...: result models in `rules.results`.
"""

from rules.catalogue_models import Catalogue, CatalogueError, load_catalogue
from rules.evaluator import evaluate_profile, fields_that_matter
from rules.i18n import LANGS, Lang
from rules.profile import PROFILE_FIELDS, Profile
from rules.results import (
    CatalogueInfo,
    CriterionResult,
    Evaluation,
    Missing,
    SchemeResult,
    Status,
)

__all__ = [
    "LANGS",
    "PROFILE_FIELDS",
    "Catalogue",
    "CatalogueError",
    "CatalogueInfo",
    "CriterionResult",
    "Evaluation",
    "Lang",
    "Missing",
    "Profile",
    "SchemeResult",
    "Status",
    "evaluate_profile",
    "fields_that_matter",
    "load_catalogue",
]
