"""The store's interface for "tell me if my result changes" (issue 14).

A mixin of `Transaction`, like `broadcasts.py`. A person who opts in has one `followups` row:
their answers as the contract's profile JSON, the date they gave them, their language and a
snapshot of the result they were shown (`rules.diff.snapshot`). A re-evaluation *run* (a new
catalogue version, or a day's date-driven check) records what changed per person
(`followup_changes`) until an admin confirms; then each person's notice is a recipient of a
`personal` broadcast job, whose text is per recipient (`broadcast_recipients.text`).

Every method is a coroutine (`await tx.save_followup(...)`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

PERSONAL = "personal"  # broadcast kind: one text per recipient (broadcast_recipients.text)
FOLLOWUP_AUDIENCE = "followup"  # the audience of a personal job (filled when created)

# Run kinds and statuses.
CATALOGUE_RUN, DATES_RUN = "catalogue", "dates"
PREVIEW, CONFIRMED, DISCARDED, NOTHING = "preview", "confirmed", "discarded", "nothing"


@dataclass(slots=True)
class StoredFollowup:
    user_id: int
    lang: str
    profile: str  # the contract's profile JSON (`as_of` = the day the answers were given)
    given_on: str  # YYYY-MM-DD
    state: str  # JSON: rules.diff.snapshot of the result last shown or told
    revision: int  # grows when the answers are replaced
    active: bool
    opted_out_at: float | None


@dataclass(slots=True)
class FollowupRun:
    id: int
    kind: str  # catalogue | dates
    run_key: str  # the catalogue version, or the day
    status: str  # preview | confirmed | discarded | nothing
    summary: str  # JSON (see bot/followup/service.py)
    broadcast_id: int | None
    created_at: float


class FollowupTransaction(ABC):
    @abstractmethod
    async def save_followup(
        self, user_id: int, lang: str, profile: str, given_on: str, state: str
    ) -> None:
        """Opt in (again): keep these answers and the result shown for them."""

    @abstractmethod
    async def stop_followup(self, user_id: int) -> bool:
        """Opt out: the answers stay until the retention period has passed from now (the
        purge), nothing more is computed for them and pending notices are skipped. False if
        the person had not opted in."""

    @abstractmethod
    async def load_followup(self, user_id: int) -> StoredFollowup | None: ...

    @abstractmethod
    async def followups_after(self, after_user_id: int, limit: int) -> list[StoredFollowup]:
        """Opted-in people with a user id above `after_user_id`, by id (keyset pages); not
        those whose private chat is inactive (they blocked the bot)."""

    @abstractmethod
    async def save_followup_state(self, user_id: int, revision: int, state: str) -> bool:
        """The result the person has now been told of; False (nothing written) if they have
        replaced their answers or opted out since `revision`."""

    @abstractmethod
    async def create_followup_run(
        self, kind: str, run_key: str, status: str, summary: str
    ) -> int | None:
        """A new run, or None when one with this kind and key exists (once per version/day)."""

    @abstractmethod
    async def load_followup_run(self, run_id: int) -> FollowupRun | None: ...

    @abstractmethod
    async def find_followup_run(self, kind: str, run_key: str) -> FollowupRun | None: ...

    @abstractmethod
    async def update_followup_run(
        self, run_id: int, status: str, broadcast_id: int | None = None,
        summary: str | None = None,
    ) -> None:  # fmt: skip
        """Set the status (and the job, the summary JSON when given)."""

    @abstractmethod
    async def add_followup_changes(
        self, run_id: int, rows: list[tuple[int, int, str, str]]
    ) -> None:
        """(user id, revision, notice text, new state) per person whose result changed."""

    @abstractmethod
    async def followup_changes(
        self, run_id: int, after_user_id: int, limit: int
    ) -> list[tuple[int, int, str, str]]: ...

    @abstractmethod
    async def delete_followup_changes(self, run_id: int) -> None: ...

    @abstractmethod
    async def add_personal_recipients(self, job_id: int, rows: list[tuple[int, str]]) -> None:
        """(chat id, text) recipients of a `personal` job, pending."""

    @abstractmethod
    async def recipient_texts(self, recipient_ids: list[int]) -> dict[int, str]:
        """Recipient id -> its own text (personal jobs)."""
