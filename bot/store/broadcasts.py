"""The store's interface for admins, subscriptions and broadcasts (issue 6).

A mixin of `Transaction`: every method runs inside one short transaction and uses plain SQL in
the SQLite implementation, so a PostgreSQL store can implement the same methods.

Audiences are strings: `all` (every subscriber), `lang:en`, `scheme:TTPS` (subscribers of that
scheme or of everything), `match:TTPS` (subscribers whose last result matched that scheme),
`groups` (active groups and supergroups), `channels` (registered, active channels).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

# Recipient states. `sending` is written before the request and `sent` after; a recipient
# found in `sending` after a restart may or may not have the message: it becomes `uncertain`.
PENDING, SENDING, SENT, FAILED, BLOCKED, UNCERTAIN, SKIPPED = (
    "pending", "sending", "sent", "failed", "blocked", "uncertain", "skipped",
)  # fmt: skip
RECIPIENT_STATES = (PENDING, SENDING, SENT, FAILED, BLOCKED, UNCERTAIN, SKIPPED)

# Job statuses.
DRAFT, SCHEDULED, RUNNING, PAUSED, CANCELLED, DONE = (
    "draft", "scheduled", "running", "paused", "cancelled", "done",
)  # fmt: skip
ACTIVE_STATUSES = (SCHEDULED, RUNNING, PAUSED)

ALL_SCHEMES = "*"
START_CURSOR = -(2**62)  # below every chat id


@dataclass(slots=True)
class BroadcastJob:
    id: int
    created_by: int
    admin_chat_id: int
    status: str
    audience: str
    kind: str  # text (HTML in `text`) | copy (from_chat_id + message_id)
    text: str | None
    from_chat_id: int | None
    message_id: int | None
    scheduled_at: float | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    progress_message_id: int | None
    filled: bool
    fill_cursor: int
    total: int


@dataclass(slots=True)
class Recipient:
    id: int
    chat_id: int
    attempts: int = 0
    text: str | None = None  # a personal job's own text for this recipient (issue 14)


@dataclass(slots=True)
class Statistics:
    users: int = 0
    active_users: int = 0
    finished: int = 0
    matches: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    subscribers: int = 0
    subscriptions: dict[str, int] = field(default_factory=dict)
    broadcasts: list[tuple[BroadcastJob, dict[str, int]]] = field(default_factory=list)
    reminders: dict[str, int] = field(default_factory=dict)  # deadline reminders by state


class BroadcastTransaction(ABC):
    # --- admins and the audit log
    @abstractmethod
    async def admin_ids(self) -> list[int]:
        """Admins added by owners (owners themselves come from the settings)."""

    @abstractmethod
    async def add_admin(self, user_id: int, added_by: int) -> bool:
        """True if added, False if already an admin."""

    @abstractmethod
    async def remove_admin(self, user_id: int) -> bool: ...

    @abstractmethod
    async def audit(self, admin_id: int, action: str, detail: str, result: str) -> None: ...

    @abstractmethod
    async def audit_entries(self, limit: int = 50) -> list[tuple[float, int, str, str, str]]: ...

    # --- subscriptions
    @abstractmethod
    async def subscribe(self, user_id: int, lang: str, schemes: tuple[str, ...]) -> None:
        """Add these schemes (`ALL_SCHEMES` for every update) to the user's subscription."""

    @abstractmethod
    async def unsubscribe(self, user_id: int, schemes: tuple[str, ...] = ()) -> None:
        """Remove these schemes, or everything when none are named; pending deliveries of
        unfinished broadcasts to the user are skipped once nothing is left."""

    @abstractmethod
    async def subscription(self, user_id: int) -> list[str]:
        """The user's subscribed schemes (`ALL_SCHEMES` for everything); empty if none."""

    # --- audiences and jobs
    @abstractmethod
    async def audience_count(self, audience: str) -> int: ...

    @abstractmethod
    async def create_broadcast(
        self,
        created_by: int,
        admin_chat_id: int,
        *,
        kind: str,
        text: str | None = None,
        from_chat_id: int | None = None,
        message_id: int | None = None,
        audience: str = "all",
    ) -> int: ...

    @abstractmethod
    async def load_broadcast(self, job_id: int) -> BroadcastJob | None: ...

    @abstractmethod
    async def update_broadcast(self, job_id: int, **fields: object) -> None:
        """Set columns: status, audience, scheduled_at, started_at, finished_at,
        progress_message_id, filled, fill_cursor, total."""

    @abstractmethod
    async def broadcasts(
        self, *, statuses: tuple[str, ...] = (), limit: int = 10
    ) -> list[BroadcastJob]:
        """Newest first; all statuses except drafts when `statuses` is empty."""

    @abstractmethod
    async def next_broadcast(self, now: float) -> BroadcastJob | None:
        """The oldest running job, or the oldest scheduled one that is due."""

    @abstractmethod
    async def next_scheduled_at(self) -> float | None: ...

    @abstractmethod
    async def fill_recipients(
        self, job_id: int, audience: str, after: int, limit: int
    ) -> int | None:
        """Add the next `limit` chats of the audience after chat id `after` as pending; returns
        the last chat id added, or None when the audience is exhausted."""

    @abstractmethod
    async def claim_recipients(self, job_id: int, limit: int) -> list[Recipient]:
        """The next pending recipients, marked `sending` in this transaction."""

    @abstractmethod
    async def finish_recipients(self, results: list[tuple[int, str, int, str | None]]) -> None:
        """(recipient id, state, attempts, error) for each finished recipient."""

    @abstractmethod
    async def move_recipient(self, recipient_id: int, chat_id: int) -> bool:
        """A group moved to a supergroup: deliver there instead (False if already listed)."""

    @abstractmethod
    async def release_recipients(self, recipient_ids: list[int]) -> None:
        """Back to pending: claimed but not sent (paused, or waiting for a retry)."""

    @abstractmethod
    async def recover_sending(self) -> int:
        """At startup: every `sending` recipient becomes `uncertain` (at most once)."""

    @abstractmethod
    async def resend_uncertain(self, job_id: int) -> int:
        """The admin chose to resend: `uncertain` recipients become pending again."""

    @abstractmethod
    async def recipient_counts(self, job_id: int) -> dict[str, int]: ...

    @abstractmethod
    async def recipient_states(self, job_id: int) -> dict[int, str]:
        """chat id -> state (tests and small jobs)."""

    @abstractmethod
    async def mark_chat_inactive(self, chat_id: int) -> None: ...

    # --- statistics
    @abstractmethod
    async def statistics(self, active_since: float, history: int = 10) -> Statistics: ...
