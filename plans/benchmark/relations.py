"""The relations benchmark (issue 16): full rebuild, the plan page with its relations, one plan ingested.

Runs in a benchmark child process on a loaded database (worker task "relations"):
  - rebuild: plans.relations.services.rebuild_relations() over every plan, timed, with row counts and the
    process's peak memory (the rebuild is the child's first heavy step, so the peak is the rebuild's);
  - plan page: GET /plans/<id>/ through Django's test client for a seeded sample of plans, first visit and
    repeated, the page's JSON first and repeated, and beside them the relation part alone
    (plans.relations.selectors) and the related plans from the search engine alone;
  - ingest: new plans made from stored ones (one sentence dropped, one added, so each is new and shares most
    passages with its source) through plans.ingest.ingest_bytes, which computes their relations in the same
    transaction; and update_plan_relations alone on each.
"""

from __future__ import annotations

import random
import resource
import time

from django.test import Client

from plans.benchmark.stats import summarize

PAGE_SAMPLE = 200
INGEST_SAMPLE = 8


def _timed_pages(client: Client, ids: list[int], suffix: str = "") -> dict:
    times = []
    for pk in ids:
        start = time.perf_counter()
        response = client.get(f"/plans/{pk}/{suffix}")
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET /plans/{pk}/{suffix} answered {response.status_code}")
    return summarize(times)


def _relation_part(ids: list[int]) -> dict:
    from plans.models import Plan
    from plans.relations import selectors

    times = []
    for pk in ids:
        plan = Plan.objects.get(pk=pk)
        start = time.perf_counter()
        selectors.previous_year_plan(plan)
        selectors.cites(plan)
        selectors.cited_by(plan)
        selectors.plan_reuse(plan)
        times.append((time.perf_counter() - start) * 1000)
    return summarize(times)


def _related_part(ids: list[int]) -> dict:
    """The related plans of the page (the search engine's part), each plan's first asking in this generation."""
    from plans import search
    from plans.models import Plan

    search.clear_term_cache()
    times = []
    for pk in ids:
        plan = Plan.objects.select_related("region").get(pk=pk)
        start = time.perf_counter()
        search.related_plans(plan, limit=5)
        times.append((time.perf_counter() - start) * 1000)
    return summarize(times)


def _new_texts(rng: random.Random, count: int) -> list[tuple[str, str | None, int | None, str]]:
    """(text, region, year, name): stored plans with their third sentence dropped and a new one added."""
    from plans.models import Plan
    from plans.relations.text import sentences

    ids = list(Plan.objects.values_list("pk", flat=True))
    made = []
    for pk in rng.sample(ids, min(count, len(ids))):
        plan = Plan.objects.select_related("region").get(pk=pk)
        body = sentences(plan.text)
        if len(body) < 4:
            continue
        gone = body[2]
        token = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(12))
        added = f"基准测试新增的句子{token}，用于衡量导入一份文件并计算其关系所需的时间。"
        text = plan.text[: gone.start] + added + plan.text[gone.end :]
        made.append((text, plan.region.name if plan.region_id else None, plan.year, f"bench-{token}.txt"))
    return made


def task_relations(spec: dict, result: dict, say) -> None:
    """Rebuild every relation, then time plan pages and the ingest of single plans."""
    from django.core.management import call_command

    from plans.ingest import Overrides, ingest_bytes
    from plans.models import Plan
    from plans.relations.services import rebuild_relations, update_plan_relations
    from plans.search import clear_term_cache

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages link hashed static files
    entry: dict = {}
    result["relations"] = entry
    report = rebuild_relations()
    entry["rebuild"] = {
        "seconds": report.seconds,
        "plans": report.plans,
        "passages": report.passages,
        "groups": report.groups,
        "documents": report.documents,
        "citations": report.citations,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    say(
        spec,
        f"relations rebuilt in {report.seconds:.1f} s: {report.passages} passages, {report.groups} groups",
    )

    rng = random.Random(spec.get("seed", 1))
    ids = list(Plan.objects.values_list("pk", flat=True))
    sample = rng.sample(ids, min(PAGE_SAMPLE, len(ids)))
    # Related plans are remembered per index generation: the snapshot's memo is emptied before they are timed
    # alone and again before the first visits, so that both are first askings.
    entry["related_part_ms"] = _related_part(sample)
    clear_term_cache()
    client = Client(HTTP_HOST="127.0.0.1")
    entry["plan_page_first_ms"] = _timed_pages(client, sample)
    entry["plan_page_repeated_ms"] = _timed_pages(client, sample)
    entry["plan_json_ms"] = _timed_pages(client, sample, "?format=json")
    entry["plan_json_repeated_ms"] = _timed_pages(client, sample, "?format=json")
    entry["relation_part_ms"] = _relation_part(sample)
    say(
        spec,
        f"plan page p50 {entry['plan_page_first_ms']['p50']:.1f} ms, p95 {entry['plan_page_first_ms']['p95']:.1f} ms"
        f" (relations alone p95 {entry['relation_part_ms']['p95']:.1f} ms)",
    )

    ingest_s, relations_s = [], []
    for text, region, year, name in _new_texts(rng, INGEST_SAMPLE):
        level = "national" if region == "全国" else "provincial"
        start = time.perf_counter()
        outcome = ingest_bytes(
            text.encode("utf-8"), name, overrides=Overrides(region=region, year=year, level=level)
        )
        ingest_s.append(time.perf_counter() - start)
        if outcome.plan is None:
            raise RuntimeError(f"ingest of {name} failed: {outcome.reason}")
        start = time.perf_counter()
        update_plan_relations(plan=outcome.plan)
        relations_s.append(time.perf_counter() - start)
    entry["ingest_one_plan_s"] = summarize(ingest_s)
    entry["relations_of_one_plan_s"] = summarize(relations_s)
    say(
        spec,
        f"ingest of one plan with relations: median {entry['ingest_one_plan_s']['p50']:.2f} s,"
        f" max {entry['ingest_one_plan_s']['max']:.2f} s",
    )
