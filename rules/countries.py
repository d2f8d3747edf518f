"""ISO 3166-1 countries with names in our three languages, loaded once from data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from rules.i18n import LocalText

DATA = Path(__file__).parent / "data" / "countries.yaml"


class Country(BaseModel):
    code: str
    name: LocalText
    aliases: list[str] = []


@cache
def countries() -> dict[str, Country]:
    """Every known country by its alpha-2 code."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {row["code"]: Country.model_validate(row) for row in raw["countries"]}


def is_country_code(code: str) -> bool:
    return code in countries()
