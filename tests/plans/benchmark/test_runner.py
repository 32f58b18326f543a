"""Ratios and the printed table, from a result record built here."""

import pytest

from plans.benchmark.runner import add_ratios, format_report, pg_url_for


def _timing(p50, p95):
    return {"latency_ms": {"n": 10, "p50": p50, "p95": p95, "p99": p95}, "error_count": 0}


@pytest.fixture
def record():
    return {
        "size": 704,
        "corpus": "real",
        "engine_db": "postgresql",
        "load_average_at_start": (1.0, 1.0, 1.0),
        "load": {"path": "ingest", "plans_per_s": 2.0, "mb_per_s": 0.1},
        "index": {"plans_per_s": 20.0, "mb_per_s": 1.0, "index_bytes": 5e6},
        "jieba": {"mb_per_s": 0.5},
        "haystack_index": {"mb_per_s": 0.2, "index_bytes": 2e6},
        "systems": {
            "engine-api": {"timing": _timing(10, 20), "quality": {"mean_recall": 1.0, "min_recall": 1.0}},
            "icontains-sqlite": {"timing": _timing(150, 400)},
            "broken": {"error": "engine not available"},
        },
        "errors": {},
    }


def test_ratios(record):
    add_ratios(record)
    ratios = record["ratios"]
    assert ratios["icontains-sqlite_p95_over_engine_p95"] == 20
    assert ratios["index_mb_s_over_jieba_mb_s"] == 2
    assert ratios["index_mb_s_over_haystack_mb_s"] == 5
    assert ratios["load_mb_s_over_jieba_mb_s"] == pytest.approx(0.2)


def test_table_lists_every_system_with_its_ratio(record):
    text = format_report(
        {"machine": {"nproc": 2, "memory_gb": 23.5, "cpu": "x"}, "date": "d", "sizes": [record]}
    )
    lines = text.splitlines()
    [icontains] = [line for line in lines if line.startswith("icontains-sqlite")]
    assert "400.0" in icontains and icontains.rstrip().endswith("20.0")
    assert any(line.startswith("broken") and "engine not available" in line for line in lines)
    assert "== 704 plans (real)" in text


def test_pg_url_for_a_size():
    assert pg_url_for("postgres://u@127.0.0.1:5432/ps_perf_bench", 10000) == (
        "postgres://u@127.0.0.1:5432/ps_perf_bench_10000"
    )


def test_parallel_rebuild_is_compared_with_the_single_process_one(record):
    record["index"]["procs"] = 2
    record["index_single_process"] = {"mb_per_s": 0.5, "procs": 1}
    add_ratios(record)
    assert record["ratios"]["index_mb_s_over_single_process_mb_s"] == 2
    assert record["ratios"]["single_process_mb_s_over_haystack_mb_s"] == pytest.approx(2.5)
    text = format_report(
        {"machine": {"nproc": 2, "memory_gb": 23.5, "cpu": "x"}, "date": "d", "sizes": [record]}
    )
    assert "rebuild (2 processes)" in text and "in one process 0.50 MB/s" in text


def test_markdown_tables_carry_every_system_and_ratio(record):
    from plans.benchmark.markdown import markdown_report

    record["index"]["procs"] = 2
    record["dump"] = {"bytes": 33_700_000, "plans": 704}
    text = markdown_report(
        {"machine": {"nproc": 2, "memory_gb": 23.5, "cpu": "x"}, "date": "d", "sizes": [record]}
    )
    assert "#### 704 plans (real, 33.7 MB of text)" in text
    [icontains] = [line for line in text.splitlines() if line.startswith("| icontains-sqlite")]
    assert "| 400 |" in icontains and icontains.endswith("| 20.0× |")
    assert "| our `rebuild_index()`, 2 processes |" in text and "| broken | engine not available |" in text
    assert "- our index on disk: 5 MB (0.1 × the text)" in text


def test_each_engine_gets_its_own_search_url_and_index_folder(tmp_path):
    from plans.benchmark.runner import BenchConfig, child_env

    config = BenchConfig(
        corpus=tmp_path, sizes=[704], out=tmp_path / "out.json", engines=("tantivy", "whoosh")
    )
    env = child_env(config, tmp_path, "sqlite:///x", "engine", "tantivy")
    assert env["SEARCH_URL"] == f"tantivy://{tmp_path / 'index-engine-tantivy'}"
    assert "SEARCH_URL" not in child_env(config, tmp_path, "sqlite:///x", "peer")


def test_engines_table_puts_the_engines_side_by_side(record):
    from plans.benchmark.markdown import engines_table
    from plans.benchmark.runner import _engine_figures

    record["dump"] = {"bytes": 2e6}
    record["engine"] = "whoosh"
    record["freshness"] = {"searchable_after_s": 0.1}
    whoosh = _engine_figures(record, "engine")
    tantivy = _engine_figures(
        {
            "index": {"mb_per_s": 4.0, "seconds": 10, "procs": 2, "index_bytes": 3e6},
            "systems": {"tantivy-api": {"timing": _timing(2, 5)}, "tantivy-page": {"timing": _timing(9, 30)}},
            "freshness": {"searchable_after_s": 0.4},
        },
        "tantivy",
    )
    assert tantivy["systems"]["api"]["p95"] == 5 and whoosh["systems"]["api"]["p95"] == 20
    record["engines"] = {"whoosh": whoosh, "tantivy": tantivy}
    table = "\n".join(engines_table(record))
    assert "| whoosh (loaded with) | 1.00 |" in table
    assert "| tantivy | 4.00 | 10 s, 2 proc. | 1.50 |" in table
    assert "2.0 / 5.0" in table and "0.40" in table
