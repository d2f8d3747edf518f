"""Helpers for the re-evaluation tests: a changed catalogue, people who kept their answers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.store.followups import CATALOGUE_RUN, NOTHING
from rules import Profile, evaluate_profile, load_catalogue
from rules.catalogue_models import CATALOGUE_DIR, load_catalogue_from, use_catalogue_dir
from rules.diff import snapshot

NEW_VERSION = "2027.01.01-test"
NOTICE = {"en": "Your result has changed", "zh-hant": "你的結果有變", "zh-hans": "你的结果有变"}


@pytest.fixture(autouse=True)
def shipped_catalogue_after() -> Iterator[None]:
    """A bot run on another catalogue chooses it for the whole process: back to the shipped one."""
    yield
    use_catalogue_dir(None)


def changed_catalogue(tmp_path: Path) -> Path:
    """The shipped catalogue with a new version whose TTPS A income threshold is HK$3,000,000
    instead of HK$2,500,000 (a rule change that alters some results and not others)."""
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    main = target / "catalogue.yaml"
    text = main.read_text(encoding="utf-8")
    old_version = f'version: "{load_catalogue_from(CATALOGUE_DIR).version}"'
    assert old_version in text
    main.write_text(text.replace(old_version, f'version: "{NEW_VERSION}"'), encoding="utf-8")
    ttps = target / "ttps.yaml"
    text = ttps.read_text(encoding="utf-8")
    assert "value: 2500000" in text
    ttps.write_text(text.replace("value: 2500000", "value: 3000000", 1), encoding="utf-8")
    return target


def high_earner(income: float, **more: object) -> Profile:
    return Profile(as_of=date(2026, 12, 2), age=35, nationality="US", criminal_record=False,
                   annual_income_hkd=income, **more)  # fmt: skip


async def keep_answers(store, user_id: int, profile: Profile, lang: str = "en") -> None:
    """What the result's "Keep my answers" button stores: the profile JSON with the day it was
    given, and the snapshot of the result shown (evaluated with the catalogue in use)."""
    state = snapshot(evaluate_profile(profile, lang))
    async with store.transaction() as tx:
        await tx.save_followup(user_id, lang, profile.model_dump_json(exclude_none=True),
                               profile.as_of.isoformat(), json.dumps(state))  # fmt: skip


async def catalogue_already_seen(store) -> None:
    """As after the bot has run on the shipped catalogue before: no preview for it."""
    async with store.transaction() as tx:
        await tx.create_followup_run(CATALOGUE_RUN, load_catalogue().version, NOTHING, "{}")


def notices(emu, user, lang: str = "en") -> list[str]:
    return [m.text for m in emu.sent(user) if NOTICE[lang] in (m.text or "")]
