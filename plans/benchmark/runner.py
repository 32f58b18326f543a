"""The benchmark run: for each corpus size, load, index and measure our engine and the peers on the same data.

Each size gets a fresh work folder (SQLite file, index folders, dump) and a fresh PostgreSQL database; the steps
run in child processes (plans.benchmark.worker) whose settings point there. Order per size:
  1. engine database: migrate, load (ingest for the real corpus, bulk for synthetic), rebuild our index, dump.
  2. here: the substring truth and jieba's bare tokenization speed, from the dump.
  3. engine database: our engine (API, page), icontains on that database, gunicorn memory, load test, freshness.
  4. the other database: the dump loaded in bulk, icontains on it, the haystack + Whoosh + jieba recipe.
Results are written to the JSON file after every size, so a long run that is stopped keeps what it measured.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from plans.benchmark.corpus import read_manifest
from plans.benchmark.load import read_dump
from plans.benchmark.queries import QUERY_MIX, SYNTAX_MIX
from plans.benchmark.truth import expression_truth, substring_truth

ALL_PEERS = ("icontains-sqlite", "icontains-postgresql", "haystack")
ENGINES = ("whoosh", "tantivy")  # SEARCH_URL schemes the bench can point our search package at
SKIPPABLE = ("syntax", "analysis", "relations", "gunicorn", "freshness")  # engine tasks --skip may leave out


@dataclass
class BenchConfig:
    corpus: Path
    sizes: list[int]
    out: Path
    peers: tuple[str, ...] = ALL_PEERS
    engine_db: str = "postgresql"
    engines: tuple[str, ...] = ("whoosh",)
    pg_url: str = "postgres://postgres@127.0.0.1:5432/ps_perf_bench"
    seed: int = 20261122
    budget_s: float = 60.0
    max_rounds: int = 5
    haystack_max_plans: int = 10_000
    single_process_max_plans: int = 1_000
    real_load: str = (
        "ingest"  # "bulk": the real corpus written with the bulk path (no ingest pipeline timing)
    )
    peer_quality_max_plans: int = 2_500
    whoosh_max_plans: int = 20_000  # above it the Whoosh engine is not built (its sort runs outgrow the disk)
    peer_max_plans: int = 20_000  # above it the icontains peers are not run (a full scan per query)
    skip: tuple[str, ...] = ()  # engine tasks left out (SKIPPABLE)
    port: int = 8401
    loadtest: bool = True
    loadtest_requests: int = 800
    jieba_sample_mb: float = 8.0
    profile: bool = True
    workdir: Path | None = None
    keep: bool = False
    relations_only: bool = False  # load, then only the relations task (issue 16)
    skip_index: bool = False  # with relations_only: do not build the search index (related plans then empty)
    manage_py: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2] / "manage.py")


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    """The machine the figures were measured on."""
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


# -- PostgreSQL databases for a size ------------------------------------------------------------------------------


def _pg_admin(pg_url: str):
    import psycopg2

    parts = urlsplit(pg_url)
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    return admin, parts.path.strip("/")


def recreate_pg(pg_url: str) -> None:
    admin, name = _pg_admin(pg_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def drop_pg(pg_url: str) -> None:
    admin, name = _pg_admin(pg_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def pg_url_for(base: str, size: int) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{size}"))


# -- child processes ---------------------------------------------------------------------------------------------


def child_env(config: BenchConfig, size_dir: Path, db_url: str, tag: str, engine: str | None = None) -> dict:
    env = dict(os.environ)
    env.pop("SEARCH_URL", None)  # SEARCH_INDEX_DIR below must decide where the index is
    if engine is not None:
        env["SEARCH_URL"] = f"{engine}://{size_dir / f'index-{tag}-{engine}'}"
    env.update(
        DATABASE_URL=db_url,
        SEARCH_INDEX_DIR=str(size_dir / f"index-{tag}"),
        DATA_DIR=str(size_dir / f"data-{tag}"),
        JIEBA_CACHE_DIR=str(size_dir.parent / "jieba-cache"),
        STATIC_ROOT=str(size_dir.parent / "static"),
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY", secrets.token_urlsafe(40)),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_child(config: BenchConfig, spec: dict, env: dict) -> dict:
    """Run `manage.py bench --worker` with `spec`; return what it wrote (with the exit status)."""
    work = Path(spec["work"])
    name = f"{spec['db']}-{'-'.join(spec['tasks'])}"
    spec = {**spec, "result": str(work / f"result-{name}.json")}
    spec_path = work / f"spec-{name}.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False))
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, str(config.manage_py), "bench", "--worker", str(spec_path)],
        env=env,
        cwd=config.manage_py.parent,
        check=False,
    )
    result_path = Path(spec["result"])
    result = json.loads(result_path.read_text()) if result_path.exists() else {"errors": {}, "systems": {}}
    result["exit_status"] = process.returncode
    result["wall_s"] = time.perf_counter() - started
    if process.returncode:
        result.setdefault("errors", {})["process"] = f"worker exited with {process.returncode}"
    return result


# -- one size ------------------------------------------------------------------------------------------------------


def run_size(config: BenchConfig, size: int, real_count: int, workdir: Path) -> dict:
    size_dir = workdir / f"size-{size}"
    size_dir.mkdir(parents=True, exist_ok=True)
    real = size == real_count
    dump = size_dir / "plans.jsonl"
    pg_url = pg_url_for(config.pg_url, size)
    sqlite_url = f"sqlite:///{size_dir / 'bench.sqlite3'}"
    urls = {"postgresql": pg_url, "sqlite": sqlite_url}
    other_db = "sqlite" if config.engine_db == "postgresql" else "postgresql"
    if "postgresql" in (config.engine_db, other_db):
        recreate_pg(pg_url)
    record: dict = {
        "size": size,
        "corpus": "real" if real else f"synthetic (seed {config.seed})",
        "engine_db": config.engine_db,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
        "systems": {},
        "errors": {},
    }
    base_spec = {
        "size": size,
        "real": real,
        "corpus": str(config.corpus),
        "seed": config.seed,
        "dump": str(dump),
        "truth": str(size_dir / "truth.json"),
        "syntax_truth": str(size_dir / "syntax-truth.json"),
        "work": str(size_dir),
        "budget_s": config.budget_s,
        "max_rounds": config.max_rounds,
        "port": config.port,
        "loadtest": config.loadtest,
        "loadtest_requests": config.loadtest_requests,
        "profile": config.profile,
        "single_process_max_plans": config.single_process_max_plans,
        "real_load": config.real_load,
        "peer_quality_max_plans": config.peer_quality_max_plans,
        "skip_index": config.relations_only and config.skip_index,
    }

    engines = [e for e in config.engines if not (e == "whoosh" and size > config.whoosh_max_plans)]
    if len(engines) < len(config.engines):
        record.setdefault("notes", []).append(
            f"whoosh engine not run: {size} plans > --whoosh-max-plans {config.whoosh_max_plans}"
        )
    if not engines:
        record["errors"]["engines"] = "no engine left to measure at this size"
        return record
    peers = config.peers
    if size > config.peer_max_plans and any(p.startswith("icontains") for p in peers):
        peers = tuple(p for p in peers if not p.startswith("icontains"))
        record.setdefault("notes", []).append(
            f"icontains peers not run: {size} plans > --peer-max-plans {config.peer_max_plans}"
        )

    # 1. load + index on the engine's database
    say(f"size {size}: loading into {config.engine_db}")
    first_engine = engines[0]
    record["engine"] = first_engine
    env_engine = child_env(config, size_dir, urls[config.engine_db], "engine", first_engine)
    loaded = run_child(config, {**base_spec, "db": config.engine_db, "tasks": ["load"]}, env_engine)
    _merge(record, loaded, "load")
    if not dump.exists():
        record["errors"]["load"] = loaded.get("errors")
        return record
    if config.relations_only:
        measured = run_child(
            config, {**base_spec, "db": config.engine_db, "tasks": ["relations"]}, env_engine
        )
        _merge(record, measured, "relations")
        if config.engine_db == "postgresql" and not config.keep:
            drop_pg(pg_url)
        if not config.keep:
            shutil.rmtree(size_dir, ignore_errors=True)
        record["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        return record

    # 2. truth and jieba, from the dump
    started = time.perf_counter()
    truth = substring_truth(read_dump(dump), QUERY_MIX)
    (size_dir / "truth.json").write_text(
        json.dumps({index: sorted(truth[query]) for index, query in enumerate(QUERY_MIX)})
    )
    syntax_truth = expression_truth(read_dump(dump), SYNTAX_MIX)
    (size_dir / "syntax-truth.json").write_text(
        json.dumps({index: sorted(syntax_truth[query]) for index, query in enumerate(SYNTAX_MIX)})
    )
    record["truth"] = {
        "seconds": time.perf_counter() - started,
        "counts": {query.label: len(truth[query]) for query in QUERY_MIX},
    }
    from plans.benchmark.peers.jieba_baseline import jieba_throughput

    record["jieba"] = jieba_throughput(read_dump(dump), sample_bytes=int(config.jieba_sample_mb * 1e6))
    say(f"size {size}: jieba tokenizes at {record['jieba']['mb_per_s']:.2f} MB/s")
    base_spec["dump_plans"] = loaded.get("dump", {}).get("plans", 0)
    base_spec["dump_bytes"] = loaded.get("dump", {}).get("bytes", 0)

    # 3. our engine and friends on the engine's database
    tasks = ["engine", "syntax", "analysis"]
    if f"icontains-{config.engine_db}" in peers:
        tasks.append("icontains")
    tasks += ["gunicorn", "freshness", "relations"]
    tasks = [task for task in tasks if task not in config.skip]
    measured = run_child(config, {**base_spec, "db": config.engine_db, "tasks": tasks}, env_engine)
    _merge(record, measured, "engine")
    record["engines"] = {first_engine: _engine_figures(record, "engine")}

    # 3b. every other engine on the same database: rebuilt from it, then the same measurements
    for engine in engines[1:]:
        say(f"size {size}: rebuilding and measuring {engine}")
        env_other_engine = child_env(config, size_dir, urls[config.engine_db], "engine", engine)
        tasks = [t for t in ("rebuild", "engine", "syntax", "gunicorn", "freshness") if t not in config.skip]
        child = run_child(
            config, {**base_spec, "db": config.engine_db, "tasks": tasks, "engine": engine}, env_other_engine
        )
        child["systems"] = {
            name.replace("engine-", f"{engine}-", 1): entry
            for name, entry in child.get("systems", {}).items()
        }
        record["systems"].update(child["systems"])
        _merge_syntax(record, child.get("syntax"), engine)
        record["errors"].update(
            {f"{engine}:{task}": error for task, error in child.get("errors", {}).items()}
        )
        record.setdefault("notes", []).extend(child.get("notes", []))
        record["engines"][engine] = _engine_figures(child, engine)

    # 4. the other database: icontains there, and the haystack recipe
    tasks = []
    if f"icontains-{other_db}" in peers:
        tasks.append("icontains")
    if "haystack" in peers:
        if size <= config.haystack_max_plans:
            tasks.append("haystack")
        else:
            record["notes"] = record.get("notes", []) + [
                f"haystack peer not run: {size} plans > --haystack-max-plans {config.haystack_max_plans}"
            ]
    if tasks:
        env_other = child_env(config, size_dir, urls[other_db], "peer")
        peers = run_child(config, {**base_spec, "db": other_db, "tasks": ["load_dump", *tasks]}, env_other)
        _merge(record, peers, "peers")

    if "postgresql" in (config.engine_db, other_db) and not config.keep:
        drop_pg(pg_url)
    if not config.keep:
        shutil.rmtree(size_dir, ignore_errors=True)
    record["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["load_average_at_end"] = os.getloadavg()
    add_ratios(record)
    return record


ENGINE_FIGURES = ("index", "index_single_process", "freshness", "gunicorn", "loadtest", "profile")


def _engine_figures(source: dict, prefix: str) -> dict:
    """One engine's figures of a size: its rebuild, index size, search systems, freshness and memory."""
    figures = {key: source[key] for key in ENGINE_FIGURES if key in source}
    figures["systems"] = {
        name.split("-", 1)[1]: entry.get("timing", {}).get("latency_ms", {})
        for name, entry in source.get("systems", {}).items()
        if name.startswith(f"{prefix}-")
    }
    return figures


def _merge(record: dict, child: dict, step: str) -> None:
    for key, value in child.items():
        if key == "systems":
            record["systems"].update(value)
        elif key == "errors":
            record["errors"].update({f"{step}:{task}": error for task, error in value.items()})
        elif key == "notes":
            record.setdefault("notes", []).extend(value)
        elif key in ("exit_status", "wall_s"):
            record.setdefault("steps", {})[step] = {
                "exit_status": child["exit_status"],
                "wall_s": child["wall_s"],
            }
        else:
            record[key] = value


def _merge_syntax(record: dict, syntax: dict | None, engine: str) -> None:
    """Another engine's syntax figures beside the first one's: its systems renamed <engine>-api(-uncached),
    its recall and precision under quality_by_engine."""
    if not syntax:
        return
    merged = record.setdefault("syntax", {"pairs": syntax.get("pairs", []), "systems": {}})
    for name, entry in syntax.get("systems", {}).items():
        merged.setdefault("systems", {})[name.replace("engine-", f"{engine}-", 1)] = entry
    merged.setdefault("quality_by_engine", {})[engine] = syntax.get("quality", {})


def add_ratios(record: dict) -> None:
    """Peer p95 / our p95 at the API, and our indexing MB/s over jieba's and over the haystack recipe's."""
    ours = record["systems"].get("engine-api", {}).get("timing", {}).get("latency_ms", {})
    ratios: dict = {}
    for name, entry in record["systems"].items():
        peer = entry.get("timing", {}).get("latency_ms", {})
        if ours.get("p95") and peer.get("p95"):
            ratios[f"{name}_p95_over_engine_p95"] = peer["p95"] / ours["p95"]
    index_mb_s = record.get("index", {}).get("mb_per_s")
    if index_mb_s and record.get("jieba", {}).get("mb_per_s"):
        ratios["index_mb_s_over_jieba_mb_s"] = index_mb_s / record["jieba"]["mb_per_s"]
    if index_mb_s and record.get("haystack_index", {}).get("mb_per_s"):
        ratios["index_mb_s_over_haystack_mb_s"] = index_mb_s / record["haystack_index"]["mb_per_s"]
    single_mb_s = record.get("index_single_process", {}).get("mb_per_s")
    if index_mb_s and single_mb_s:
        ratios["index_mb_s_over_single_process_mb_s"] = index_mb_s / single_mb_s
        if record.get("haystack_index", {}).get("mb_per_s"):
            ratios["single_process_mb_s_over_haystack_mb_s"] = (
                single_mb_s / record["haystack_index"]["mb_per_s"]
            )
    load = record.get("load", {})
    if load.get("mb_per_s") and record.get("jieba", {}).get("mb_per_s"):
        ratios["load_mb_s_over_jieba_mb_s"] = load["mb_per_s"] / record["jieba"]["mb_per_s"]
    record["ratios"] = ratios


# -- the whole run ---------------------------------------------------------------------------------------------------


def run_benchmark(config: BenchConfig) -> dict:
    real_count = len(read_manifest(config.corpus))
    workdir = config.workdir or Path(tempfile.mkdtemp(prefix="policy-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "corpus": str(config.corpus),
        "real_plans": real_count,
        "query_mix": [{"kind": query.kind, "query": query.label} for query in QUERY_MIX],
        "sizes": [],
    }
    config.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        for size in config.sizes:
            started = time.perf_counter()
            record = run_size(config, size, real_count, workdir)
            record["wall_s"] = time.perf_counter() - started
            report["sizes"].append(record)
            config.out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
            say(f"size {size} done in {record['wall_s']:.0f} s; results in {config.out}")
    finally:
        if not config.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


# -- the printed table ---------------------------------------------------------------------------------------------


def _fmt(value, pattern="{:.1f}") -> str:
    return "—" if value is None else pattern.format(value)


def syntax_lines(syntax: dict | None) -> list[str]:
    """The search-syntax table: p50 and p95 of each form, and p95 over plain AND's p95 (issue 13: <= 2)."""
    if not syntax:
        return []
    quality = syntax.get("quality", {})
    lines = [
        f"search syntax ({len(syntax.get('pairs', []))} pairs): recall {_fmt(quality.get('mean_recall'), '{:.3f}')},"
        f" min recall {_fmt(quality.get('min_recall'), '{:.3f}')}, precision {_fmt(quality.get('mean_precision'), '{:.3f}')}",
        f"{'system':<24}{'form':<11}{'p50 ms':>9}{'p95 ms':>9}{'p95 / AND p95':>15}",
    ]
    for name, entry in syntax.get("systems", {}).items():
        timing = entry["timing"]
        for kind, p95 in timing.get("p95_by_kind_ms", {}).items():
            ratio = entry["p95_over_and_p95"].get(kind)
            lines.append(
                f"{name:<24}{kind:<11}{_fmt(timing['p50_by_kind_ms'].get(kind)):>9}{_fmt(p95):>9}"
                f"{_fmt(ratio, '{:.2f}'):>15}"
            )
    return lines


def _relations_lines(relations: dict | None) -> list[str]:
    """The relations figures (issue 16) of one size, when its run measured them."""
    if not relations:
        return []
    rebuild = relations.get("rebuild", {})
    lines = [
        f"relations rebuild: {_fmt(rebuild.get('seconds'))} s for {rebuild.get('plans')} plans"
        f" ({rebuild.get('passages')} passages in {rebuild.get('groups')} groups,"
        f" {rebuild.get('documents')} cited documents, {rebuild.get('citations')} citations;"
        f" peak {_fmt(rebuild.get('max_rss_mb'))} MB RSS)"
    ]
    for key, label in (
        ("plan_page_first_ms", "plan page, first visit"),
        ("plan_page_repeated_ms", "plan page, repeated"),
        ("plan_json_ms", "plan JSON, first"),
        ("plan_json_repeated_ms", "plan JSON, repeated"),
        ("relation_part_ms", "its relations alone"),
        ("related_part_ms", "related plans alone"),
    ):
        if key in relations:
            stats = relations[key]
            lines.append(
                f"{label:<24} p50 {_fmt(stats.get('p50'))} ms, p95 {_fmt(stats.get('p95'))} ms (n {stats.get('n')})"
            )
    for key, label in (
        ("ingest_one_plan_s", "ingest of one plan"),
        ("relations_of_one_plan_s", "its relations alone"),
    ):
        if key in relations:
            stats = relations[key]
            lines.append(
                f"{label:<24} median {_fmt(stats.get('p50'), '{:.2f}')} s, max {_fmt(stats.get('max'), '{:.2f}')} s"
                f" (n {stats.get('n')})"
            )
    return lines


def format_report(report: dict) -> str:
    """The figures as plain-text tables (the JSON has everything)."""
    lines = [
        f"machine: {report['machine']['nproc']} cores, {report['machine']['memory_gb']} GB, {report['machine']['cpu']}",
        f"date: {report['date']}",
    ]
    for record in report["sizes"]:
        load = record.get("load", {})
        index = record.get("index", {})
        jieba = record.get("jieba", {})
        hay = record.get("haystack_index", {})
        lines += [
            "",
            f"== {record['size']} plans ({record['corpus']}), our engine on {record['engine_db']};"
            f" load average {record.get('load_average_at_start', ['?'])[0]:.1f} at start",
            f"load ({load.get('path')}): {_fmt(load.get('plans_per_s'))} plans/s, {_fmt(load.get('mb_per_s'), '{:.2f}')} MB/s"
            f"   our index rebuild ({index.get('procs', '?')} processes): {_fmt(index.get('plans_per_s'))} plans/s,"
            f" {_fmt(index.get('mb_per_s'), '{:.2f}')} MB/s, {_fmt((index.get('index_bytes') or 0) / 1e6)} MB on disk"
            + (
                f"; in one process {_fmt(single.get('mb_per_s'), '{:.2f}')} MB/s"
                if (single := record.get("index_single_process"))
                else ""
            ),
            f"jieba bare tokenization: {_fmt(jieba.get('mb_per_s'), '{:.2f}')} MB/s   haystack recipe index:"
            f" {_fmt(hay.get('mb_per_s'), '{:.2f}')} MB/s, {_fmt((hay.get('index_bytes') or 0) / 1e6)} MB on disk",
        ]
        pipeline = record.get("pipeline")
        if pipeline:
            lines.append(
                f"ingest pipeline incl. index queue: {pipeline['plans_per_s']:.2f} plans/s,"
                f" {pipeline['mb_per_s']:.3f} MB/s (ingest {pipeline['ingest_s']:.0f} s,"
                f" queue drained {pipeline['queue_drain_s']:.0f} s later)"
            )
        lines.append(
            f"{'system':<24}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'n':>5}{'recall':>8}{'min rec':>8}"
            f"{'prec':>7}{'p@10':>7}{'err':>5}{'p95 ×':>8}"
        )
        ours_p95 = record["systems"].get("engine-api", {}).get("timing", {}).get("latency_ms", {}).get("p95")
        for name, entry in record["systems"].items():
            if "error" in entry:
                lines.append(f"{name:<24}{entry['error']}")
                continue
            lat = entry["timing"]["latency_ms"]
            quality = entry.get("quality", {})
            ratio = lat.get("p95") / ours_p95 if ours_p95 and lat.get("p95") else None
            lines.append(
                f"{name:<24}{_fmt(lat.get('p50')):>9}{_fmt(lat.get('p95')):>9}{_fmt(lat.get('p99')):>9}"
                f"{lat.get('n', 0):>5}{_fmt(quality.get('mean_recall'), '{:.3f}'):>8}"
                f"{_fmt(quality.get('min_recall'), '{:.3f}'):>8}{_fmt(quality.get('mean_precision'), '{:.3f}'):>7}"
                f"{_fmt(quality.get('mean_p_at_10'), '{:.2f}'):>7}{entry['timing']['error_count']:>5}"
                f"{_fmt(ratio, '{:.1f}'):>8}"
            )
        lines += syntax_lines(record.get("syntax"))
        fresh = record.get("freshness", {})
        gun = record.get("gunicorn", {})
        lt = record.get("loadtest", {})
        lines.append(
            f"new plan searchable after {_fmt(fresh.get('searchable_after_s'), '{:.2f}')} s ({fresh.get('path')});"
            f" warmed gunicorn worker {_fmt(gun.get('worker_rss_mb'))} MB RSS"
        )
        if lt:
            lines.append(
                f"load test (16 clients, 2 workers): {lt['requests_per_s']:.1f} req/s,"
                f" p50 {_fmt(lt['latency_ms'].get('p50'))} ms, p95 {_fmt(lt['latency_ms'].get('p95'))} ms,"
                f" errors {lt['error_count']} of {lt['requests']}"
            )
        lines += _relations_lines(record.get("relations"))
        for what, profile in record.get("profile", {}).items():
            lines.append(f"profile of {what} ({profile['total_s']:.2f} s), own time:")
            lines += [f"  {row['own_pct']:5.1f}%  {row['function']}" for row in profile["by_own_time"][:8]]
        for key, error in record.get("errors", {}).items():
            lines.append(f"error in {key}: {str(error)[:200]}")
        for note in record.get("notes", []):
            lines.append(f"note: {note}")
    return "\n".join(lines)
