"""What only the SQLite store promises: refusing a newer schema, surviving kill -9, a clear
error for an unknown DATABASE_URL. Everything both stores promise is in tests/store_contract/."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bot.store import open_store


async def test_newer_schema_than_code_is_refused(tmp_path):
    path = tmp_path / "bot.sqlite3"
    s = open_store(f"sqlite:///{path}")
    await s.open()
    await s.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 999")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        await open_store(f"sqlite:///{path}").open()


def test_committed_write_survives_kill_9(tmp_path):
    """A process killed right after its commit loses nothing (WAL, synchronous=NORMAL)."""
    path = tmp_path / "bot.sqlite3"
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from bot.store import open_store, SessionKey
        async def main():
            s = open_store("sqlite:///{path}")
            await s.open()
            async with s.transaction() as tx:
                await tx.save_session(SessionKey(1, 1), "acknowledged")
            os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(main())
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == -9
    db = sqlite3.connect(path)
    assert db.execute("SELECT data FROM sessions").fetchall() == [("acknowledged",)]


def test_unknown_database_url_is_a_clear_error():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        open_store("mysql://x")
