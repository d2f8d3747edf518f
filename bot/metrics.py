"""Process metrics for /metrics, through prometheus_client (the webhook server serves them).

- counters live in this process's own registry; the update path pays a cached child lookup
  and an addition;
- each handler's updates, errors and latency are plain numbers on the update path
  (`HandlerFigures`), turned into the counter and histogram families at scrape time;
- the database's figures (users, sessions, subscribers, broadcast progress) are not kept here:
  `/metrics` reads them at scrape time (`bot/webhook.py`, cached a few seconds) into
  `DatabaseGauges`, a custom collector that turns the latest reading into gauge families.

Metric names are the ones the README lists; don't rename them (dashboards use them).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from bot.store.reminders import REMINDER_STATES

try:  # the `_created` series only doubles every counter's size here
    from prometheus_client import disable_created_metrics

    disable_created_metrics()
except ImportError:  # pragma: no cover - older prometheus_client
    pass

BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
_LE = tuple(floatToGoString(b) for b in (*BUCKETS_S, float("inf")))  # the "le" labels
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Counters that code names as it counts them; their help texts.
COUNTERS = {
    "bot_webhook_requests_total": "Webhook requests, by result.",
    "bot_updates_duplicate_total": "Resent updates acknowledged without running again.",
    "bot_updates_late_total": "Updates applied after a later one of the same user.",
    "bot_updates_recovered_total": "Stored updates handled after their process died.",
    "bot_update_lock_waits_total": "Updates that waited for another instance's drain lock.",
    "bot_broadcast_lease_acquired_total": "Broadcast leases this process acquired.",
}
COUNTER_LABELS = {"bot_webhook_requests_total": ("result",)}  # the others have none
_LABEL = re.compile(r'(\w+)="([^"]*)"')


class DatabaseGauges(Collector):
    """The database's figures as gauges, from the last reading (`update`)."""

    def __init__(self) -> None:
        self.plain: dict[str, tuple[str, float]] = {}  # name -> (help, value)
        self.jobs: list[tuple[int, int, dict[str, int]]] = []  # (job id, total, counts)
        self.reminders: dict[str, int] = {}  # deadline reminders by state

    def update(self, stats: Any, sender: Any, active_statuses: tuple[str, ...]) -> None:
        plain = {
            "bot_users": ("Users the bot knows.", stats.users),
            "bot_sessions_active": ("Users with a session touched in the last hour.",
                                    stats.active_users),
            "bot_results_finished": ("Finished questionnaires.", stats.finished),
            "bot_subscribers": ("Subscribers to rule-change updates.", stats.subscribers),
        }  # fmt: skip
        if sender is not None:
            holds = getattr(sender, "holds_lease", None)
            run = getattr(sender, "current", None)
            plain["bot_broadcast_lease_held"] = (
                "1 on the instance sending broadcasts.",
                float(bool(holds if holds is not None else True)),
            )
            plain["bot_broadcast_send_rate"] = (
                "Broadcast messages sent per second (the running job).",
                run.rate() if run is not None else 0.0,
            )
            plain["bot_broadcast_rate_limited"] = (
                "429 answers the broadcast received.", getattr(sender, "rate_limited", 0)
            )
        self.plain = plain
        self.jobs = [(job.id, job.total, dict(counts)) for job, counts in stats.broadcasts
                     if job.status in active_statuses]  # fmt: skip
        # every state named, pending included at 0, so a dashboard's query never finds no series
        self.reminders = {state: 0 for state in REMINDER_STATES}
        self.reminders.update(stats.reminders)

    def collect(self):  # type: ignore[override]
        for name, (help_text, value) in self.plain.items():
            yield GaugeMetricFamily(name, help_text, value=value)
        if self.reminders:
            reminders = GaugeMetricFamily(
                "bot_reminders", "Deadline reminders by state (pending: not yet sent).",
                labels=["state"],
            )
            for state, k in sorted(self.reminders.items()):
                reminders.add_metric([state], k)
            yield reminders
        if self.jobs:
            total = GaugeMetricFamily("bot_broadcast_total", "Recipients of a live broadcast.",
                                      labels=["job"])  # fmt: skip
            states = GaugeMetricFamily("bot_broadcast_recipients",
                                       "A live broadcast's recipients by state.",
                                       labels=["job", "state"])  # fmt: skip
            for job_id, n, counts in self.jobs:
                total.add_metric([str(job_id)], n)
                for state, k in sorted(counts.items()):
                    states.add_metric([str(job_id), state], k)
            yield total
            yield states


class HandlerFigures(Collector):
    """Updates by handler and outcome, errors by handler, and the handlers' latency histogram
    (`bot_updates_total`, `bot_errors_total`, `bot_handler_seconds`), counted as plain numbers
    and exposed at scrape time. Every update is counted here: prometheus_client's Counter and
    Histogram take a lock and make several calls for each observation, about 5% of a step's
    time in bench/bench_bot.py. One event loop counts, so no lock is needed."""

    def __init__(self) -> None:
        self.updates: dict[tuple[str, str], int] = {}  # errors: those with an outcome not "ok"
        self.latency: dict[str, list[float]] = {}  # per bucket (last: +Inf), then the sum

    def observe(self, handler: str, outcome: str, seconds: float) -> None:
        key = (handler, outcome)
        self.updates[key] = self.updates.get(key, 0) + 1
        row = self.latency.get(handler)
        if row is None:
            row = self.latency[handler] = [0] * (len(BUCKETS_S) + 2)
        row[bisect_left(BUCKETS_S, seconds)] += 1  # the first bound at or above: "le"
        row[-1] += seconds

    def collect(self):  # type: ignore[override]
        updates = CounterMetricFamily("bot_updates_total", "Updates handled, by handler and "
                                      "outcome.", labels=["handler", "outcome"])  # fmt: skip
        for (handler, outcome), n in sorted(self.updates.items()):
            updates.add_metric([handler, outcome], n)
        yield updates
        failed: dict[str, int] = {}
        for (handler, outcome), n in self.updates.items():
            if outcome != "ok":
                failed[handler] = failed.get(handler, 0) + n
        errors = CounterMetricFamily("bot_errors_total", "Handler errors.", labels=["handler"])
        for handler, n in sorted(failed.items()):
            errors.add_metric([handler], n)
        yield errors
        latency = HistogramMetricFamily("bot_handler_seconds", "Handler latency.",
                                        labels=["handler"])  # fmt: skip
        for handler, row in sorted(self.latency.items()):
            buckets = list(zip(_LE, accumulate(row[:-1]), strict=True))
            latency.add_metric([handler], buckets, sum_value=row[-1])
        yield latency


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.handlers = HandlerFigures()
        self.registry.register(self.handlers)
        # Declared up front, so a counter that has not moved yet is scraped as 0, not missing.
        self._counters: dict[str, Counter] = {
            name: Counter(name, help_text, COUNTER_LABELS.get(name, ()), registry=self.registry)
            for name, help_text in COUNTERS.items()
        }
        self._children: dict[Any, Any] = {}
        self.database = DatabaseGauges()
        self.registry.register(self.database)

    def count(self, name: str, n: float = 1, **labels: str) -> None:
        """Add to a counter named in COUNTERS (or any `bot_…_total`); labels as keywords, or
        written into the name as `name{label="value"}`."""
        key = (name, tuple(sorted(labels.items())))
        child = self._children.get(key)
        if child is None:
            base, _, rest = name.partition("{")
            labels = {**dict(_LABEL.findall(rest)), **labels}
            counter = self._counters.get(base)
            if counter is None:
                counter = Counter(base, COUNTERS.get(base, base), sorted(labels),
                                  registry=self.registry)  # fmt: skip
                self._counters[base] = counter
            child = counter.labels(**labels) if labels else counter
            self._children[key] = child
        child.inc(n)

    def observe(self, handler: str, outcome: str, ms: float) -> None:
        self.handlers.observe(handler, outcome, ms / 1000)

    def render(self) -> str:
        return generate_latest(self.registry).decode()


METRICS = Metrics()
