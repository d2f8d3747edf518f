"""/metrics through prometheus_client: the README's names, labels, and the database gauges
read into the custom collector."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import COUNTERS, Metrics
from bot.store.broadcasts import RUNNING


def _samples(metrics: Metrics) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.render()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_counters_histogram_and_database_gauges():
    m = Metrics()
    m.observe("answer_text", "ok", 3.0)
    m.observe("answer_text", "error", 700.0)
    m.count('bot_webhook_requests_total{result="ok"}')
    m.count("bot_webhook_requests_total", result="ok")
    m.count("bot_updates_duplicate_total")
    job = SimpleNamespace(id=4, total=10, status=RUNNING)
    done = SimpleNamespace(id=3, total=5, status="done")
    stats = SimpleNamespace(users=7, active_users=2, finished=3, subscribers=150,
                            broadcasts=[(job, {"sent": 6, "pending": 4}), (done, {"sent": 5})],
                            reminders={"pending": 12, "sent": 3})
    sender = SimpleNamespace(holds_lease=True, current=None, rate_limited=2)
    m.database.update(stats, sender, (RUNNING,))
    s = _samples(m)
    assert s[("bot_updates_total", (("handler", "answer_text"), ("outcome", "ok")))] == 1
    assert s[("bot_errors_total", (("handler", "answer_text"),))] == 1
    assert s[("bot_handler_seconds_count", (("handler", "answer_text"),))] == 2
    assert s[("bot_handler_seconds_bucket", (("handler", "answer_text"), ("le", "0.005")))] == 1
    assert s[("bot_webhook_requests_total", (("result", "ok"),))] == 2
    assert s[("bot_updates_duplicate_total", ())] == 1
    assert s[("bot_users", ())] == 7 and s[("bot_sessions_active", ())] == 2
    assert s[("bot_subscribers", ())] == 150 and s[("bot_broadcast_lease_held", ())] == 1
    assert s[("bot_broadcast_total", (("job", "4"),))] == 10
    assert s[("bot_broadcast_recipients", (("job", "4"), ("state", "pending")))] == 4
    assert s[("bot_reminders", (("state", "pending"),))] == 12
    assert s[("bot_reminders", (("state", "sent"),))] == 3
    assert s[("bot_reminders", (("state", "failed"),))] == 0  # every state is a series
    assert not any(name == "bot_broadcast_total" and ("job", "3") in labels
                   for name, labels in s)  # finished jobs are not reported
    # a later reading replaces the earlier one
    m.database.update(SimpleNamespace(users=8, active_users=0, finished=3, subscribers=1,
                                      broadcasts=[], reminders={}), None, (RUNNING,))
    s = _samples(m)
    assert s[("bot_users", ())] == 8 and ("bot_broadcast_total", (("job", "4"),)) not in s


def test_every_counter_is_scraped_from_zero_and_listed_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    m = Metrics()
    s = _samples(m)
    for name in COUNTERS:
        assert f"`{name}`" in readme, name
    for name in ("bot_updates_duplicate_total", "bot_updates_late_total",
                 "bot_updates_recovered_total", "bot_update_lock_waits_total"):  # fmt: skip
        assert s[(name, ())] == 0, name  # there before it first moves: rate() sees the step
    m.count("bot_updates_recovered_total", 2)
    assert _samples(m)[("bot_updates_recovered_total", ())] == 2


def test_handler_latency_buckets_are_cumulative_and_inclusive():
    """A latency exactly on a bound counts in that bucket ("le"), every larger bucket counts
    it too, and one above the last bound only in +Inf; count and sum follow."""
    m = Metrics()
    for ms in (1.0, 1.5, 5.0, 9000.0):
        m.observe("start", "ok", ms)
    s = _samples(m)

    def bucket(le: str) -> float:
        return s[("bot_handler_seconds_bucket", (("handler", "start"), ("le", le)))]

    assert bucket("0.001") == 1  # 1.0 ms is on the bound
    assert bucket("0.0025") == 2 and bucket("0.005") == 3 and bucket("5.0") == 3
    assert bucket("+Inf") == 4
    assert s[("bot_handler_seconds_count", (("handler", "start"),))] == 4
    assert abs(s[("bot_handler_seconds_sum", (("handler", "start"),))] - 9.0075) < 1e-9
    assert ("bot_errors_total", (("handler", "start"),)) not in s  # no error, no series
