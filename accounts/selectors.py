"""Reads for the accounts pages. Everything is looked up through the requesting user, so another user's id is
not found: views turn that into a 404."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import unquote

from django.db.models import Count, QuerySet

from accounts import searching
from accounts.models import Collection, CollectionItem, SavedSearch
from plans.models import Plan
from plans.search.types import SearchParams
from searchui import links


@dataclass
class SavedSearchView:
    """A saved search as /me/searches/ shows it."""

    saved_search: SavedSearch
    params: SearchParams
    url: str  # the canonical /search/ URL
    count: int  # plans it finds now
    new_count: int  # of those, plans added since the user last opened it

    @property
    def display_url(self) -> str:
        """The URL as a reader reads it (Chinese, not percent-escapes)."""
        return unquote(self.url)


def saved_searches(user) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user)


def saved_search_of(user, pk: int) -> SavedSearch | None:
    return saved_searches(user).filter(pk=pk).first()


def saved_search_for_feed(pk: int, token: str) -> SavedSearch | None:
    """The saved search a private feed URL names, if its token matches (compared in constant time)."""
    saved_search = SavedSearch.objects.filter(pk=pk).first()
    if saved_search is None or not hmac.compare_digest(saved_search.feed_token.encode(), token.encode()):
        return None
    return saved_search


def plans_added_since(moment) -> QuerySet[Plan]:
    """Plans that entered the database after a moment (the candidates for "new" and for alerts)."""
    return Plan.objects.filter(created_at__gt=moment)


def new_plan_ids(params: SearchParams, since) -> set[int]:
    """Plans the search finds that were added after `since`."""
    candidates = list(plans_added_since(since).values_list("pk", flat=True))
    return searching.matching_plan_ids(params, candidates)


def saved_search_view(saved_search: SavedSearch) -> SavedSearchView:
    params = searching.params_of(saved_search.query)
    return SavedSearchView(
        saved_search=saved_search,
        params=params,
        url=links.search_url(params),
        count=searching.count_now(params),
        new_count=len(new_plan_ids(params, saved_search.last_opened_at)),
    )


def saved_search_views(user) -> list[SavedSearchView]:
    return [saved_search_view(s) for s in saved_searches(user)]


def saved_searches_with_query(user, query: str) -> list[SavedSearch]:
    """The user's saved searches for exactly this canonical query (to show "已保存" on /search/)."""
    return list(saved_searches(user).filter(query=query))


# --- collections ---------------------------------------------------------------------------------------------


def collections(user) -> QuerySet[Collection]:
    return Collection.objects.filter(user=user).annotate(item_count=Count("items"))


def collection_of(user, pk: int) -> Collection | None:
    return Collection.objects.filter(user=user, pk=pk).first()


def collection_items(collection: Collection) -> list[CollectionItem]:
    """The items in their order, each with its plan, region and themes loaded (for pages and exports)."""
    items = collection.items.select_related("plan", "plan__region").prefetch_related("plan__themes")
    return list(items.order_by("position", "pk"))


def item_of(user, collection_pk: int, item_pk: int) -> CollectionItem | None:
    return (
        CollectionItem.objects.select_related("collection")
        .filter(pk=item_pk, collection_id=collection_pk, collection__user=user)
        .first()
    )


def plan_of(pk) -> Plan | None:
    """A plan by id from a form field (None for anything that is not an existing plan's id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Plan.objects.filter(pk=pk).first()


def collections_holding(user, plan: Plan) -> list[Collection]:
    """The user's collections that already hold the plan (shown on the plan page)."""
    return list(Collection.objects.filter(user=user, items__plan=plan).distinct())
