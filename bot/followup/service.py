"""Re-evaluating kept answers: after a new catalogue (admin preview, then confirm) and daily.

`FollowupDuty` is one of the broadcast sender's duties (bot/broadcast/sender.py): it runs in
the sender's process only — with several instances, only while it holds the sender's lease,
and through the sender's fenced store, so an instance that lost the lease cannot write. It
looks when the sender is idle; work is done once per catalogue version and once per day,
recorded as a run (`followup_runs`), so a restart neither repeats nor skips it:

- a run left `computing` by a crash is done again (a catalogue run's changes are recomputed;
  a day's notices already queued stay queued and the people already told are not told again,
  since their snapshot was updated with their notice in one transaction);
- a confirmed run whose notices were still being queued is finished.

A person is told at most once per change: their snapshot moves to the new result in the same
transaction as their notice is queued, and the sender delivers at most once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.followup.notices import notice_text, preview_screen
from bot.outbox import send_html
from bot.settings import Settings
from bot.store import Store
from bot.store.broadcasts import RUNNING
from bot.store.followups import (
    CATALOGUE_RUN,
    CONFIRMED,
    DATES_RUN,
    DISCARDED,
    FOLLOWUP_AUDIENCE,
    NOTHING,
    PERSONAL,
    PREVIEW,
    FollowupRun,
    StoredFollowup,
)
from rules import LANGS, Profile, load_catalogue
from rules.diff import Change, ages_now, changed_keys, diff, reassess, snapshot
from rules.results import STATUS_ORDER

log = logging.getLogger(__name__)

COMPUTING = "computing"
PAGE = 500  # people per transaction; the event loop gets a turn between pages


@dataclass(slots=True)
class Reassessed:
    changes: list[Change]
    state: dict[str, Any]
    text: str


def reassess_one(
    f: StoredFollowup, today: date, *, kind: str, version: str, lang: str | None = None
) -> Reassessed | None:
    """One person's kept answers as of `today`: None when no result's status changed (for the
    daily check: changed for the worse — a closed window, an age limit passed)."""
    try:
        profile = Profile.model_validate_json(f.profile)
        given_on = date.fromisoformat(f.given_on)
        old = json.loads(f.state)
    except ValueError:
        log.warning("kept answers unreadable", extra={"fields": {"user": f.user_id}})
        return None
    moved = changed_keys(old, profile, given_on, today)  # fast: nothing rendered
    if kind == DATES_RUN:
        before = old.get("statuses") or {}
        moved = {k: s for k, s in moved.items()
                 if STATUS_ORDER[s] > STATUS_ORDER[before.get(k, "no_match")]}  # fmt: skip
    if not moved:
        return None
    lang = lang or f.lang
    evaluation = reassess(profile, given_on, today, lang)  # type: ignore[arg-type]
    changes = diff(old, evaluation)
    if kind == DATES_RUN:  # no false hope from an old result; a better one can wait for /result
        changes = [c for c in changes if c.worse]
    if not changes:
        return None
    text = notice_text(
        changes, lang, kind=kind, version=version, given_on=given_on, age=profile.age,
        ages_now=ages_now(profile.age, given_on, today),
    )  # fmt: skip
    return Reassessed(changes, snapshot(evaluation), text)


@dataclass
class Summary:
    """What the admins' preview shows: per (result, old status, new status) how many people,
    with the first one's reasons as the example, in each language."""

    version: str
    people: int = 0
    changed: int = 0
    rows: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def add(self, f: StoredFollowup, found: Reassessed, today: date, kind: str) -> None:
        self.changed += 1
        for change in found.changes:
            row = self.rows.get((change.key, change.old, change.new))
            if row is None:
                row = self.rows[(change.key, change.old, change.new)] = {
                    "key": change.key, "name": change.short_name, "old": change.old,
                    "new": change.new, "n": 0, "example": self._example(f, change, today, kind),
                }  # fmt: skip
            row["n"] += 1

    def _example(self, f: StoredFollowup, change: Change, today: date, kind: str) -> dict:
        out = {}
        for lang in LANGS:
            again = reassess_one(f, today, kind=kind, version=self.version, lang=lang)
            same = [c for c in (again.changes if again else []) if c.key == change.key]
            out[lang] = "; ".join(same[0].reasons[:2]) if same else ""
        return out

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "people": self.people, "changed": self.changed,
                "rows": list(self.rows.values())}  # fmt: skip


class FollowupDuty:
    """The sender's duty (see the module docstring). `await duty(store)`."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self._done: tuple[str, date] | None = None  # (version, day) fully handled
        self._shown: set[int] = set()  # runs whose preview this process has sent

    async def __call__(self, store: Store) -> None:
        today = self.settings.today()
        version = load_catalogue().version
        if self._done == (version, today):
            return
        await self.catalogue_check(store, version, today)
        if await self.dates_check(store, version, today):
            self._done = (version, today)

    # --- a new catalogue version: compute, then preview to the admins
    async def catalogue_check(self, store: Store, version: str, today: date) -> None:
        async with store.transaction() as tx:
            run = await tx.find_followup_run(CATALOGUE_RUN, version)
            if run is None:
                run_id = await tx.create_followup_run(CATALOGUE_RUN, version, COMPUTING, "{}")
                run = await tx.load_followup_run(run_id) if run_id else None
        if run is None:
            return
        if run.status == CONFIRMED:
            await finish_confirm(store, run)  # a crash while the notices were being queued
            return
        if run.status == PREVIEW and run.id not in self._shown:
            # awaiting a decision since before this process started: show it again (the
            # admins may have missed it, or it may never have reached them)
            await self._show(store, run.id, json.loads(run.summary))
        if run.status != COMPUTING:
            return
        async with store.transaction() as tx:
            await tx.delete_followup_changes(run.id)  # a crash mid-way: computed again
        summary = Summary(version)
        after = 0
        while True:
            async with store.transaction() as tx:
                page = await tx.followups_after(after, PAGE)
            if not page:
                break
            rows = []
            for f in page:
                summary.people += 1
                found = reassess_one(f, today, kind=CATALOGUE_RUN, version=version)
                if found is not None:
                    summary.add(f, found, today, CATALOGUE_RUN)
                    rows.append((f.user_id, f.revision, found.text, json.dumps(found.state)))
            async with store.transaction() as tx:
                await tx.add_followup_changes(run.id, rows)
            after = page[-1].user_id
            await asyncio.sleep(0)
        data = summary.as_json()
        status = PREVIEW if summary.changed else NOTHING
        async with store.transaction() as tx:
            await tx.update_followup_run(
                run.id, status, summary=json.dumps(data, ensure_ascii=False)
            )
        log.info("re-evaluation computed",
                 extra={"fields": {"run": run.id, "people": summary.people,
                                   "changed": summary.changed}})  # fmt: skip
        if summary.people:  # nobody has kept answers: nothing to tell the admins
            await self._show(store, run.id, data)

    async def _show(self, store: Store, run_id: int, data: dict[str, Any]) -> None:
        """The preview, to every bot admin in their language."""
        self._shown.add(run_id)
        async with store.transaction() as tx:
            admins = set(self.settings.bot_admin_ids) | set(await tx.admin_ids())
            langs = {}
            for admin in admins:
                user = await tx.load_user(admin)
                langs[admin] = user.lang if user and user.lang else "en"
        for admin in sorted(admins):
            screen = preview_screen(run_id, data, langs[admin], buttons=True)
            try:
                await send_html(self.bot, admin, screen.text, screen.keyboard)
            except TelegramError as exc:
                log.warning(
                    "preview not sent", extra={"fields": {"admin": admin, "error": str(exc)}}
                )

    # --- the day's date-driven check: notices without a preview
    async def dates_check(self, store: Store, version: str, today: date) -> bool:
        """True when today's check is done (or nothing is to be done)."""
        key = today.isoformat()
        async with store.transaction() as tx:
            catalogue = await tx.find_followup_run(CATALOGUE_RUN, version)
            if catalogue is None or catalogue.status in (COMPUTING, PREVIEW):
                return False  # the admins decide on the new catalogue first
            run = await tx.find_followup_run(DATES_RUN, key)
            if run is None:
                run_id = await tx.create_followup_run(DATES_RUN, key, COMPUTING, "{}")
                run = await tx.load_followup_run(run_id) if run_id else None
        if run is None:
            return False
        if run.status != COMPUTING:
            return True
        job_id = run.broadcast_id
        after, told = 0, 0
        while True:
            async with store.transaction() as tx:
                page = await tx.followups_after(after, PAGE)
            if not page:
                break
            found = [
                (f, r)
                for f in page
                if (r := reassess_one(f, today, kind=DATES_RUN, version=version)) is not None
            ]
            if found:
                async with store.transaction() as tx:
                    if job_id is None:
                        job_id = await tx.create_broadcast(
                            0, 0, kind=PERSONAL, audience=FOLLOWUP_AUDIENCE
                        )
                        await tx.update_broadcast(job_id, filled=True)
                        await tx.update_followup_run(run.id, COMPUTING, job_id)
                    rows = []
                    for f, r in found:
                        if await tx.save_followup_state(f.user_id, f.revision,
                                                        json.dumps(r.state)):  # fmt: skip
                            rows.append((f.user_id, r.text))
                    await tx.add_personal_recipients(job_id, rows)
                    told += len(rows)
            after = page[-1].user_id
            await asyncio.sleep(0)
        async with store.transaction() as tx:
            if job_id is not None:
                counts = await tx.recipient_counts(job_id)
                await tx.update_broadcast(job_id, status=RUNNING, total=sum(counts.values()))
            await tx.update_followup_run(run.id, CONFIRMED if job_id else NOTHING, job_id)
        if told:
            log.info("date-driven changes queued",
                     extra={"fields": {"day": key, "told": told, "job": job_id}})  # fmt: skip
        return True


# --- an admin's decision on a preview
async def confirm(store: Store, run_id: int, admin_id: int, chat_id: int) -> tuple[str, Any]:
    """Queue the notices of a previewed run: ("ok", job) or (the run's status, None)."""
    async with store.transaction() as tx:
        run = await tx.load_followup_run(run_id)
        if run is None or run.status != PREVIEW:
            return (run.status if run else "gone"), None
        job_id = await tx.create_broadcast(admin_id, chat_id, kind=PERSONAL,
                                              audience=FOLLOWUP_AUDIENCE)  # fmt: skip
        await tx.update_broadcast(job_id, filled=True)
        await tx.update_followup_run(run_id, CONFIRMED, job_id)
        run = await tx.load_followup_run(run_id)
    assert run is not None
    return "ok", await finish_confirm(store, run)


async def finish_confirm(store: Store, run: FollowupRun) -> Any:
    """Each changed person's notice becomes a recipient as their snapshot moves (repeatable)."""
    job_id = run.broadcast_id
    assert job_id is not None
    async with store.transaction() as tx:
        job = await tx.load_broadcast(job_id)
    if job is None or job.status != "draft":
        return job
    after = 0
    while True:
        async with store.transaction() as tx:
            page = await tx.followup_changes(run.id, after, PAGE)
            rows = [
                (user_id, text)
                for user_id, revision, text, state in page
                if await tx.save_followup_state(user_id, revision, state)
            ]
            await tx.add_personal_recipients(job_id, rows)
        if not page:
            break
        after = page[-1][0]
        await asyncio.sleep(0)
    async with store.transaction() as tx:
        counts = await tx.recipient_counts(job_id)
        await tx.update_broadcast(job_id, status=RUNNING, total=sum(counts.values()))
        await tx.delete_followup_changes(run.id)
        return await tx.load_broadcast(job_id)


async def discard(store: Store, run_id: int) -> str:
    """Nobody is told; each changed person's snapshot moves on silently (so the next daily
    check does not tell them this catalogue's changes either). Returns ok or the status."""
    async with store.transaction() as tx:
        run = await tx.load_followup_run(run_id)
        if run is None or run.status != PREVIEW:
            return run.status if run else "gone"
        await tx.update_followup_run(run_id, DISCARDED)
    after = 0
    while True:
        async with store.transaction() as tx:
            page = await tx.followup_changes(run_id, after, PAGE)
            for user_id, revision, _text, state in page:
                await tx.save_followup_state(user_id, revision, state)
        if not page:
            break
        after = page[-1][0]
    async with store.transaction() as tx:
        await tx.delete_followup_changes(run_id)
    return "ok"


async def summary_of(store: Store, run_id: int) -> dict[str, Any]:
    async with store.transaction() as tx:
        run = await tx.load_followup_run(run_id)
    return json.loads(run.summary) if run else {}
