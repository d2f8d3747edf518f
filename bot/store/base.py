"""The store's interface, shared by the SQLite and PostgreSQL implementations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from bot.store.broadcasts import BroadcastTransaction
from bot.store.followups import FollowupTransaction
from bot.store.reminders import ReminderTransaction


@dataclass(frozen=True, slots=True)
class SessionKey:
    """A questionnaire belongs to one user in one chat (and one forum topic)."""

    chat_id: int
    user_id: int
    thread_id: int = 0


@dataclass(slots=True)
class StoredSession:
    key: SessionKey
    data: str  # the dialog session as JSON
    updated_at: float


@dataclass(slots=True)
class StoredUser:
    user_id: int
    lang: str | None
    last_result: str | None  # JSON: the last finished result's answers and statuses


@dataclass(slots=True)
class StoredChat:
    """A chat the bot has been in: type, title, language, whether the bot can still post there,
    group settings (JSON) and, for a group upgraded to a supergroup, where it went."""

    chat_id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    lang: str | None = None
    active: bool = True
    bot_admin: bool = False
    registered: bool = False  # a channel registered by a bot admin for /post
    settings: str = "{}"
    migrated_to: int | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """A named lease held by one process (e.g. the broadcast sender). `token` grows on every
    takeover: writes made under the lease check it (`Store.check_fence`), so a holder that lost
    the lease without noticing cannot write any more."""

    name: str
    holder: str
    token: int


class LeaseLost(Exception):
    """The lease was taken over (or expired) since it was acquired."""


class Transaction(BroadcastTransaction, FollowupTransaction, ReminderTransaction, ABC):
    """One update's reads and writes; committed together when the block exits cleanly.

    Every method is a coroutine (`await tx.load_session(key)`): on PostgreSQL each statement
    waits on the network without holding up the event loop. Admins, subscriptions and
    broadcasts: see `bot/store/broadcasts.py`; kept answers and re-evaluation runs:
    `bot/store/followups.py`; deadline reminders: `bot/store/reminders.py`."""

    @abstractmethod
    async def load_session(self, key: SessionKey) -> StoredSession | None: ...

    @abstractmethod
    async def save_session(
        self, key: SessionKey, data: str, *, finished: bool = False
    ) -> None: ...

    @abstractmethod
    async def delete_session(self, key: SessionKey) -> None: ...

    @abstractmethod
    async def load_user(self, user_id: int) -> StoredUser | None: ...

    @abstractmethod
    async def save_user_lang(self, user_id: int, lang: str) -> None: ...

    @abstractmethod
    async def save_last_result(self, user_id: int, result: str) -> None: ...

    @abstractmethod
    async def load_chat(self, chat_id: int) -> StoredChat | None: ...

    @abstractmethod
    async def save_chat(self, chat: StoredChat) -> None: ...

    @abstractmethod
    async def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its sessions and settings follow it to the new id."""

    @abstractmethod
    async def chats(self, *, types: tuple[str, ...], active: bool = True) -> list[StoredChat]: ...

    @abstractmethod
    async def save_handoff(self, user_id: int, chat_id: int, thread_id: int) -> None:
        """The user's group session moves to their private chat (one pending move per user)."""

    @abstractmethod
    async def pop_handoff(self, user_id: int) -> tuple[int, int] | None:
        """The group (chat id, thread id) the user's private session came from, forgotten."""

    # Typed answers (issue 12): which question a person's message answered, so an edit of that
    # message changes that answer and a message handled twice is not applied twice.
    async def save_answer_message(
        self, key: SessionKey, message_id: int, question_id: str
    ) -> None:
        raise NotImplementedError

    async def answer_message(self, key: SessionKey, message_id: int) -> str | None:
        """The question the message `message_id` of this session answered, if it did."""
        raise NotImplementedError

    # Resume codes (issue 14): one per user; only a hash of the code is kept.
    @abstractmethod
    async def save_resume_code(
        self, user_id: int, code_hash: str, answers: str, expires_on: str
    ) -> None:
        """Replace the user's code: its hash, the answers JSON it restores and its last valid
        day (`YYYY-MM-DD`)."""

    @abstractmethod
    async def load_resume_code(self, user_id: int) -> tuple[str, str, str] | None:
        """(code hash, answers JSON, last valid day) of the user's code, if they have one."""

    @abstractmethod
    async def delete_expired_resume_codes(self, today: str) -> int:
        """Delete codes whose last valid day is before `today`; returns how many."""

    @abstractmethod
    async def count_resume_attempts(self, user_id: int, since: float) -> int:
        """Wrong codes the user tried since that time (epoch seconds)."""

    @abstractmethod
    async def add_resume_attempt(self, user_id: int) -> None:
        """Record a wrong code tried now."""


class Store(ABC):
    """Opened once per process. `transaction()` is the only way to read or write state."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema to the current version."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """`async with store.transaction() as tx:` then `await tx.…` for each statement.

        Await nothing but the transaction's own methods inside the block (no Telegram request,
        no sleep): on SQLite it holds the one write lock, so every other update waits for it;
        on PostgreSQL it holds a pooled connection and the rows it wrote until it ends."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def forget_user(self, user_id: int) -> None:
        """Delete every row about the user (sessions in every chat, language, last result, their
        private chat's row)."""

    @abstractmethod
    async def purge_sessions(self, older_than_seconds: float) -> int:
        """Delete unfinished sessions not touched for that long; returns how many."""

    @abstractmethod
    async def count_rows_about(self, user_id: int) -> int:
        """How many rows in any table mention the user (for `/forget` and its tests)."""

    # --- leases: one broadcast sender at a time. This default is for a store only one process
    # uses (SQLite): the lease lives in memory. A shared store (PostgreSQL) overrides all four.
    shared = False  # True when several processes may use the same database

    async def acquire_lease(self, name: str, holder: str, ttl: float) -> Lease | None:
        """Take the lease if it is free or expired; None if another holder has it."""
        import time

        leases = self.__dict__.setdefault("_local_leases", {})
        now = time.monotonic()
        current = leases.get(name)
        if current is not None and current[1] >= now:
            return None
        token = (current[0].token if current else 0) + 1
        lease = Lease(name, holder, token)
        leases[name] = (lease, now + ttl)
        return lease

    async def renew_lease(self, lease: Lease, ttl: float) -> bool:
        """Extend the lease; False if it expired or was taken over (then it is lost)."""
        import time

        leases = self.__dict__.setdefault("_local_leases", {})
        current = leases.get(lease.name)
        now = time.monotonic()
        if current is None or current[0] != lease or current[1] < now:
            return False
        leases[lease.name] = (lease, now + ttl)
        return True

    async def release_lease(self, lease: Lease) -> None:
        leases = self.__dict__.setdefault("_local_leases", {})
        current = leases.get(lease.name)
        if current is not None and current[0] == lease:
            leases[lease.name] = (lease, float("-inf"))

    async def check_fence(self, tx: Transaction, name: str, token: int) -> None:
        """Inside a transaction: raise `LeaseLost` unless `token` is the lease's current one."""
        current = self.__dict__.setdefault("_local_leases", {}).get(name)
        if current is None or current[0].token != token:
            raise LeaseLost(f"lease {name!r}: token {token} is stale")
