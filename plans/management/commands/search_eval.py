"""Measure the search engine on a corpus: indexing throughput, latency, recall and precision@10.

    python manage.py search_eval /path/to/gwr --load     # load MANIFEST.tsv plans into an EMPTY database first
    python manage.py search_eval /path/to/gwr            # evaluate the plans already in the database

The truth for a query is the plain substring test on the normalised title and text (every term contained).
The corpus is only read, never copied into the repository. Prints a table and writes --json.
"""

import csv
import hashlib
import json as jsonlib
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan, Region
from plans.search import SearchParams, rebuild_index, search
from plans.search.normalize import normalise

# 50 queries: 1, 2, 3-4, 5-8 characters, quoted phrases, two-term ANDs, traditional characters, Latin/digits.
QUERIES = [
    "税", "县", "碳", "芯", "网",
    "创新", "科技", "金融", "就业", "养老", "医保", "扶贫", "环保", "粮食", "住房",
    "孵化器", "新动能", "放管服", "双创", "专精特新", "型省份", "数字经济", "营商环境", "乡村振兴", "高新技术",
    "科技成果转化", "高新技术企业", "众创空间", "供给侧结构性改革", "创新驱动发展战略", "一带一路", "人工智能",
    '"科技成果转化"', '"大众创业、万众创新"', '"高质量发展"', '"国有企业改革"', '"创新型省份"',
    "科技金融 孵化器", "乡村振兴 电商", "数字经济 5G", "教育 医疗", "民营企业 融资",
    "科技創新", "經濟發展", "高質量發展",
    "5G", "R&D", "2025年", "GDP", "PM2.5",
]  # fmt: skip


class Command(BaseCommand):
    help = "Evaluate search speed, recall and precision@10 on a corpus (MANIFEST.tsv + txt/)."

    def add_arguments(self, parser):
        parser.add_argument("corpus", type=Path)
        parser.add_argument(
            "--load", action="store_true", help="load the corpus plans into an empty database"
        )
        parser.add_argument(
            "--limit", type=int, default=0, help="load only the first N plans of the manifest"
        )
        parser.add_argument("--repeat", type=int, default=3, help="timed runs per query")
        parser.add_argument("--json", type=Path, default=None, help="write the figures here")

    def handle(self, *args, corpus: Path, load: bool, limit: int, repeat: int, json: Path | None, **options):
        figures: dict = {}
        if load:
            if Plan.objects.exists():
                raise CommandError("--load needs an empty database")
            figures["load"] = self._load(corpus, limit)
        plans = list(Plan.objects.values_list("pk", "title", "text"))
        megabytes = sum(len(t.encode()) + len(x.encode()) for _, t, x in plans) / 1e6
        if load:
            started = time.perf_counter()
            rebuild_index()
            seconds = time.perf_counter() - started
            figures["index"] = {"plans": len(plans), "mb": round(megabytes, 2), "seconds": round(seconds, 2),
                                "mb_per_s": round(megabytes / seconds, 3)}  # fmt: skip
            self.stdout.write(f"indexed {len(plans)} plans, {megabytes:.1f} MB in {seconds:.1f} s "
                              f"= {megabytes / seconds:.2f} MB/s")  # fmt: skip
        texts = {pk: normalise(f"{title}\n{text}") for pk, title, text in plans}
        rows = []
        search(SearchParams(q="预热"))
        for q in QUERIES:
            timings = []
            result = None
            for _ in range(repeat):
                result = search(SearchParams(q=q, page_size=10))
                timings.append(result.took_ms)
            truth = {
                pk for pk, text in texts.items() if result.terms and all(t in text for t in result.terms)
            }
            found = self._all_ids(q)
            top10 = [h.plan_id for h in result.hits]
            recall = len(found & truth) / len(truth) if truth else 1.0
            precision = sum(1 for pk in top10 if pk in truth) / len(top10) if top10 else 1.0
            rows.append({"q": q, "truth": len(truth), "found": len(found), "recall": recall,
                         "precision_at_10": precision, "median_ms": statistics.median(timings)})  # fmt: skip
        all_ms = [r["median_ms"] for r in rows]
        figures["queries"] = rows
        figures["summary"] = {
            "queries": len(rows),
            "mean_recall": round(statistics.mean(r["recall"] for r in rows), 4),
            "mean_precision_at_10": round(statistics.mean(r["precision_at_10"] for r in rows), 4),
            "median_ms": round(statistics.median(all_ms), 1),
            "p95_ms": round(sorted(all_ms)[int(0.95 * (len(all_ms) - 1))], 1),
            "max_ms": round(max(all_ms), 1),
            "plans": len(plans),
        }
        self.stdout.write(f"{'query':<20} {'truth':>6} {'found':>6} {'recall':>7} {'P@10':>5} {'ms':>7}")
        for r in rows:
            self.stdout.write(f"{r['q']:<20} {r['truth']:>6} {r['found']:>6} {r['recall']:>7.3f} "
                              f"{r['precision_at_10']:>5.2f} {r['median_ms']:>7.1f}")  # fmt: skip
        self.stdout.write(json_dumps(figures["summary"]))
        if json:
            json.write_text(json_dumps(figures), encoding="utf-8")

    def _all_ids(self, q: str) -> set[int]:
        ids: set[int] = set()
        page = 1
        while True:
            result = search(
                SearchParams(q=q, page=page, page_size=100, with_facets=False, with_snippets=False)
            )
            ids |= {h.plan_id for h in result.hits}
            if page >= result.pages:
                return ids
            page += 1

    def _load(self, corpus: Path, limit: int = 0) -> dict:
        manifest = corpus / "MANIFEST.tsv"
        if not manifest.exists():
            raise CommandError(f"no MANIFEST.tsv in {corpus}")
        regions = {r.full_name: r for r in Region.objects.all()} | {r.name: r for r in Region.objects.all()}
        started = time.perf_counter()
        batch = []
        with manifest.open(encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle, delimiter="\t")):
                if limit and number >= limit:
                    break
                text = (corpus / row["file"]).read_text(encoding="utf-8", errors="replace")
                year = int(row["year"]) if row["year"].isdigit() else None
                batch.append(Plan(title=row["title"], text=text, region=regions.get(row["region"]), year=year,
                                  level="provincial", source=row["file"],
                                  checksum=hashlib.sha256(text.encode()).hexdigest()))  # fmt: skip
        Plan.objects.bulk_create(batch, ignore_conflicts=True)
        return {"plans": len(batch), "seconds": round(time.perf_counter() - started, 2)}


def json_dumps(data) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=1)
