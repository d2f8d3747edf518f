"""Pick the store named by DATABASE_URL."""

from __future__ import annotations

from bot.store.base import Store


def open_store(database_url: str) -> Store:
    """Return an unopened store for `sqlite:///PATH` (or `sqlite:///:memory:`) or
    `postgresql://USER@HOST:PORT/DB` (libpq URI; `postgres://` is accepted too)."""
    if database_url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return SqliteStore(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import PostgresStore

        return PostgresStore(database_url)
    raise ValueError(
        f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {database_url[:20]!r})"
    )
