"""Scheme cards follow the rules in force on the day asked about."""

from __future__ import annotations

from datetime import date

import pytest

from rules.cards import scheme_card, scheme_cards
from rules.i18n import LANGS


def test_one_card_per_scheme_in_every_language():
    ids = [c.scheme for c in scheme_cards("en")]
    assert ids == [
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
    for lang in LANGS:
        for card in scheme_cards(lang):
            assert card.name and card.summary and card.requirements
            assert card.source.startswith("http")
            assert "{" not in " ".join(card.requirements)  # every placeholder filled


def test_exclusions_on_the_card_follow_the_date():
    before = scheme_card("GEP", "en", date(2023, 6, 1)).requirements[0]
    after = scheme_card("GEP", "en", date(2024, 1, 1)).requirements[0]
    assert "Vietnam" in before and "Laos" in before and "Nepal" in before
    assert "Vietnam" not in after and "Afghanistan" in after


def test_categories_carry_their_own_thresholds():
    ttps = scheme_card("TTPS", "en", date(2026, 11, 25))
    by_id = {c.id: c for c in ttps.categories}
    assert set(by_id) == {"A", "B", "C"}
    assert any("2,500,000" in r for r in by_id["A"].requirements)
    assert not any("2,500,000" in r for r in ttps.requirements)


def test_unknown_scheme():
    with pytest.raises(KeyError):
        scheme_card("NOPE", "en")
