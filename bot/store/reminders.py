"""The store's interface for deadline reminders (issue 14): a mixin of `Transaction`.

One row per (person, scheme key, deadline, stage), where a stage is how many days before the
deadline it is sent (`REMINDER_DAYS`). Dates are ISO `YYYY-MM-DD` text (they compare as text in
both databases). A row goes `pending` → `sending` (committed before the request) → `sent`; one
found in `sending` after a restart may or may not have arrived (Telegram has no idempotency
key): it becomes `uncertain` and is never resent. Every row is deleted once its deadline has
passed (a pending one is counted as dropped, `expired`); a pending row whose later stage is also
due (the bot was down meanwhile) becomes `superseded`, so a person gets the latest reminder
only; a person who blocked the bot has their pending rows `blocked`. `/reminders` cancels
(deletes) pending rows; `/forget` deletes them all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

R_PENDING, R_SENDING, R_SENT, R_UNCERTAIN = "pending", "sending", "sent", "uncertain"
R_EXPIRED, R_SUPERSEDED, R_BLOCKED, R_FAILED = "expired", "superseded", "blocked", "failed"
REMINDER_STATES = (R_PENDING, R_SENDING, R_SENT, R_UNCERTAIN, R_EXPIRED, R_SUPERSEDED,
                   R_BLOCKED, R_FAILED)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReminderSpec:
    """A reminder to add: the result key (`IANG:fresh`), the apply-by date, the stage and the
    day it is due, and the official page."""

    scheme: str
    deadline: str
    days_before: int
    due: str
    url: str


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    user_id: int
    scheme: str
    deadline: str
    days_before: int
    due: str
    url: str
    lang: str
    state: str


class ReminderTransaction(ABC):
    @abstractmethod
    async def add_reminders(self, user_id: int, lang: str, specs: list[ReminderSpec]) -> int:
        """Add these (a stage already there, sent or not, stays as it is); pending reminders
        of the same scheme for another deadline go (the newest result's date wins). Returns
        how many were added."""

    @abstractmethod
    async def user_reminders(self, user_id: int) -> list[Reminder]:
        """The person's pending reminders, soonest deadline first."""

    @abstractmethod
    async def cancel_reminders(self, user_id: int, scheme: str | None = None) -> int:
        """Delete the person's pending reminders (of one scheme key, or all)."""

    @abstractmethod
    async def expire_reminders(self, today: str) -> int:
        """Delete every reminder whose deadline is before `today`; returns how many of them
        were still pending (never sent: dropped, `expired`)."""

    @abstractmethod
    async def supersede_reminders(self, due_by: str) -> int:
        """A due pending reminder with a later stage also due becomes `superseded`."""

    @abstractmethod
    async def claim_reminders(self, due_by: str, limit: int) -> list[Reminder]:
        """The next pending reminders due by `due_by`, marked `sending` in this transaction
        (`lang` is the person's current language)."""

    @abstractmethod
    async def finish_reminders(self, results: list[tuple[int, str, str | None]]) -> None:
        """(reminder id, state, error) for each reminder sent or given up."""

    @abstractmethod
    async def drop_reminders(self, user_id: int, state: str) -> int:
        """The person's pending reminders take `state` (e.g. `blocked`)."""

    @abstractmethod
    async def recover_sending_reminders(self) -> int:
        """At the sender's start: every `sending` reminder becomes `uncertain`."""

    @abstractmethod
    async def reminder_counts(self) -> dict[str, int]: ...
