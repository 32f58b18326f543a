"""python manage.py send_alerts: e-mail each user a digest of new plans for their saved searches."""

from django.core.management.base import BaseCommand, CommandError

from accounts.alerts import send_alerts


class Command(BaseCommand):
    help = "E-mail each user the plans added since their last digest that match their saved searches."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", help="the site's public address for the links (default: SITE_URL)")

    def handle(self, *args, **options):
        report = send_alerts(site_url=options.get("site_url"))
        for username, count in report.sent:
            self.stdout.write(f"sent: {username} ({count} plans)")
        for username, error in report.failed:
            self.stdout.write(f"failed: {username}: {error} (retried on the next run)")
        self.stdout.write(
            f"{len(report.sent)} digests sent, {len(report.failed)} failed, {report.quiet} users with nothing new"
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} digests could not be sent")
