"""The haystack SearchIndex for plans: what is indexed, declared next to the model's search code.

Fields (index field name -> what it holds):
  text         body words (jieba), the haystack document field
  title        title words (jieba), boosted over the body
  chars        title + newline + body as character bigrams with positions (exact substring matching)
  unigrams     every distinct character of title and body (single-character queries)
  region / level / themes / year / date_key   facets and sorting (stored, read into per-generation columns)
  updated      the plan's updated_at, so that check_index can see stale documents
  title_len / text_len / issuer / doc_number / layout   small stored values read into the snapshot's columns
  stored_form  title, text and sections as compressed JSON in a Whoosh column (one value per document, read
               by docnum): hits and snippets come from it instead of loading whole plans through the ORM
  breaks       the sentence and paragraph break offsets (plans.search.snapshot.encode_breaks) in a compressed
               column: proximity queries read them instead of the stored form
"""

import json

from haystack import indexes
from whoosh.columns import CompressedBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT

from plans.models import Plan
from plans.search.engines.whoosh.analyzers import BigramAnalyzer, UnigramAnalyzer, WordAnalyzer
from plans.search.engines.whoosh.formats import FastPositions
from plans.search.normalize import normalise
from plans.search.registry import FACET_BY_NAME, FACETS
from plans.search.snapshot import STORED_LAYOUT, encode_breaks

TITLE_BOOST = 3.0


def _positional_text(field):
    whoosh_field = TEXT(analyzer=field.analyzer, phrase=True, stored=False, field_boost=field.boost)
    whoosh_field.format = FastPositions(field_boost=field.boost)
    return whoosh_field


class WordsField(indexes.CharField):
    def whoosh_field(self, field):
        return _positional_text(field)


class BigramsField(indexes.CharField):
    def whoosh_field(self, field):
        return _positional_text(field)


class UnigramsField(indexes.CharField):
    def whoosh_field(self, field):
        return TEXT(analyzer=field.analyzer, phrase=False, stored=False, field_boost=field.boost)


class FacetValueField(indexes.CharField):
    def whoosh_field(self, field):
        return ID(stored=True)


class FacetNumberField(indexes.IntegerField):
    def whoosh_field(self, field):
        return NUMERIC(numtype=int, bits=64, stored=True, signed=True)


class FacetListField(indexes.MultiValueField):
    def whoosh_field(self, field):
        return KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)


class StoredOnlyField(indexes.CharField):
    def whoosh_field(self, field):
        return STORED()


class StoredNumberField(indexes.IntegerField):
    def whoosh_field(self, field):
        return STORED()


class StoredFormField(indexes.CharField):
    """Bytes in a compressed per-document column (haystack's own conversion is skipped for bytes)."""

    def whoosh_field(self, field):
        return COLUMN(CompressedBytesColumn(level=1))

    def convert(self, value):
        return value


def title_and_body(plan: Plan) -> str:
    """The text the character views index: title and body kept apart by a newline."""
    return f"{plan.title}\n{plan.text}"


def date_key(plan: Plan) -> int:
    """Sort key for 'date': published_on, else 1 July of the year, else 0 (oldest)."""
    if plan.published_on:
        return plan.published_on.toordinal()
    if plan.year:
        from datetime import date

        return date(plan.year, 7, 1).toordinal()
    return 0


class PlanIndex(indexes.SearchIndex, indexes.Indexable):
    # One stored field per registry facet (its index_field), checked below: facets are declared in the registry.
    text = WordsField(document=True, model_attr="text", analyzer=WordAnalyzer())
    title = WordsField(model_attr="title", analyzer=WordAnalyzer(), boost=TITLE_BOOST)
    chars = BigramsField(analyzer=BigramAnalyzer())
    unigrams = UnigramsField(analyzer=UnigramAnalyzer())
    region = FacetValueField(null=True)
    level = FacetValueField(model_attr="level", null=True)
    themes = FacetListField(null=True)
    year = FacetNumberField(model_attr="year", null=True)
    date_key = FacetNumberField()
    updated = StoredOnlyField()
    title_len = StoredNumberField()
    text_len = StoredNumberField()
    issuer = StoredOnlyField(null=True)
    doc_number = StoredOnlyField(null=True)
    layout = StoredNumberField()
    stored_form = StoredFormField()
    breaks = StoredFormField()

    def get_model(self):
        return Plan

    def index_queryset(self, using=None):
        from django.db.models import Prefetch

        from plans.models import Section

        # Section rows hold a copy of their text: only the span columns are read for the stored form.
        spans = Section.objects.only("id", "plan_id", "heading", "anchor", "start", "end", "order")
        return Plan.objects.select_related("region").prefetch_related(
            "themes", Prefetch("sections", queryset=spans)
        )

    def prepare_chars(self, obj):
        return title_and_body(obj)

    def prepare_unigrams(self, obj):
        return title_and_body(obj)

    # The facets' values come from the registry's sources (plans/search/registry.py).
    def prepare_region(self, obj):
        return FACET_BY_NAME["region"].source(obj)

    def prepare_themes(self, obj):
        return FACET_BY_NAME["theme"].source(obj)

    def prepare_year(self, obj):
        return FACET_BY_NAME["year"].source(obj)

    def prepare_level(self, obj):
        return FACET_BY_NAME["level"].source(obj)

    def prepare_date_key(self, obj):
        return date_key(obj)

    def prepare_updated(self, obj):
        return obj.updated_at.isoformat() if obj.updated_at else ""

    def prepare_title_len(self, obj):
        return len(obj.title)

    def prepare_text_len(self, obj):
        return len(obj.text)

    def prepare_issuer(self, obj):
        return normalise(obj.issuer or "")

    def prepare_doc_number(self, obj):
        return normalise(obj.doc_number or "")

    def prepare_layout(self, obj):
        return STORED_LAYOUT

    def prepare_stored_form(self, obj):
        return stored_form(obj)

    def prepare_breaks(self, obj):
        return encode_breaks(title_and_body(obj))


def stored_form(plan: Plan) -> bytes:
    """Title, text and sections (heading, anchor, start, end, order; body offsets) as UTF-8 JSON."""
    sections = [
        [s.heading, s.anchor, s.start, s.end, s.order]
        for s in sorted(plan.sections.all(), key=lambda s: s.order)
    ]
    data = {"id": plan.pk, "title": plan.title, "text": plan.text, "sections": sections}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_missing = [facet.index_field for facet in FACETS if facet.index_field not in PlanIndex.fields]
if _missing:  # a facet added to the registry needs its stored field here
    raise ImportError(f"PlanIndex has no field for the registry facets {_missing}")
