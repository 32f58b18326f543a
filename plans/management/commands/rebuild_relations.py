"""python manage.py rebuild_relations: recompute every plan's citations and reused passages from the plans."""

from django.core.management.base import BaseCommand

from plans.relations.services import rebuild_relations


class Command(BaseCommand):
    help = "重新计算所有规划文件之间的关系：引用的文件、被引用、跨地区相同段落（从最早的文件开始）。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args, quiet: bool = False, **options):
        step = 100

        def progress(done: int, total: int) -> None:
            if not quiet and (done % step == 0 or done == total):
                self.stdout.write(f"{done}/{total}")

        report = rebuild_relations(progress=progress)
        self.stdout.write(
            f"{report.plans} 份文件：{report.passages} 个段落，{report.groups} 组相同段落，"
            f"{report.documents} 份被引文件，{report.citations} 条引用；用时 {report.seconds:.1f} 秒。"
        )
