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
from plans.models import Plan


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
        for path in progress:
            if options["dry_run"]:
                status = self._dry_run(path, overrides)
            else:
                outcome = ingest_path(path, overrides=overrides, update=options["update"])
                status = outcome.status
                self._report(path, outcome)
            counts[status] += 1
        progress.close()
        order = ("ingested", "updated", "duplicate", "rejected", "would ingest", "would be duplicate")
        summary = "，".join(f"{name} {counts[name]}" for name in order if counts[name] or name in order[:4])
        prefix = "dry run（未保存）：" if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{len(files)} 个文件：{summary}")
        self._wait_for_index(counts)
        if counts["rejected"]:
            sys.exit(1)

    def _report(self, path: Path, outcome) -> None:
        if outcome.status == "rejected":
            self.stdout.write(self.style.ERROR(f"rejected: {path}: {outcome.reason}"))
            return
        plan = outcome.plan
        region = plan.region.name if plan and plan.region_id else "?"
        line = f"{outcome.status}: {path} -> {plan.title} [{region} {plan.year or '?'}]"
        if outcome.status == "duplicate":
            line += f" ({outcome.reason})"
        elif plan.needs_review:
            line += " (待审核)"
        style = self.style.SUCCESS if outcome.status in ("ingested", "updated") else self.style.WARNING
        self.stdout.write(style(line))

    def _dry_run(self, path: Path, overrides: Overrides) -> str:
        try:
            check_size(path.stat().st_size)
            prepared = prepare(path.read_bytes(), path.name, overrides=overrides)
        except IngestError as error:
            self.stdout.write(self.style.ERROR(f"rejected: {path}: {error.reason}"))
            return "rejected"
        existing = Plan.objects.filter(checksum=prepared.checksum).first()
        status = "would be duplicate" if existing else "would ingest"
        self.stdout.write(f"{status}: {path} -> {prepared.summary()}")
        for name in (
            "title",
            "issuer",
            "region",
            "level",
            "city",
            "year",
            "published_on",
            "doc_number",
            "index_number",
        ):
            info = prepared.extraction.get(name) or {}
            value = getattr(prepared, name)
            how = f"{info.get('method', '-')}, 置信度 {info.get('confidence', 0):.2f}" if info else "-"
            self.stdout.write(f"    {name:<13} {value if value not in (None, '') else '—'}  ({how})")
        self.stdout.write(f"    sections      {len(prepared.sections)}")
        themes = "、".join(prepared.plan_themes) or "—"
        self.stdout.write(f"    themes        {themes}")
        for note in prepared.review_notes.splitlines():
            self.stdout.write(self.style.WARNING(f"    待审核：{note}"))
        for warning in prepared.warnings:
            self.stdout.write(self.style.WARNING(f"    注意：{warning}"))
        return status

    def _wait_for_index(self, counts: Counter[str]) -> None:
        """Give the search index (hooked on commit) time to take the new plans before the process exits."""
        if not (counts["ingested"] or counts["updated"]):
            return
        try:
            from plans.search import wait_for_indexing
        except ImportError:
            return  # the search package does not index in the background (yet)
        if not wait_for_indexing(timeout=600.0):
            self.stderr.write("警告：搜索索引尚未完成，请稍后运行 rebuild_index 或查看日志。")
