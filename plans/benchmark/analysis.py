"""Trends and keyword-in-context pages in the benchmark: /trends/ with one and five terms (HTML and JSON),
/kwic/'s first page (newest first and sort=left), and a 50,000-line /kwic/ CSV, each first-time (the snapshot's
memo emptied before the request) and repeated, beside the /search/ results page of the same queries.

Timed through Django's test client (view, engine, template, full HTML), like the results page (engine-page) in
the same run, so the two can be compared. Targets of issue 14 at 10,000 plans: /trends/ one term p95 ≤ 300 ms,
five terms ≤ 1 s; /kwic/ first page p95 ≤ 200 ms; a 50,000-line CSV within 5 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from plans.benchmark.stats import summarize

# Policy terms of different frequencies (rare to common in government work reports).
TERMS = (
    "科技金融", "孵化器", "科技成果转化", "专精特新", "高新技术企业", "营商环境", "乡村振兴", "数字经济",
    "放管服", "新型研发机构", "创新驱动", "供给侧结构性改革",
)  # fmt: skip
FIVE_TERM_SETS = tuple(TERMS[i : i + 5] for i in range(0, len(TERMS) - 4, 2))
KWIC_QUERIES = ("科技金融", "孵化器", "乡村振兴", "营商环境", "专精特新", "创新驱动", "数字经济", "发展")
CSV_QUERIES = ("发展", "创新")  # common enough for 50,000 lines at 704 real reports and above
REPEATS = 3
CASES_FIELDS = (
    "trends_one_term",
    "trends_one_term_json",
    "trends_five_terms",
    "trends_five_terms_json",
    "kwic_first_page",
    "kwic_first_page_sort_left",
    "search_page",
)
HOST = "127.0.0.1"


def _timed(client, path: str, params: dict, *, stream: bool = False) -> tuple[float, int]:
    """Milliseconds for one GET (and its whole streamed body), and the body's size in bytes (or lines)."""
    start = time.perf_counter()
    response = client.get(path, params)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {params} answered {response.status_code}")
    if stream:
        size = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return (time.perf_counter() - start) * 1000, size


def _case(client, forget: Callable[[], None], requests: list[tuple[str, dict]]) -> dict:
    first, repeated = [], []
    for path, params in requests:
        forget()
        first.append(_timed(client, path, params)[0])
        for _ in range(REPEATS):
            repeated.append(_timed(client, path, params)[0])
    return {"first": summarize(first), "repeated": summarize(repeated)}


def measure_analysis() -> dict:
    """The figures above, as {case: {"first": stats, "repeated": stats}} plus the CSV runs."""
    from django.test import Client

    from plans.search import clear_term_cache

    client = Client(HTTP_HOST=HOST)
    client.get("/trends/", {"term": "科技"})  # warm the process: templates, segmenter, snapshot columns
    cases = {
        "trends_one_term": _case(client, clear_term_cache, [("/trends/", {"term": t}) for t in TERMS]),
        "trends_one_term_json": _case(
            client, clear_term_cache, [("/trends/", {"term": t, "format": "json"}) for t in TERMS]
        ),
        "trends_five_terms": _case(
            client, clear_term_cache, [("/trends/", {"term": list(s)}) for s in FIVE_TERM_SETS]
        ),
        "trends_five_terms_json": _case(
            client,
            clear_term_cache,
            [("/trends/", {"term": list(s), "format": "json"}) for s in FIVE_TERM_SETS],
        ),
        "kwic_first_page": _case(client, clear_term_cache, [("/kwic/", {"q": q}) for q in KWIC_QUERIES]),
        "kwic_first_page_sort_left": _case(
            client, clear_term_cache, [("/kwic/", {"q": q, "sort": "left"}) for q in KWIC_QUERIES]
        ),
        "search_page": _case(client, clear_term_cache, [("/search/", {"q": q}) for q in KWIC_QUERIES]),
    }
    csv_runs = []
    for q in CSV_QUERIES:
        for label, clear in (("first", True), ("repeated", False)):
            if clear:
                clear_term_cache()
            ms, lines = _timed(client, "/kwic/", {"q": q, "format": "csv"}, stream=True)
            csv_runs.append({"q": q, "run": label, "seconds": ms / 1000, "lines": lines - 1})
    return {"cases": cases, "csv": csv_runs}


def format_analysis(figures: dict) -> list[str]:
    """Markdown lines: a table of the cases (p50 / p95, first-time and repeated) and the CSV runs."""
    if not figures:
        return []
    cases = figures.get("cases", {})
    search = cases.get("search_page", {})

    def ratio(stats: dict, run: str) -> str:
        base = search.get(run, {}).get("p95", 0)
        return f"{stats[run].get('p95', 0) / base:.1f}×" if base else "—"

    lines = [
        "| page | first-time p50 ms | first-time p95 ms | repeated p50 ms | repeated p95 ms | requests"
        " | p95 ÷ /search/ p95 (first-time / repeated) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case, stats in cases.items():
        first, repeated = stats["first"], stats["repeated"]
        lines.append(
            f"| {case} | {first.get('p50', 0):.1f} | {first.get('p95', 0):.1f} | {repeated.get('p50', 0):.1f}"
            f" | {repeated.get('p95', 0):.1f} | {first.get('n', 0)} + {repeated.get('n', 0)}"
            f" | {ratio(stats, 'first')} / {ratio(stats, 'repeated')} |"
        )
    lines += ["", "| /kwic/ CSV | run | lines | seconds |", "| --- | --- | --- | --- |"]
    for run in figures.get("csv", []):
        lines.append(f"| q={run['q']} | {run['run']} | {run['lines']:,} | {run['seconds']:.2f} |")
    return lines
