"""What the search and plan pages of searchui show for a researcher's account: the "保存检索" form, the
"加入收藏夹" forms, and a plan's citations. searchui calls these; they only read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import citations, selectors
from plans.models import Plan
from plans.search.types import SearchParams
from searchui import links


def login_url(next_url: str) -> str:
    """The log-in page, coming back to `next_url` afterwards."""
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


def _collections(request: HttpRequest) -> list:
    return list(selectors.collections(request.user)) if request.user.is_authenticated else []


def search_tools(request: HttpRequest, params: SearchParams, canonical_url: str) -> dict:
    """Context for /search/: the save form (the canonical query on page 1), the feed and export links, and the
    user's collections for the add-to-collection form of each hit."""
    query = links.query_string(links.with_page(params, 1))
    first_page = links.with_page(params, 1)
    context = {
        "atom_url": links.search_url(first_page, format="atom"),
        "ris_url": links.search_url(first_page, format="ris"),
        "bibtex_url": links.search_url(first_page, format="bibtex"),
        "save_query": query,
        "login_url": login_url(canonical_url),
        "user_collections": _collections(request),
        "saved_as": [],
    }
    if request.user.is_authenticated:
        context["saved_as"] = selectors.saved_searches_with_query(request.user, query)
    return context


def plan_tools(request: HttpRequest, plan: Plan) -> dict:
    """Context for /plans/<id>/: the three citations, their download links, and the collection form."""
    fields = citations.citation_fields(plan, request.build_absolute_uri, timezone.localdate())
    path = plan.get_absolute_url()
    context = {
        "citation_gbt": citations.gbt7714(fields),
        "citation_bibtex": citations.bibtex(fields),
        "citation_ris": citations.ris(fields),
        "ris_url": f"{path}?format=ris",
        "bibtex_url": f"{path}?format=bibtex",
        "user_collections": _collections(request),
        "in_collections": selectors.collections_holding(request.user, plan)
        if request.user.is_authenticated
        else [],
        "login_url": login_url(path),
    }
    return context
