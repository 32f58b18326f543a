"""Peer (b): the default recipe, as its documentation and tutorials write it.

haystack's Whoosh backend with jieba's `ChineseAnalyzer` on the document field (haystack >= 3.1 passes a field's
`analyzer=` to Whoosh), `SearchQuerySet().auto_query(q)`, two field facets (region, year) narrowed the way
haystack's FacetedSearchForm does, and haystack's template `Highlighter` for the snippets. It runs in its own
haystack connection and its own temporary index folder, built by haystack's own `update_index` command, so it
never touches the product's index.

This module imports haystack, whoosh and jieba on purpose: it is a peer, not product code.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from haystack import connections, indexes
from haystack.query import SearchQuerySet
from haystack.utils.highlighting import Highlighter
from jieba.analyse import ChineseAnalyzer

from plans.benchmark.measure import Outcome
from plans.benchmark.queries import BenchQuery
from plans.models import Plan

ALIAS = "bench_haystack_peer"
WHOOSH_ENGINE = "haystack.backends.whoosh_backend.WhooshEngine"


class PeerPlanIndex(indexes.SearchIndex, indexes.Indexable):
    """The SearchIndex a haystack tutorial would write for plans, with jieba's analyzer on the text."""

    text = indexes.CharField(document=True, analyzer=ChineseAnalyzer())
    title = indexes.CharField(model_attr="title", analyzer=ChineseAnalyzer())
    region = indexes.CharField(model_attr="region__name", faceted=True, null=True)
    year = indexes.IntegerField(model_attr="year", faceted=True, null=True)

    def get_model(self):
        return Plan

    def prepare_text(self, obj: Plan) -> str:
        # What `use_template=True` with "{{ object.title }}\n{{ object.text }}" renders, without the template.
        return f"{obj.title}\n{obj.text}"

    def index_queryset(self, using=None):
        return self.get_model().objects.select_related("region")


def _quoted_or(field: str, values) -> str:
    return f"{field}:(" + " OR ".join(f'"{value}"' for value in values) + ")"


class HaystackWhooshPeer:
    """The default recipe in a separate haystack connection whose index lives in `index_dir`."""

    name = "haystack-whoosh-jieba"

    def __init__(self, index_dir: Path) -> None:
        options = {"ENGINE": WHOOSH_ENGINE, "PATH": str(index_dir)}
        # BaseEngine reads its options from settings; the ConnectionHandler reads its own dict. Set both.
        settings.HAYSTACK_CONNECTIONS[ALIAS] = options
        connections.connections_info[ALIAS] = options
        connections.reload(ALIAS)
        connections[ALIAS].get_unified_index().build(indexes=[PeerPlanIndex()])
        self.index_dir = Path(index_dir)

    def build(self) -> None:
        """Index every plan with haystack's own command, in its default batches of 1,000."""
        call_command("update_index", "plans", using=[ALIAS], verbosity=0)

    def _queryset(self, query: BenchQuery) -> SearchQuerySet:
        sqs = SearchQuerySet(using=ALIAS)
        sqs = sqs.auto_query(query.q) if query.q.strip() else sqs.all()
        if query.regions:
            sqs = sqs.narrow(_quoted_or("region_exact", query.regions))
        if query.years:
            sqs = sqs.narrow(_quoted_or("year_exact", query.years))
        if query.year_from:
            sqs = sqs.filter(year__gte=query.year_from)
        return sqs

    def run(self, query: BenchQuery) -> Outcome:
        sqs = self._queryset(query).facet("region").facet("year")
        count = sqs.count()
        top = list(sqs[:10])
        sqs.facet_counts()
        highlighter = Highlighter(query.q, max_length=120, html_tag="mark")
        for result in top:
            highlighter.highlight(result.text or "")
        return Outcome(count, [int(result.pk) for result in top])

    def all_ids(self, query: BenchQuery) -> set[int]:
        return {int(result.pk) for result in self._queryset(query)}
