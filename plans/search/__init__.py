"""The search engine behind one small API. The only package that imports haystack, whoosh or jieba.

Public API (implemented by the search-engine issue):
    search(params: SearchParams) -> SearchResult
    index_plans(plan_ids) / remove_plan(plan_id) / rebuild_index()
    related_plans(plan, limit=5) -> list[Plan]
    highlight_html(text, terms) -> str        # escaped text with <mark> around every term
"""

from plans.search.types import FacetValue, Hit, SearchParams, SearchResult, SectionHit

__all__ = ["FacetValue", "Hit", "SearchParams", "SearchResult", "SectionHit"]
