"""The SQLite store: migrations, one transaction per update, durability, forgetting a user."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bot.store import SessionKey, open_store
from bot.store.sqlite import MIGRATIONS


@pytest.fixture
async def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/db/bot.sqlite3")
    await s.open()
    yield s
    await s.close()


async def test_fresh_database_is_migrated_to_latest(store):
    assert await store.schema_version() == len(MIGRATIONS)


async def test_reopening_keeps_data_and_version(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    s = open_store(url)
    await s.open()
    async with s.transaction() as tx:
        tx.save_session(SessionKey(1, 2), '{"a": 1}')
    await s.close()
    s2 = open_store(url)
    await s2.open()
    async with s2.transaction() as tx:
        loaded = tx.load_session(SessionKey(1, 2))
    assert loaded is not None and loaded.data == '{"a": 1}'
    assert await s2.schema_version() == len(MIGRATIONS)
    await s2.close()


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


async def test_failed_update_rolls_back_everything(store):
    key = SessionKey(5, 5)
    async with store.transaction() as tx:
        tx.save_session(key, "v1")
    with pytest.raises(ZeroDivisionError):
        async with store.transaction() as tx:
            tx.save_session(key, "v2")
            tx.save_user_lang(5, "zh-hant")
            1 / 0  # noqa: B018
    async with store.transaction() as tx:
        assert tx.load_session(key).data == "v1"
        assert tx.load_user(5) is None


async def test_sessions_are_per_chat_and_topic(store):
    async with store.transaction() as tx:
        tx.save_session(SessionKey(1, 7), "private")
        tx.save_session(SessionKey(-100, 7), "group")
        tx.save_session(SessionKey(-100, 7, 3), "topic")
    async with store.transaction() as tx:
        assert tx.load_session(SessionKey(1, 7)).data == "private"
        assert tx.load_session(SessionKey(-100, 7)).data == "group"
        assert tx.load_session(SessionKey(-100, 7, 3)).data == "topic"
        assert tx.load_session(SessionKey(-100, 8)) is None


async def test_forget_user_leaves_no_row(store):
    async with store.transaction() as tx:
        tx.save_session(SessionKey(1, 9), "x")
        tx.save_session(SessionKey(-5, 9), "y")
        tx.save_user_lang(9, "en")
        tx.save_last_result(9, "{}")
        tx.save_session(SessionKey(1, 10), "someone else")
    assert await store.count_rows_about(9) == 3
    await store.forget_user(9)
    assert await store.count_rows_about(9) == 0
    assert await store.count_rows_about(10) == 1


async def test_purge_deletes_only_old_unfinished_sessions(store):
    async with store.transaction() as tx:
        tx.save_session(SessionKey(1, 1), "unfinished")
        tx.save_session(SessionKey(2, 2), "finished", finished=True)
    assert await store.purge_sessions(older_than_seconds=3600) == 0
    assert await store.purge_sessions(older_than_seconds=-1) == 1
    async with store.transaction() as tx:
        assert tx.load_session(SessionKey(1, 1)) is None
        assert tx.load_session(SessionKey(2, 2)) is not None


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
                tx.save_session(SessionKey(1, 1), "acknowledged")
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


async def test_chats_and_group_migration(store):
    from bot.store import StoredChat

    async with store.transaction() as tx:
        tx.save_chat(StoredChat(-1, "group", "Career office", "zh-hant", settings='{"q": 1}'))
        tx.save_session(SessionKey(-1, 7), "answers of 7")
        tx.save_session(SessionKey(-1, 8, 0), "answers of 8")
        tx.save_chat(StoredChat(-5, "channel", "News", registered=True, bot_admin=True))
    async with store.transaction() as tx:
        tx.move_chat(-1, -1001)
    async with store.transaction() as tx:
        new = tx.load_chat(-1001)
        old = tx.load_chat(-1)
        assert (new.type, new.title, new.lang, new.settings) == (
            "supergroup",
            "Career office",
            "zh-hant",
            '{"q": 1}',
        )
        assert old.active is False and old.migrated_to == -1001
        assert tx.load_session(SessionKey(-1001, 7)).data == "answers of 7"
        assert tx.load_session(SessionKey(-1, 7)) is None
        assert [c.chat_id for c in tx.chats(types=("channel",))] == [-5]
        assert [c.chat_id for c in tx.chats(types=("group", "supergroup"))] == [-1001]
