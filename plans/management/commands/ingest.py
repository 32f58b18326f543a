"""python manage.py ingest PATH [PATH ...]: ingest plan files and folders (recursively).

One outcome line per file on stdout, a progress bar on stderr, a summary, exit status 1 if any file was rejected.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from plans.ingest import IngestError, Overrides, ingest_path, prepare
from plans.ingest.extract import SUPPORTED_SUFFIXES
from plans.ingest.pipeline import check_size
from plans.models import PLAN_METADATA_FIELDS, Plan
from plans.search import wait_for_indexing
from plans.services import themes_reconcile_deferred

INDEX_TIMEOUT_SECONDS = 600


def collect_files(paths: list[str]) -> list[Path]:
    """Files named directly (whatever their type, so an unsupported one is reported) plus every supported file
    under the folders, in a stable order. Raises CommandError for a path that does not exist."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"找不到文件或文件夹：{name}")
    return list(dict.fromkeys(files))


class Command(BaseCommand):
    help = "导入规划文件（.txt/.html/.docx/.pdf）或文件夹（递归）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹")
        parser.add_argument("--region", help="强制地区，如 湖北 或 湖北省，全国")
        parser.add_argument("--year", type=int, help="强制年份")
        parser.add_argument("--level", help="强制层级：national / provincial / municipal")
        parser.add_argument("--update", action="store_true", help="内容相同的已有文件就地更新，而不是跳过")
        parser.add_argument("--dry-run", action="store_true", help="只显示抽取出的元数据，不保存")

    def handle(self, *args, **options) -> None:
        files = collect_files(options["paths"])
        overrides = Overrides(region=options["region"], year=options["year"], level=options["level"])
        counts: Counter[str] = Counter()
        progress = tqdm(files, desc="导入", unit="个文件", file=sys.stderr, disable=None, leave=False)
        with themes_reconcile_deferred():  # the plans the batch moves are re-decided once, at its end
            for path in progress:
                if options["dry_run"]:
                    status = self._dry_run(path, overrides)
                else:
                    outcome = ingest_path(path, overrides=overrides, update=options["update"])
                    status = outcome.status
                    self._report(path, outcome)
                counts[status] += 1
        progress.close()
        if options["dry_run"]:
            order, prefix = ("would ingest", "would be duplicate", "rejected"), "dry run（未保存）："
        else:
            order, prefix = ("ingested", "updated", "duplicate", "rejected"), ""
        summary = "，".join(f"{name} {counts[name]}" for name in order)
        self.stdout.write(f"{prefix}{len(files)} 个文件：{summary}")
        self._wait_for_index(counts)
        if counts["rejected"]:
            sys.exit(1)

    def _say(self, line: str) -> None:
        """One line on stdout, written around the progress bar (which lives on stderr) without garbling it."""
        with tqdm.external_write_mode(file=sys.stderr):
            self.stdout.write(line)

    def _report(self, path: Path, outcome) -> None:
        if outcome.status == "rejected":
            self._say(self.style.ERROR(f"rejected: {path}: {outcome.reason}"))
            return
        plan = outcome.plan
        region = plan.region.name if plan and plan.region_id else "?"
        line = f"{outcome.status}: {path} -> {plan.title} [{region} {plan.year or '?'}]"
        if outcome.status == "duplicate":
            line += f" ({outcome.reason})"
        elif plan.needs_review:
            line += " (待审核)"
        style = self.style.SUCCESS if outcome.status in ("ingested", "updated") else self.style.WARNING
        self._say(style(line))

    def _dry_run(self, path: Path, overrides: Overrides) -> str:
        try:
            check_size(path.stat().st_size)
            prepared = prepare(path.read_bytes(), path.name, overrides=overrides)
        except IngestError as error:
            self._say(self.style.ERROR(f"rejected: {path}: {error.reason}"))
            return "rejected"
        existing = Plan.objects.filter(checksum=prepared.checksum).first()
        status = "would be duplicate" if existing else "would ingest"
        self._say(f"{status}: {path} -> {prepared.summary()}")
        for name in PLAN_METADATA_FIELDS:
            info = prepared.extraction.get(name) or {}
            value = getattr(prepared, name)
            how = f"{info.get('method', '-')}, 置信度 {info.get('confidence', 0):.2f}" if info else "-"
            self._say(f"    {name:<13} {value if value not in (None, '') else '—'}  ({how})")
        self._say(f"    sections      {len(prepared.sections)}")
        themes = "、".join(prepared.plan_themes) or "—"
        self._say(f"    themes        {themes}")
        for note in prepared.review_notes.splitlines():
            self._say(self.style.WARNING(f"    待审核：{note}"))
        for warning in prepared.warnings:
            self._say(self.style.WARNING(f"    注意：{warning}"))
        return status

    def _wait_for_index(self, counts: Counter[str]) -> None:
        """The search index is fed in the background once each plan commits: wait for it before exiting,
        so a plan reported as ingested can be found as soon as the command returns."""
        if not (counts["ingested"] or counts["updated"]):
            return
        if not wait_for_indexing(timeout=INDEX_TIMEOUT_SECONDS):
            self.stderr.write(
                f"警告：搜索索引尚未更新完毕（已等待 {INDEX_TIMEOUT_SECONDS} 秒）。"
                "运行 python manage.py check_index --fix 补齐。"
            )
