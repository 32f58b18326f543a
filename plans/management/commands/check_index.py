"""Compare the search index with the database; --fix repairs it. Exit status 1 when problems remain."""

from django.core.management.base import BaseCommand

from plans.search import check_index


class Command(BaseCommand):
    help = "报告索引中缺失或过期的规划文件（以数据库为准）；--fix 修复。"

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="index missing and stale plans, drop orphans")

    def handle(self, *args, fix=False, **options):
        report = check_index(fix=fix)
        self.stdout.write(
            f"engine: {report.engine}; database: {report.plans_in_db} plans, index: {report.docs_in_index} documents"
            + (" (rebuilt from the database)" if report.rebuilt else "")
        )
        for label, ids in (("missing", report.missing), ("stale", report.stale), ("orphans", report.orphans)):
            if ids:
                shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
                self.stdout.write(f"{label}: {len(ids)} ({shown})")
        if report.error:
            self.stderr.write(report.error)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("index ok" + (" after repair" if report.fixed else "")))
            return
        self.stderr.write("index has problems" + ("" if fix else "; run with --fix to repair"))
        raise SystemExit(1)
