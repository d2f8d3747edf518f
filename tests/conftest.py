import os as _os
import uuid as _uuid

import pytest as _pytest

# Shared pytest configuration. Fixtures of the Bot API emulator (tests/telegram_emulator):
# `bot_api` (HTTP on 127.0.0.1) and `bot_api_core` (in-process, no sockets).
# `bot_api_thread` (an EmulatorThread: serves while the test blocks, e.g. on subprocess.run).
from tests.telegram_emulator.fixtures import bot_api, bot_api_core, bot_api_thread  # noqa: F401

# --- PostgreSQL (issue 7). `pg_url`: a libpq URL whose search_path is a fresh schema, dropped
# afterwards, so parallel runs and tests never see each other's rows. The server comes from
# TEST_DATABASE_URL; without one answering, the tests skip with the reason, or fail when
# REQUIRE_POSTGRES=1 (CI).

TEST_DATABASE_URL = _os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def pg_url_with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@_pytest.fixture(scope="session")
def pg_server() -> str:
    """TEST_DATABASE_URL if a PostgreSQL server answers there."""
    try:
        import psycopg

        with psycopg.connect(TEST_DATABASE_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means "no server"
        reason = f"PostgreSQL not reachable at TEST_DATABASE_URL={TEST_DATABASE_URL}: {exc}"
        if _os.environ.get("REQUIRE_POSTGRES") == "1":
            _pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        _pytest.skip(reason)
    return TEST_DATABASE_URL


@_pytest.fixture
def pg_url(pg_server: str):
    """A DATABASE_URL for PostgreSQL in a fresh, empty schema (dropped after the test)."""
    import psycopg

    schema = f"t_{_uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_url_with_schema(pg_server, schema)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
