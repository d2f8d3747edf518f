"""Opt-in pytest plugin: the end-to-end suites with PostgreSQL instead of SQLite.

    .venv/bin/python -m pytest -p tests.instances.pg_everywhere tests/bot_e2e tests/broadcast

Every bot the `bot` fixture or the broadcast helpers start gets a fresh PostgreSQL schema
(fixture `pg_url`) in place of its SQLite file, so the whole conversation and broadcast
behaviour is checked against the PostgreSQL store too (not part of the default run: it doubles
those suites' time; the contract suite in tests/store_contract covers the store itself).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _postgres_instead_of_sqlite(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    url = request.getfixturevalue("pg_url")
    import tests.bot_e2e.conftest as e2e

    original = e2e.bot_settings

    def on_postgres(emu, db_path, **overrides):
        return original(emu, db_path, **overrides).model_copy(update={"database_url": url})

    monkeypatch.setattr(e2e, "bot_settings", on_postgres)
    try:
        import tests.broadcast.conftest as broadcast
    except ImportError:
        return
    monkeypatch.setattr(broadcast, "bot_settings", on_postgres)
