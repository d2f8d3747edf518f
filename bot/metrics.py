"""Process metrics in Prometheus' text format, without a client library.

Counters and one latency histogram are enough for /metrics; the update path pays a dict lookup
and an addition.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

BUCKETS_MS = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


class Metrics:
    def __init__(self) -> None:
        self.updates: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.errors: defaultdict[str, int] = defaultdict(int)
        self.latency_counts: defaultdict[str, list[int]] = defaultdict(
            lambda: [0] * (len(BUCKETS_MS) + 1)
        )
        self.latency_sum_ms: defaultdict[str, float] = defaultdict(float)
        self.gauges: dict[str, float] = {}  # name, or name{labels}: set at scrape time
        self.counters: defaultdict[str, float] = defaultdict(float)  # name or name{labels}

    def count(self, name: str, n: float = 1) -> None:
        """A counter without a fixed declaration (e.g. `bot_updates_late_total`)."""
        self.counters[name] += n

    def observe(self, handler: str, outcome: str, ms: float) -> None:
        self.updates[(handler, outcome)] += 1
        if outcome != "ok":
            self.errors[handler] += 1
        self.latency_counts[handler][bisect.bisect_left(BUCKETS_MS, ms)] += 1
        self.latency_sum_ms[handler] += ms

    def render(self) -> str:
        lines = [
            "# HELP bot_updates_total Updates handled, by handler and outcome.",
            "# TYPE bot_updates_total counter",
        ]
        for (handler, outcome), n in sorted(self.updates.items()):
            lines.append(f'bot_updates_total{{handler="{handler}",outcome="{outcome}"}} {n}')
        lines += ["# HELP bot_errors_total Handler errors.", "# TYPE bot_errors_total counter"]
        for handler, n in sorted(self.errors.items()):
            lines.append(f'bot_errors_total{{handler="{handler}"}} {n}')
        lines += [
            "# HELP bot_handler_seconds Handler latency.",
            "# TYPE bot_handler_seconds histogram",
        ]
        for handler, counts in sorted(self.latency_counts.items()):
            running = 0
            for edge, n in zip((*BUCKETS_MS, float("inf")), counts, strict=True):
                running += n
                le = "+Inf" if edge == float("inf") else f"{edge / 1000:g}"
                lines.append(
                    f'bot_handler_seconds_bucket{{handler="{handler}",le="{le}"}} {running}'
                )
            lines.append(f'bot_handler_seconds_count{{handler="{handler}"}} {running}')
            lines.append(
                f'bot_handler_seconds_sum{{handler="{handler}"}} '
                f"{self.latency_sum_ms[handler] / 1000:.6f}"
            )
        for kind, values in (("counter", self.counters), ("gauge", self.gauges)):
            declared: set[str] = set()
            for name, value in sorted(values.items()):
                base = name.partition("{")[0]
                if base not in declared:
                    declared.add(base)
                    lines.append(f"# TYPE {base} {kind}")
                lines.append(f"{name} {value:g}")
        return "\n".join(lines) + "\n"


METRICS = Metrics()
