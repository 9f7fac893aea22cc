"""Latency percentiles and counters for ``iea status``.

A bounded window per method (the last 2048 answers) keeps memory flat in a daemon that runs for
weeks, and reflects current behaviour rather than an average over its whole life.
"""
from __future__ import annotations

import math
import time
from collections import Counter, deque
from typing import Any

WINDOW = 2048


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(q / 100.0 * len(sorted_values))))
    return sorted_values[rank - 1]


class Stats:
    def __init__(self) -> None:
        self.started = time.time()
        self._latency: dict[str, deque[float]] = {}
        self.count: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.worker_restarts = 0

    def record(self, method: str, seconds: float, error_code: str | None = None) -> None:
        window = self._latency.get(method)
        if window is None:
            window = self._latency[method] = deque(maxlen=WINDOW)
        window.append(seconds * 1000.0)
        self.count[method] += 1
        if error_code:
            self.errors[error_code] += 1

    def latency_table(self) -> dict[str, dict[str, float]]:
        table = {}
        for method, window in sorted(self._latency.items()):
            values = sorted(window)
            table[method] = {"count": self.count[method], "window": len(values),
                             "p50_ms": round(percentile(values, 50), 3),
                             "p95_ms": round(percentile(values, 95), 3),
                             "p99_ms": round(percentile(values, 99), 3)}
        return table

    def snapshot(self) -> dict[str, Any]:
        return {"uptime_s": round(time.time() - self.started, 3),
                "requests": sum(self.count.values()),
                "errors": dict(self.errors),
                "worker_restarts": self.worker_restarts,
                "latency": self.latency_table()}
