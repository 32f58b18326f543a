"""One benchmark step, run in a child process whose default database and index are the benchmark's own.

The parent (plans.benchmark.runner) starts `manage.py bench --worker spec.json` with DATABASE_URL,
SEARCH_INDEX_DIR and DATA_DIR pointing into its work folder, so the product code runs unchanged on benchmark
data and never sees data/ or the test database. Each task adds its figures to the result file.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
import traceback
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from plans.benchmark.corpus import read_corpus, synthesize
from plans.benchmark.load import LoadStats, bulk_load, directory_bytes, dump_plans, ingest_corpus, read_dump
from plans.benchmark.measure import measure_quality, time_mix
from plans.benchmark.queries import QUERY_MIX, SYNTAX_MIX, SYNTAX_PAIRS

log = logging.getLogger(__name__)
FRESHNESS_TIMEOUT_S = 30.0


def say(spec: dict, message: str) -> None:
    print(f"[bench {spec['size']} {spec['db']}] {message}", file=sys.stderr, flush=True)


def load_truth(spec: dict) -> dict:
    raw = json.loads(Path(spec["truth"]).read_text())
    return {QUERY_MIX[int(index)]: set(ids) for index, ids in raw.items()}


def timed_rebuild(procs: int | None = None) -> dict:
    """Rebuild our index from the database, timed; size of the index folder afterwards.

    `procs` None is what the product does (plans.search.indexing.rebuild_procs: one process per core).
    """
    from plans.models import Plan
    from plans.search import rebuild_index
    from plans.search.indexing import rebuild_procs
    from plans.search.snapshot import hub

    used = procs or rebuild_procs(Plan.objects.count())
    start = time.perf_counter()
    rebuild_index(procs=used)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "procs": used,
        "engine": hub.engine.name,
        # the folder in use (Tantivy keeps the previous generation beside it for other processes' readers)
        "index_bytes": directory_bytes(Path(hub.engine.folder)),
    }


def task_load(spec: dict, result: dict) -> None:
    """Create the schema, load the corpus (ingest or bulk), build our index, dump what was stored."""
    call_command("migrate", verbosity=0)
    stats: LoadStats | None = None
    if spec["real"] and spec.get("real_load", "ingest") == "ingest":
        try:
            stats = ingest_corpus(Path(spec["corpus"]))
        except (ImportError, AttributeError) as exc:
            result["notes"].append(
                f"ingest API not available ({exc}); real corpus written with the bulk path"
            )
        else:
            # ingest queues each saved plan for indexing in a background thread: wait for it to drain
            from plans.search import wait_for_indexing

            start = time.perf_counter()
            drained = wait_for_indexing(timeout=3600)
            queue_s = time.perf_counter() - start
            total = stats.seconds + queue_s
            result["pipeline"] = {
                "ingest_s": stats.seconds,
                "queue_drain_s": queue_s,
                "drained": drained,
                "seconds": total,
                "plans_per_s": stats.plans / total,
                "mb_per_s": stats.bytes / 1e6 / total,
            }
            say(spec, f"ingest pipeline {stats.seconds:.1f} s, then the index queue {queue_s:.1f} s")
    if stats is None:
        docs = read_corpus(spec["corpus"])
        source = docs if spec["real"] else synthesize(docs, spec["size"], seed=spec["seed"])
        stats = bulk_load(source)
    say(
        spec,
        f"loaded {stats.plans} plans, {stats.bytes / 1e6:.1f} MB in {stats.seconds:.1f} s ({stats.path})",
    )
    result["load"] = stats.as_dict()
    try:
        if spec.get("skip_index"):
            raise ImportError("skipped (--relations-only --no-index)")
        if stats.plans <= spec.get("single_process_max_plans", 0):
            # the same rebuild in one process first, for the ratio of the parallel one to it
            result["index_single_process"] = timed_rebuild(procs=1)
            say(
                spec, f"rebuilt our index in one process in {result['index_single_process']['seconds']:.1f} s"
            )
        result["index"] = timed_rebuild()
        say(
            spec,
            f"rebuilt our index with {result['index']['procs']} processes in {result['index']['seconds']:.1f} s",
        )
    except ImportError as exc:
        result["index"] = {"error": f"engine not available: {exc}"}
    plans, size = dump_plans(Path(spec["dump"]))
    result["dump"] = {"plans": plans, "bytes": size}
    for key in ("index", "index_single_process"):
        if "seconds" in result.get(key, {}):
            result[key]["mb_per_s"] = size / 1e6 / result[key]["seconds"]
            result[key]["plans_per_s"] = plans / result[key]["seconds"]


def task_rebuild(spec: dict, result: dict) -> None:
    """Rebuild the configured engine's index from a database that is already loaded (bench --engines)."""
    result["index"] = timed_rebuild()
    for key in ("mb_per_s", "plans_per_s"):
        per = spec["dump_bytes"] / 1e6 if key == "mb_per_s" else spec["dump_plans"]
        result["index"][key] = per / result["index"]["seconds"]
    say(spec, f"rebuilt the {result['index']['engine']} index in {result['index']['seconds']:.1f} s")


def task_dump(spec: dict, result: dict) -> None:
    """Dump the plans of a database that is already loaded and indexed (a work folder kept with --keep)."""
    plans, size = dump_plans(Path(spec["dump"]))
    result["dump"] = {"plans": plans, "bytes": size}


def task_repair(spec: dict, result: dict) -> None:
    """Index what a kept database has but its index lacks, with the engine's own `check_index(fix=True)`."""
    from plans.search import check_index

    start = time.perf_counter()
    report = check_index(fix=True)
    result["repair"] = {"seconds": time.perf_counter() - start, "report": str(report)[:500]}
    say(spec, f"check_index(fix=True) in {result['repair']['seconds']:.1f} s")


def task_load_dump(spec: dict, result: dict) -> None:
    """Create the schema and write the dumped plans with the bulk path (a peer's database)."""
    call_command("migrate", verbosity=0)
    stats = bulk_load(read_dump(Path(spec["dump"])), outline=False)  # the peers read plans only
    result["load_dump"] = stats.as_dict()
    say(spec, f"loaded the dump: {stats.plans} plans in {stats.seconds:.1f} s")


def _measure(spec: dict, result: dict, system, *, quality: bool = True) -> None:
    timing = time_mix(system, QUERY_MIX, budget_s=spec["budget_s"], max_rounds=spec["max_rounds"])
    entry = {"timing": timing}
    if quality:
        entry["quality"] = measure_quality(system, QUERY_MIX, load_truth(spec))
    result["systems"][system.name] = entry
    lat = timing["latency_ms"]
    say(
        spec,
        f"{system.name}: p50 {lat.get('p50', 0):.1f} ms, p95 {lat.get('p95', 0):.1f} ms, errors {timing['error_count']}",
    )


def task_engine(spec: dict, result: dict) -> None:
    """Our engine at the search API, then at the rendered results page."""
    from plans.benchmark.systems import (
        EngineAPI,
        EngineAPIUncached,
        ResultsJSON,
        ResultsJSONUncached,
        ResultsPage,
        ResultsPageUncached,
    )

    try:
        api = EngineAPI()
    except ImportError as exc:
        result["systems"]["engine-api"] = {"error": f"engine not available: {exc}"}
        return
    _measure(spec, result, api)
    if spec.get("profile", True):
        from plans.benchmark.profile import profile_call
        from plans.models import Plan
        from plans.search import index_plans

        result["profile"] = {"search": profile_call(lambda: [api.run(query) for query in QUERY_MIX])}
        sample = list(Plan.objects.order_by("id").values_list("id", flat=True)[:20])
        result["profile"]["index_20_plans"] = profile_call(lambda: index_plans(sample))
        say(spec, "profiled one round of the mix and the indexing of 20 plans")
    _measure(spec, result, EngineAPIUncached(), quality=False)
    call_command("collectstatic", interactive=False, verbosity=0)
    for system in (ResultsPage(), ResultsPageUncached(), ResultsJSON(), ResultsJSONUncached()):
        _measure(spec, result, system, quality=False)


def syntax_ratios(timing: dict) -> dict:
    """p95 of each form of the syntax mix over the p95 of plain AND of the same pairs (issue 13: at most 2)."""
    p95 = timing.get("p95_by_kind_ms", {})
    base = p95.get("and")
    return {kind: value / base for kind, value in p95.items() if base and kind != "and"}


def task_syntax(spec: dict, result: dict) -> None:
    """OR and proximity beside plain AND of the same terms at the search API, repeated and first-time, with
    recall and precision against the expression truth (plans.benchmark.truth.expression_truth)."""
    from plans.benchmark.systems import EngineAPI, EngineAPIUncached

    raw = json.loads(Path(spec["syntax_truth"]).read_text())
    truth = {SYNTAX_MIX[int(index)]: set(ids) for index, ids in raw.items()}
    report: dict = {"pairs": [list(pair) for pair in SYNTAX_PAIRS], "systems": {}}
    for system in (EngineAPI(), EngineAPIUncached()):
        timing = time_mix(system, SYNTAX_MIX, budget_s=spec["budget_s"], max_rounds=spec["max_rounds"])
        report["systems"][system.name] = {"timing": timing, "p95_over_and_p95": syntax_ratios(timing)}
        ratios = ", ".join(f"{k} {v:.2f}" for k, v in syntax_ratios(timing).items())
        say(spec, f"syntax on {system.name}: p95 over AND's p95: {ratios}")
    report["quality"] = measure_quality(EngineAPI(), SYNTAX_MIX, truth)
    result["syntax"] = report


def task_analysis(spec: dict, result: dict) -> None:
    """/trends/ and /kwic/ pages (plans.benchmark.analysis), first-time and repeated."""
    from plans.benchmark.analysis import measure_analysis

    call_command("collectstatic", interactive=False, verbosity=0)
    result["analysis"] = figures = measure_analysis()
    for case, stats in figures["cases"].items():
        say(
            spec,
            f"{case}: repeated p95 {stats['repeated'].get('p95', 0):.1f} ms, first p95 {stats['first'].get('p95', 0):.1f} ms",
        )
    for run in figures["csv"]:
        say(spec, f"kwic csv q={run['q']} ({run['run']}): {run['lines']} lines in {run['seconds']:.2f} s")


def task_icontains(spec: dict, result: dict) -> None:
    from plans.benchmark.peers.icontains import IcontainsPeer

    # icontains is a substring test, the truth's own definition (recall 1.000 wherever measured); above
    # --peer-quality-max-plans its quality pass (two more scans of every plan per query) is skipped for time.
    quality = spec["size"] <= spec.get("peer_quality_max_plans", 10**9)
    if not quality:
        result["notes"].append(
            f"icontains ({connection.vendor}): recall/precision not measured above {spec['peer_quality_max_plans']} plans"
        )
    _measure(spec, result, IcontainsPeer(connection.vendor), quality=quality)


def task_haystack(spec: dict, result: dict) -> None:
    """Build the default recipe's index with haystack's update_index, then measure it."""
    from plans.benchmark.peers.haystack_whoosh import HaystackWhooshPeer

    index_dir = Path(spec["work"]) / "haystack-peer-index"
    peer = HaystackWhooshPeer(index_dir)
    start = time.perf_counter()
    peer.build()
    seconds = time.perf_counter() - start
    size = spec["dump_bytes"]
    result["haystack_index"] = {
        "seconds": seconds,
        "mb_per_s": size / 1e6 / seconds,
        "plans_per_s": spec["dump_plans"] / seconds,
        "index_bytes": directory_bytes(index_dir),
    }
    say(spec, f"haystack peer indexed in {seconds:.1f} s ({size / 1e6 / seconds:.2f} MB/s)")
    _measure(spec, result, peer)


def task_gunicorn(spec: dict, result: dict) -> None:
    """RSS of one warmed gunicorn worker; then, if asked, the 16-client load test against 2 workers."""
    from plans.benchmark.http import Gunicorn, fetch, load_test, page_path, rss_mb

    call_command("collectstatic", interactive=False, verbosity=0)
    env = dict(os.environ)
    with Gunicorn(spec["port"], workers=1, env=env) as server:
        result["first_requests"] = first_request_timings(server.url, QUERY_MIX)
        statuses = [fetch(server.url + page_path(query)) for query in QUERY_MIX for _ in range(2)]
        pids = server.worker_pids()
        result["gunicorn"] = {
            "workers": 1,
            "warm_requests": len(statuses),
            "warm_errors": sum(1 for status in statuses if status != 200),
            "worker_rss_mb": max((rss_mb(pid) for pid in pids), default=None),
            "master_rss_mb": rss_mb(server.process.pid),
        }
    say(spec, f"gunicorn worker RSS {result['gunicorn']['worker_rss_mb']} MB")
    if spec.get("loadtest"):
        with Gunicorn(spec["port"], workers=2, env=env) as server:
            result["loadtest"] = load_test(
                server.url, QUERY_MIX, clients=16, max_requests=spec["loadtest_requests"], max_seconds=60
            )
        lt = result["loadtest"]
        say(spec, f"load test: {lt['requests_per_s']:.1f} req/s, errors {lt['error_count']}")


def first_request_timings(base_url: str, queries, repeats: int = 5) -> dict:
    """A just-started worker (warmed by post_worker_init): its very first search request, then the same
    request again (median of `repeats`), for the JSON and for the HTML page."""
    from plans.benchmark.http import fetch, page_path

    def timed(url: str) -> float:
        started = time.perf_counter()
        status = fetch(url)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        return (time.perf_counter() - started) * 1000

    out = {}
    for label, query, suffix in (("json", queries[3], "&format=json"), ("html", queries[4], "")):
        url = base_url + page_path(query) + suffix
        first = timed(url)
        again = sorted(timed(url) for _ in range(repeats))[repeats // 2]
        out[label] = {"query": query.q, "first_ms": first, "warm_ms": again, "ratio": first / again}
    return out


def task_freshness(spec: dict, result: dict) -> None:
    """Save a new plan the way staff do (the ingest API) and poll the search API until it is found."""
    from plans.search import SearchParams, search

    token = "蘅芜苑潇湘馆" + "".join(random.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(4))
    text = f"{token}科技创新工作计划\n\n一、总体要求\n\n{token}，测量新保存的文件多久可以被检索到。\n"
    start = time.perf_counter()
    try:
        from plans.ingest import ingest_bytes

        ingest_bytes(text.encode(), f"{token}.txt")
        path = "ingest_bytes"
    except ImportError:  # no ingest pipeline in this tree: a plain model save, which the index must follow
        import hashlib

        from plans.models import Plan

        Plan.objects.create(
            title=f"{token}科技创新工作计划", text=text, checksum=hashlib.sha256(text.encode()).hexdigest()
        )
        path = "Plan.objects.create"
    saved = time.perf_counter() - start
    found_after = None
    while time.perf_counter() - start < FRESHNESS_TIMEOUT_S:
        if search(SearchParams(q=token, with_facets=False, with_snippets=False)).count:
            found_after = time.perf_counter() - start
            break
        time.sleep(0.02)
    result["freshness"] = {"path": path, "save_s": saved, "searchable_after_s": found_after}
    say(spec, f"new plan searchable after {found_after} s")


def task_relations(spec: dict, result: dict) -> None:
    """Relations (issue 16): full rebuild, plan page with relations, one plan ingested (plans.benchmark.relations)."""
    from plans.benchmark.relations import task_relations as run

    run(spec, result, say)


TASKS = {
    "load": task_load,
    "dump": task_dump,
    "rebuild": task_rebuild,
    "repair": task_repair,
    "load_dump": task_load_dump,
    "engine": task_engine,
    "syntax": task_syntax,
    "analysis": task_analysis,
    "icontains": task_icontains,
    "haystack": task_haystack,
    "gunicorn": task_gunicorn,
    "freshness": task_freshness,
    "relations": task_relations,
}


def run_worker(spec_path: Path) -> None:
    """Run the tasks of a spec file in order; a failing task is recorded and the next one still runs."""
    from config.startup import tune_gc

    spec = json.loads(Path(spec_path).read_text())
    result: dict = {"notes": [], "systems": {}, "errors": {}}
    tune_gc()  # the pages are timed in this process: collected as a gunicorn worker's are
    for task in spec["tasks"]:
        try:
            TASKS[task](spec, result)
        except Exception as exc:
            result["errors"][task] = f"{type(exc).__name__}: {exc}"
            say(spec, f"task {task} failed: {exc}\n{traceback.format_exc()}")
        Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
