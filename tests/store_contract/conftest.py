"""The store under test, on each backend: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from bot.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/db/bot.sqlite3"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def store(store_url):
    s = open_store(store_url)
    await s.open()
    yield s
    await s.close()
