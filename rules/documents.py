"""What to prepare: the forms and documents the official pages list for applying to a scheme.

Data, like every other fact, from the scheme files' `documents:` block (sourced and dated per
item). Where our sources do not list a scheme's documents the answer says so and names the
official page to check, rather than guessing a form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rules.catalogue_models import Confidence, load_catalogue
from rules.i18n import Lang
from rules.profile import today_in_hong_kong


@dataclass(frozen=True, slots=True)
class DocumentItem:
    text: str
    source: str
    confidence: Confidence
    checked: date


@dataclass(frozen=True, slots=True)
class SchemeDocuments:
    scheme: str
    items: tuple[DocumentItem, ...]  # empty: the sources we hold do not list them
    page: str  # the official page where the list lives, or to check
    checked: date | None  # when we last looked; None when never recorded

    @property
    def listed(self) -> bool:
        return bool(self.items)


@lru_cache(maxsize=512)
def documents_for(scheme_id: str, as_of: date | None = None, lang: Lang = "en") -> SchemeDocuments:
    """The documents to prepare for `scheme_id` on `as_of`, texts in `lang`.

    Raises KeyError for a scheme id the catalogue does not have.
    """
    on = as_of or today_in_hong_kong()
    spec = load_catalogue().scheme(scheme_id.upper())
    docs = spec.documents
    if docs is None:
        return SchemeDocuments(spec.id, (), spec.source, None)
    items = tuple(
        DocumentItem(fact.text[lang], fact.source, fact.confidence, fact.checked)
        for fact in docs.items
        if fact.in_force(on)
    )
    return SchemeDocuments(spec.id, items, docs.page, docs.checked)
