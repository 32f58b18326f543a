"""cProfile summaries for the benchmark JSON: where our engine spends its time, as shares of the total."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])


def _where(filename: str, line: int, name: str) -> str:
    short = filename.replace(ROOT + "/", "")
    if "site-packages/" in short:
        short = short.split("site-packages/", 1)[1]
    return f"{short}:{line}({name})"


def profile_call(func: Callable[[], object], *, top: int = 25) -> dict:
    """Run `func` under cProfile; return the top functions by own time and by cumulative time, in % of total."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        func()
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt or 1e-9
    rows = [
        {
            "function": _where(filename, line, name),
            "calls": calls,
            "own_pct": 100 * own / total,
            "cumulative_pct": 100 * cumulative / total,
        }
        for (filename, line, name), (_prim, calls, own, cumulative, _callers) in stats.stats.items()
    ]
    return {
        "total_s": total,
        "by_own_time": sorted(rows, key=lambda row: -row["own_pct"])[:top],
        "by_cumulative_time": sorted(rows, key=lambda row: -row["cumulative_pct"])[:top],
    }
