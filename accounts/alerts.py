"""E-mail alerts: one digest per user with the plans added since their last digest that match their saved
searches (README: Alerts). Run by `manage.py send_alerts` on a schedule.

Bookkeeping, so that nothing goes out twice and nothing is lost:
- a saved search looks at plans added after its `alerts_since`, minus those already announced for it
  (`SentAlert`, unique per search and plan);
- after a digest is delivered, its plans are recorded as sent and each search's `alerts_since` moves up to the
  newest plan it considered; a plan still waiting for the index holds the mark back so that it is found later;
- when sending fails, nothing is recorded but a failed `AlertDigest`: the next run finds the same plans again.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import searching
from accounts.models import AlertDigest, SavedSearch, SentAlert
from plans.models import Plan
from searchui import links

log = logging.getLogger(__name__)

# Plans announced per saved search in one digest; the rest are counted and linked.
DIGEST_PLANS_PER_SEARCH = 50


@dataclass
class DigestSection:
    saved_search: SavedSearch
    url: str  # the results page, absolute
    plans: list[Plan]
    more: int = 0  # matching plans beyond DIGEST_PLANS_PER_SEARCH
    plan_urls: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[Plan, str]]:
        return list(zip(self.plans, self.plan_urls, strict=True))


@dataclass
class PendingSearch:
    """What one saved search would announce, and how far its mark may move once that is delivered."""

    saved_search: SavedSearch
    plans: list[Plan]
    new_mark: datetime.datetime | None


@dataclass
class AlertReport:
    """What a run did: digests sent, failed, and users with nothing new."""

    sent: list[tuple[str, int]] = field(default_factory=list)  # (user name, plans)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (user name, error)
    quiet: int = 0


def _pending(saved_search: SavedSearch) -> PendingSearch:
    """The plans a saved search has not announced yet, and the mark to move to after announcing them."""
    candidates = list(
        Plan.objects.filter(created_at__gt=saved_search.alerts_since)
        .exclude(pk__in=SentAlert.objects.filter(saved_search=saved_search).values("plan_id"))
        .order_by("created_at", "pk")
        .values_list("pk", "created_at", "index_status")
    )
    if not candidates:
        return PendingSearch(saved_search, [], None)
    # A plan not yet in the index cannot match now: it is checked on a later run, so the mark stays before it.
    # Plans already announced are excluded above, so checking the indexed ones after it again sends nothing twice.
    indexed = [pk for pk, _created, status in candidates if status == Plan.IndexStatus.INDEXED]
    waiting = [created for _pk, created, status in candidates if status != Plan.IndexStatus.INDEXED]
    before_waiting = [created for _pk, created, _status in candidates if not waiting or created < waiting[0]]
    new_mark = before_waiting[-1] if before_waiting else None
    params = searching.params_of(saved_search.query)
    matched = searching.matching_plan_ids(params, indexed)
    plans = list(
        Plan.objects.filter(pk__in=matched).select_related("region").order_by("-published_on", "-pk")
    )
    return PendingSearch(saved_search, plans, new_mark)


def _sections(pending: list[PendingSearch], site_url: str) -> list[DigestSection]:
    sections = []
    for item in pending:
        if not item.plans:
            continue
        params = searching.params_of(item.saved_search.query)
        shown = item.plans[:DIGEST_PLANS_PER_SEARCH]
        sections.append(
            DigestSection(
                saved_search=item.saved_search,
                url=site_url + links.search_url(params),
                plans=shown,
                more=len(item.plans) - len(shown),
                plan_urls=[site_url + links.plan_url(p.pk, q=params.q) for p in shown],
            )
        )
    return sections


def _message(user, sections: list[DigestSection], site_url: str, connection) -> EmailMultiAlternatives:
    total = sum(len(s.plans) + s.more for s in sections)
    context = {
        "user": user,
        "sections": sections,
        "total": total,
        "site_url": site_url,
        "searches_url": site_url + links.path_of("accounts:searches"),
    }
    subject = _("政策检索：您保存的检索有 %(count)d 份新文件") % {"count": total}
    text = render_to_string("accounts/email/digest.txt", context)
    html = render_to_string("accounts/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def _record_delivery(user, pending: list[PendingSearch], total: int) -> None:
    digest = AlertDigest.objects.create(user=user, status=AlertDigest.Status.SENT, plan_count=total)
    SentAlert.objects.bulk_create(
        [
            SentAlert(saved_search=p.saved_search, plan=plan, digest=digest)
            for p in pending
            for plan in p.plans
        ],
        ignore_conflicts=True,
    )
    _advance(pending)


def _advance(pending: list[PendingSearch]) -> None:
    for item in pending:
        if item.new_mark is not None:
            SavedSearch.objects.filter(pk=item.saved_search.pk).update(alerts_since=item.new_mark)


def send_alerts(*, site_url: str | None = None) -> AlertReport:
    """E-mail every user with an address a digest of what is new for their saved searches (see module doc)."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    report = AlertReport()
    by_user: dict[int, list[SavedSearch]] = defaultdict(list)
    for saved_search in SavedSearch.objects.filter(alerts_enabled=True, user__is_active=True).order_by("pk"):
        by_user[saved_search.user_id].append(saved_search)
    users = get_user_model().objects.in_bulk(list(by_user))
    connection = get_connection()
    # The digest is written in the site's default language, like the pages a link opens without a cookie.
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, searches in by_user.items():
            user = users[user_id]
            if not user.email:
                continue
            pending = [_pending(s) for s in searches]
            sections = _sections(pending, site_url)
            if not sections:
                _advance(pending)
                report.quiet += 1
                continue
            total = sum(len(p.plans) for p in pending)
            try:
                _message(user, sections, site_url, connection).send()
            except Exception as exc:  # noqa: BLE001 - any transport error: record it, retry next run
                log.warning("alert digest to %s failed: %s", user.get_username(), exc)
                AlertDigest.objects.create(
                    user=user, status=AlertDigest.Status.FAILED, plan_count=total, error=str(exc)[:2000]
                )
                report.failed.append((user.get_username(), str(exc)))
                continue
            _record_delivery(user, pending, total)
            report.sent.append((user.get_username(), total))
    return report
