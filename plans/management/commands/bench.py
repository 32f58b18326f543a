"""`python manage.py bench --corpus PATH`: measure our engine beside the peers at several corpus sizes.

See plans/benchmark/runner.py for the steps and docs/performance.md for how to read the figures.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.benchmark.runner import (
    ALL_PEERS,
    ENGINES,
    SKIPPABLE,
    BenchConfig,
    format_report,
    run_benchmark,
)


def _sizes(raw: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--sizes must be integers separated by commas, not {raw!r}") from exc
    if not sizes or min(sizes) < 1:
        raise CommandError("--sizes needs at least one positive size")
    return sizes


class Command(BaseCommand):
    help = "Benchmark ingest, indexing, search latency, recall, memory and freshness beside the peers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--corpus", type=Path, help="folder with MANIFEST.tsv (e.g. ../shared/corpus/gwr)"
        )
        parser.add_argument(
            "--sizes",
            default="",
            help="plan counts, e.g. 704,10000,100000; the real corpus's own count means the real plans "
            "(default: just the real corpus)",
        )
        parser.add_argument("--out", type=Path, default=Path("bench-results/bench.json"))
        parser.add_argument(
            "--peers",
            default=",".join(ALL_PEERS),
            help=f"comma-separated subset of {','.join(ALL_PEERS)} (empty: none)",
        )
        parser.add_argument("--engine-db", choices=["postgresql", "sqlite"], default="postgresql")
        parser.add_argument(
            "--engines",
            default="whoosh",
            help=f"comma-separated search engines to measure on the same database ({','.join(ENGINES)}); "
            "the first one is loaded with and reported as engine-*, the others as <engine>-*",
        )
        parser.add_argument(
            "--pg-url",
            default="postgres://postgres@127.0.0.1:5432/ps_perf_bench",
            help="PostgreSQL server and database name prefix (a fresh database <name>_<size> is created and dropped)",
        )
        parser.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic corpora")
        parser.add_argument(
            "--budget", type=float, default=60.0, help="seconds of timed searches per system and size"
        )
        parser.add_argument("--max-rounds", type=int, default=5, help="timed rounds of the query mix at most")
        parser.add_argument(
            "--haystack-max-plans",
            type=int,
            default=10_000,
            help="skip the haystack recipe above this size (it indexes at about 0.15 MB/s)",
        )
        parser.add_argument(
            "--single-process-max-plans",
            type=int,
            default=1_000,
            help="up to this size, also time the index rebuild in one process (the product uses one per core)",
        )
        parser.add_argument(
            "--real-load",
            choices=["ingest", "bulk"],
            default="ingest",
            help="how the real corpus is loaded: through the ingest pipeline (timed), or with the bulk path "
            "(quicker; search figures do not depend on it)",
        )
        parser.add_argument(
            "--peer-quality-max-plans",
            type=int,
            default=2_500,
            help="above this size, skip icontains' recall pass (a substring scan is the truth by definition)",
        )
        parser.add_argument(
            "--whoosh-max-plans",
            type=int,
            default=20_000,
            help="skip the Whoosh engine above this size (a rebuild of 100,000 plans spills ~200 GB of sort runs)",
        )
        parser.add_argument(
            "--peer-max-plans",
            type=int,
            default=20_000,
            help="skip the icontains peers above this size (every query scans every plan's text)",
        )
        parser.add_argument(
            "--skip",
            default="",
            help=f"comma-separated engine tasks to leave out ({','.join(SKIPPABLE)}), e.g. at 100,000 plans",
        )
        parser.add_argument("--port", type=int, default=8401, help="port on 127.0.0.1 for gunicorn")
        parser.add_argument("--no-loadtest", action="store_true", help="skip the 16-client load test")
        parser.add_argument("--loadtest-requests", type=int, default=800)
        parser.add_argument("--jieba-sample-mb", type=float, default=8.0)
        parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of our engine")
        parser.add_argument("--workdir", type=Path, help="work folder (default: a new temporary folder)")
        parser.add_argument("--keep", action="store_true", help="keep the work folder and databases")
        parser.add_argument(
            "--relations-only",
            action="store_true",
            help="load each size, then measure only the relations (rebuild, plan page, one plan ingested)",
        )
        parser.add_argument(
            "--no-index", action="store_true", help="with --relations-only: skip the search index build"
        )
        parser.add_argument(
            "--markdown", type=Path, help="print the Markdown tables of a finished run's JSON"
        )
        parser.add_argument("--worker", type=Path, help=argparse_suppress())

    def handle(self, *args, **options):
        if options["worker"]:
            from plans.benchmark.worker import run_worker

            run_worker(options["worker"])
            return
        if options["markdown"]:
            import json

            from plans.benchmark.markdown import markdown_report

            self.stdout.write(markdown_report(json.loads(options["markdown"].read_text())))
            return
        corpus = options["corpus"]
        if not corpus or not (corpus / "MANIFEST.tsv").is_file():
            raise CommandError("--corpus must name a folder with MANIFEST.tsv (e.g. ../shared/corpus/gwr)")
        from plans.benchmark.corpus import read_manifest

        sizes = _sizes(options["sizes"]) if options["sizes"] else [len(read_manifest(corpus))]
        peers = tuple(p.strip() for p in options["peers"].split(",") if p.strip())
        engines = tuple(e.strip() for e in options["engines"].split(",") if e.strip())
        if not engines or set(engines) - set(ENGINES) or len(set(engines)) != len(engines):
            raise CommandError(f"--engines takes distinct names from {', '.join(ENGINES)}")
        skip = tuple(t.strip() for t in options["skip"].split(",") if t.strip())
        if set(skip) - set(SKIPPABLE):
            raise CommandError(f"--skip takes names from {', '.join(SKIPPABLE)}")
        unknown = set(peers) - set(ALL_PEERS)
        if unknown:
            raise CommandError(f"unknown peers: {', '.join(sorted(unknown))} (known: {', '.join(ALL_PEERS)})")
        if not 8400 <= options["port"] <= 8499:
            self.stderr.write(
                f"note: port {options['port']} is outside this project's benchmark range 8400-8499"
            )
        config = BenchConfig(
            corpus=corpus.resolve(),
            sizes=sizes,
            out=options["out"],
            peers=peers,
            engine_db=options["engine_db"],
            engines=engines,
            pg_url=options["pg_url"],
            seed=options["seed"],
            budget_s=options["budget"],
            max_rounds=options["max_rounds"],
            haystack_max_plans=options["haystack_max_plans"],
            single_process_max_plans=options["single_process_max_plans"],
            real_load=options["real_load"],
            peer_quality_max_plans=options["peer_quality_max_plans"],
            whoosh_max_plans=options["whoosh_max_plans"],
            peer_max_plans=options["peer_max_plans"],
            skip=skip,
            port=options["port"],
            loadtest=not options["no_loadtest"],
            loadtest_requests=options["loadtest_requests"],
            jieba_sample_mb=options["jieba_sample_mb"],
            profile=not options["no_profile"],
            workdir=options["workdir"],
            keep=options["keep"],
            relations_only=options["relations_only"],
            skip_index=options["no_index"],
        )
        report = run_benchmark(config)
        self.stdout.write(format_report(report))
        self.stdout.write(f"\nJSON: {config.out}")


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
