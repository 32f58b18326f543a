"""Our engine as the benchmark sees it: the search API, and the rendered results page."""

from __future__ import annotations

from django.test import Client

from plans.benchmark.measure import Outcome
from plans.benchmark.queries import BenchQuery

PAGE_SIZE = 10
ID_PAGE_SIZE = 100


def _params(query: BenchQuery, **extra):
    from plans.search import SearchParams

    return SearchParams(
        q=query.q,
        regions=query.regions,
        years=query.years,
        year_from=query.year_from,
        **extra,
    )


class EngineAPI:
    """`plans.search.search(SearchParams(...))`: top 10 with facet counts and highlighted snippets."""

    name = "engine-api"

    def __init__(self) -> None:
        from plans.search import search  # ImportError until the engine is in the tree: reported by the caller

        self._search = search

    def run(self, query: BenchQuery) -> Outcome:
        result = self._search(_params(query, page_size=PAGE_SIZE, with_facets=True, with_snippets=True))
        return Outcome(result.count, [hit.plan_id for hit in result.hits])

    def all_ids(self, query: BenchQuery) -> set[int]:
        found: set[int] = set()
        page = 1
        while True:
            result = self._search(
                _params(query, page=page, page_size=ID_PAGE_SIZE, with_facets=False, with_snippets=False)
            )
            found.update(hit.plan_id for hit in result.hits)
            if page >= result.pages or not result.hits:
                return found
            page += 1


class EngineAPIUncached(EngineAPI):
    """The search API with its per-generation term cache emptied before every query: a first-time query.

    The timed rounds of engine-api repeat the mix, so its exact term sets come from the cache; this
    system shows what a query nobody asked since the last index change costs.
    """

    name = "engine-api-uncached"

    def __init__(self) -> None:
        super().__init__()
        from plans.search import clear_term_cache

        self._clear = clear_term_cache

    def run(self, query: BenchQuery) -> Outcome:
        self._clear()
        return super().run(query)


class ResultsPage:
    """GET /search/?q=… through Django's test client: view, search, template, full HTML."""

    name = "engine-page"
    extra_params: tuple[tuple[str, str], ...] = ()

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._client = Client(HTTP_HOST=host)

    def run(self, query: BenchQuery) -> Outcome:
        response = self._client.get("/search/", [*query.url_params(), *self.extra_params])
        if response.status_code != 200:
            raise RuntimeError(f"GET /search/ answered {response.status_code}")
        if not response.content:
            raise RuntimeError("GET /search/ answered an empty page")
        return Outcome(count=-1)

    def all_ids(self, query: BenchQuery) -> set[int]:
        raise NotImplementedError("the page is timed only; recall is measured at the API")


class ResultsJSON(ResultsPage):
    """GET /search/?q=…&format=json through Django's test client: the page's JSON (hits, facets, notices)."""

    name = "engine-json"
    extra_params = (("format", "json"),)


class _FirstTime:
    """Mixin: the snapshot's memo (term sets, scores) emptied before every query, as in engine-api-uncached."""

    def run(self, query: BenchQuery) -> Outcome:
        from plans.search import clear_term_cache

        clear_term_cache()
        return super().run(query)


class ResultsJSONUncached(_FirstTime, ResultsJSON):
    name = "engine-json-uncached"


class ResultsPageUncached(_FirstTime, ResultsPage):
    name = "engine-page-uncached"
