"""The country picker and the TTPS university look-up."""

from __future__ import annotations

import pytest

from dialogs.countries import find_countries
from dialogs.universities import find_universities


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CN", "CN"), ("cn", "CN"), ("China", "CN"), ("中國", "CN"), ("中国内地", "CN"),
        ("Vietnam", "VN"), ("Viet Nam", "VN"), ("VNM", "VN"), ("越南", "VN"), ("Vietnma", "VN"),
        ("United States", "US"), ("USA", "US"), ("美國", "US"), ("american", "US"),
        ("UK", "GB"), ("英国", "GB"), ("Philipines", "PH"), ("Neatherlands", "NL"),
        ("North Korea", "KP"), ("朝鮮", "KP"), ("Macau", "MO"), ("台灣", "TW"),
        ("Untied States", "US"), ("Indoensia", "ID"),
    ],
)  # fmt: skip
def test_one_country(text: str, code: str) -> None:
    assert find_countries(text) == [code]


def test_several_countries_are_offered() -> None:
    found = find_countries("austr")
    assert {"AT", "AU"} <= set(found)


@pytest.mark.parametrize("text", ["xyz123", "", "zz", "Atlantis Republic"])
def test_no_country(text: str) -> None:
    assert find_countries(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("HKU", "The University of Hong Kong"),
        ("univ of toronto", "University of Toronto"),
        ("Massachusets Institute of Technology", "Massachusetts Institute of Technology"),
        ("MIT", "Massachusetts Institute of Technology"),
        ("UCL", "University College London"),
        ("NUS", "National University of Singapore"),
        ("香港大學", "The University of Hong Kong"),
        ("香港大学", "The University of Hong Kong"),
        ("清華大學", "Tsinghua University"),
        ("北京航空航天大學", "Beihang University"),
        ("麻省理工", "Massachusetts Institute of Technology"),
        ("university of sao paulo", "University of São Paulo"),
        ("Universite de Montreal", "University of Montreal"),
        ("ETH Zürich", "ETH Zurich - Swiss Federal Institute of Technology"),
        ("harvard", "Harvard University"),
        ("Standford University", "Stanford University"),
        ("London School of Economics", "London School of Economics and Political Science"),
        ("Univ. of Michigan", "University of Michigan-Ann Arbor"),
        ("KAIST", "Korea Advanced Institute of Science and Technology (KAIST)"),
    ],
)
def test_university_found(text: str, name: str) -> None:
    assert [u.name_en for u in find_universities(text)] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Lingnan University", "University of Nowhere", "Hong Kong Baptist University",
        "Oxford Brookes University", "University of Bath", "University of York", "",
    ],
)  # fmt: skip
def test_university_not_listed(text: str) -> None:
    assert find_universities(text) == []


def test_ambiguous_university_offers_several() -> None:
    names = {u.name_en for u in find_universities("NTU")}
    assert names == {
        "Nanyang Technological University, Singapore",
        "National Taiwan University (NTU)",
    }
