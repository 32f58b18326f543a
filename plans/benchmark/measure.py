"""Run the query mix against a search system: latencies within a time budget, and quality against the truth."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from plans.benchmark.queries import BenchQuery
from plans.benchmark.stats import summarize
from plans.benchmark.truth import precision_at, recall_precision

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one search returned: the total count and the ids of the first page, in rank order."""

    count: int
    ranked: list[int] = field(default_factory=list)


class SearchSystem(Protocol):
    """Anything the benchmark can time: our engine, the rendered page, or a peer."""

    name: str

    def run(self, query: BenchQuery) -> Outcome:
        """One search as a user sees it: top 10, total, facet counts, highlighted snippets."""
        ...

    def all_ids(self, query: BenchQuery) -> set[int]:
        """Every plan id the system returns for the query (for recall and precision)."""
        ...


def time_mix(
    system: SearchSystem,
    queries: Sequence[BenchQuery],
    *,
    budget_s: float = 60.0,
    max_rounds: int = 5,
) -> dict:
    """Time rounds of the mix after one untimed warm-up round, until `max_rounds` or the budget is spent.

    At least one timed round always runs, so every query is measured even when the budget is small.
    """
    errors: list[str] = []

    def once(query: BenchQuery) -> float | None:
        start = time.perf_counter()
        try:
            system.run(query)
        except Exception as exc:  # a failing query is a result to report, not a crash of the benchmark
            errors.append(f"{query.label}: {type(exc).__name__}: {exc}"[:300])
            log.warning("%s failed on %s: %s", system.name, query.label, exc)
            return None
        return (time.perf_counter() - start) * 1000

    warm_start = time.perf_counter()
    for query in queries:
        once(query)
    warm_s = time.perf_counter() - warm_start

    latencies: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    rounds = 0
    started = time.perf_counter()
    while rounds < max_rounds:
        for query in queries:
            ms = once(query)
            if ms is not None:
                latencies.append(ms)
                by_kind[query.kind].append(ms)
        rounds += 1
        spent = time.perf_counter() - started
        if spent + spent / rounds > budget_s:
            break
    return {
        "system": system.name,
        "rounds": rounds,
        "warmup_s": warm_s,
        "latency_ms": summarize(latencies),
        "p50_by_kind_ms": {kind: summarize(values)["p50"] for kind, values in by_kind.items()},
        "p95_by_kind_ms": {kind: summarize(values)["p95"] for kind, values in by_kind.items()},
        "errors": errors[:20],
        "error_count": len(errors),
    }


def measure_quality(
    system: SearchSystem, queries: Sequence[BenchQuery], truth: dict[BenchQuery, set[int]]
) -> dict:
    """Recall, precision (whole result set) and precision@10 (first page) of every query against the truth."""
    rows = []
    for query in queries:
        expected = truth[query]
        try:
            found = system.all_ids(query)
            ranked = system.run(query).ranked
        except Exception as exc:
            rows.append(
                {"query": query.label, "kind": query.kind, "error": f"{type(exc).__name__}: {exc}"[:300]}
            )
            continue
        recall, precision = recall_precision(found, expected)
        rows.append(
            {
                "query": query.label,
                "kind": query.kind,
                "truth": len(expected),
                "found": len(found),
                "recall": recall,
                "precision": precision,
                "p_at_10": precision_at(ranked, expected, 10),
            }
        )
    scored = [row for row in rows if "error" not in row]
    return {
        "system": system.name,
        "queries": rows,
        "mean_recall": _mean(row["recall"] for row in scored),
        "min_recall": min((row["recall"] for row in scored), default=None),
        "mean_precision": _mean(row["precision"] for row in scored),
        "mean_p_at_10": _mean(row["p_at_10"] for row in scored),
        "errors": len(rows) - len(scored),
    }


def _mean(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None
