"""Latency statistics: percentiles by linear interpolation between closest ranks (numpy's default)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from contextlib import contextmanager


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`; raise ValueError on an empty list or p out of range."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max of a list of latencies (same unit in, same unit out)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


@contextmanager
def stopwatch():
    """`with stopwatch() as elapsed: ...; elapsed()` gives seconds since entry (frozen at exit)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())
