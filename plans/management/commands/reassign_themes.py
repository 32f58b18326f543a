"""python manage.py reassign_themes [--dry-run]: re-assign every plan's themes from the current theme keywords."""

from django.core.management.base import BaseCommand

from plans.curation import reassign_themes


class Command(BaseCommand):
    help = "按当前主题关键词重新分配所有规划文件的主题，并报告有多少份文件发生了变化。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只报告会变化的文件数，不保存")

    def handle(self, *args, dry_run: bool = False, **options):
        changed = reassign_themes(dry_run=dry_run)
        verb = "将会变化" if dry_run else "有变化"
        self.stdout.write(f"{changed} 份规划文件的主题{verb}。")
