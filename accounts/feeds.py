"""Atom 1.0 feeds of a search: the newest plans that match, by date (Django's feed generator writes the XML).

A feed only says what the public results page says (title, link, dates, region, year, issuer, snippet), so a
private feed URL leaks nothing but the saved search's name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts import searching
from plans.search.types import SearchParams
from searchui import links

FEED_ENTRIES = 50
FEED_CONTENT_TYPE = "application/atom+xml; charset=utf-8"

AbsoluteUrl = Callable[[str], str]


def _published(plan) -> datetime.datetime:
    """The plan's publication date as a time (noon, local), else when it was added."""
    if plan.published_on:
        moment = datetime.datetime.combine(plan.published_on, datetime.time(12))
        return timezone.make_aware(moment)
    return plan.created_at


def search_feed(params: SearchParams, *, title: str, feed_url: str, absolute: AbsoluteUrl) -> bytes:
    """The Atom document of a search: its newest FEED_ENTRIES plans by date, each with a link to the plan page
    (with the query), the updated time, region, year, issuer and the snippet."""
    result = searching.newest_hits(params, FEED_ENTRIES)
    results_url = absolute(links.search_url(links.with_page(params, 1)))
    feed = Atom1Feed(
        title=title,
        link=results_url,
        description=_("政策检索：%(query)s 的最新文件") % {"query": params.q or _("全部文件")},
        feed_url=feed_url,
        language="zh-Hans",
        feed_guid=feed_url,
    )
    for hit in result.hits:
        plan = hit.plan
        if plan is None:
            continue
        facts = [
            value for value in (plan.region.name if plan.region_id else "", plan.year, plan.issuer) if value
        ]
        snippet = hit.snippet or ""
        summary = " · ".join(str(v) for v in facts)
        if snippet:
            summary = f"{summary}<br>{snippet}" if summary else snippet
        categories = []
        if plan.region_id:
            categories.append(plan.region.name)
        if plan.year:
            categories.append(str(plan.year))
        categories += [theme.name for theme in plan.themes.all()]
        feed.add_item(
            title=plan.title,
            link=absolute(links.plan_url(plan.pk, q=params.q)),
            unique_id=absolute(plan.get_absolute_url()),
            description=summary,  # escaped text with <mark>: Atom type="html"
            author_name=plan.issuer or None,
            pubdate=_published(plan),
            updateddate=plan.updated_at,
            categories=categories,
        )
    return feed.writeString("utf-8").encode("utf-8")


def feed_title_of_search(params: SearchParams) -> str:
    """The title of a public search feed, from its query and filters."""
    words = [params.q] if params.q else []
    words += list(params.regions) + [str(y) for y in params.years] + list(params.themes)
    return _("政策检索：%(what)s") % {"what": " ".join(words) or _("全部文件")}


def plain_summary(html: str) -> str:
    """A snippet without its markup (for the plain-text e-mail)."""
    return strip_tags(html)
