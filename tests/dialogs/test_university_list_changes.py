"""The TTPS list is dated: removed universities keep their removal date, the list may have
changed after its yearly refresh day, and names typed in their own language are found."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.universities import (
    EDITION,
    find_removed,
    find_universities,
    list_may_have_changed,
    lookup_note,
    lookup_university,
    next_refresh,
    universities,
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Universität Wien", "University of Vienna"),
        ("Universitat Wien", "University of Vienna"),
        ("Uni Wien", "University of Vienna"),
        ("Technische Universität München", "Technical University of Munich"),
        ("Universiteit van Amsterdam", "University of Amsterdam"),
        ("Københavns Universitet", "University of Copenhagen"),
        ("Universidade de São Paulo", "University of São Paulo"),
        ("Karlsruher Institut für Technologie", "Karlsruhe Institute of Technology (KIT)"),
        ("PoliMi", "Politecnico di Milano"),
        ("UZH", "University of Zurich"),
        ("東京大学", "The University of Tokyo"),
        ("서울대학교", "Seoul National University"),
        ("Ecole Polytechnique Federale de Lausanne", "École Polytechnique Fédérale de Lausanne"),
        ("EPFL", "École Polytechnique Fédérale de Lausanne"),
    ],
)
def test_own_language_names_and_short_forms(text: str, name: str) -> None:
    assert [u.name_en for u in find_universities(text)] == [name]


@pytest.mark.parametrize(
    ("text", "removed", "on"),
    [
        ("Ecole Polytechnique", "Ecole Polytechnique", date(2026, 1, 1)),
        ("École polytechnique", "Ecole Polytechnique", date(2026, 1, 1)),
        ("Ecole Polytechniqe", "Ecole Polytechnique", date(2026, 1, 1)),
        ("Université Grenoble Alpes", "Université Grenoble Alpes", date(2026, 1, 1)),
        ("Universität Freiburg", "University of Freiburg", date(2026, 1, 1)),
        ("Radboud University", "Radboud University", date(2025, 1, 1)),
        ("TU Eindhoven", "Eindhoven University of Technology", date(2024, 1, 1)),
    ],
)
def test_removed_universities_keep_their_date_and_match_nothing_listed(
    text: str, removed: str, on: date
) -> None:
    assert find_universities(text) == []  # "Ecole Polytechnique" is not EPFL
    found = lookup_university(text, on=date(2026, 12, 1))
    assert found.found == () and found.removed is not None
    assert found.removed.name == removed and found.removed.removed_on == on
    assert found.removed.name not in universities()


def test_a_different_university_is_not_a_typo_of_a_removed_one() -> None:
    assert find_removed("University of Fribourg") is None
    assert find_removed("Institut Polytechnique de Paris") is None
    assert [u.name_en for u in find_universities("Institut Polytechnique de Paris")] == [
        "Institut Polytechnique de Paris"
    ]


def test_the_list_may_have_changed_from_the_next_refresh() -> None:
    assert date(2026, 1, 1) == EDITION and next_refresh() == date(2027, 1, 1)
    assert not list_may_have_changed(date(2026, 12, 31))
    assert list_may_have_changed(date(2027, 1, 1))
    assert not lookup_university("HKU", on=date(2026, 12, 31)).may_have_changed
    assert lookup_university("HKU", on=date(2027, 1, 1)).may_have_changed


def test_notes_in_three_languages_assert_nothing_about_a_removal() -> None:
    before = lookup_university("Ecole Polytechnique", on=date(2026, 12, 31))
    after = lookup_university("Ecole Polytechnique", on=date(2027, 1, 1))
    en = lookup_note(before, "en")
    assert "removed on 1 January 2026" in en and "do not say what a removal means" in en
    assert "may have changed" not in en
    assert "may have changed" in lookup_note(after, "en")
    hant, hans = lookup_note(after, "zh-hant"), lookup_note(after, "zh-hans")
    assert "2026年1月1日被剔除" in hant and "或已有改動" in hant and "資料來源沒有說明" in hant
    assert "2026年1月1日被剔除" in hans and "或已有改动" in hans and "资料来源没有说明" in hans
    assert lookup_note(lookup_university("HKU", on=date(2026, 6, 1)), "en") == ""
