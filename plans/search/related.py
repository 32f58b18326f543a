"""related_plans(): plans of other regions or years that share a plan's key terms and themes."""

from __future__ import annotations

import math
from collections import Counter

from plans.search.normalize import normalise
from plans.search.segment import is_word_token, words

KEY_TERMS = 15


def key_terms(text: str, snapshot, limit: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The plan's most characteristic words: term frequency x inverse document frequency in the index."""
    # counted first, filtered after: a plan has a few thousand words but far fewer distinct ones
    counts = Counter(words(normalise(text)))
    for word in [w for w in counts if len(w) < 2 or not is_word_token(w) or w.isdigit()]:
        del counts[word]
    total = max(1, snapshot.reader.doc_count())
    scored = []
    for word, tf in counts.most_common(300):
        df = snapshot.reader.word_doc_frequency(word)
        if df == 0 or df > total * 0.8 and total > 5:
            continue
        scored.append((word, (1 + math.log(tf)) * math.log(1 + total / df)))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]


def related_plans(plan, limit: int = 5) -> list:
    """The `limit` most similar plans that differ from `plan` in region or year (never the plan itself)."""
    from plans.models import Plan
    from plans.search.engine import _opened

    # An index that is missing, rebuilding or passing-unreadable leaves the plan page without related plans
    # (search() tells why); it never fails the page.
    with _opened() as (snapshot, _trouble):
        if snapshot is None:
            return []
        columns = snapshot.columns
        themes = tuple(sorted(theme.name for theme in plan.themes.all()))

        def compute() -> list[int]:
            terms = key_terms(plan.text, snapshot)
            if not terms and not themes:
                return []
            return snapshot.reader.similar(terms, list(themes), limit * 4 + 10)

        # The scoring reads the postings of the plan's key terms, which grow with the collection: remembered
        # for this index generation (a new plan indexed starts a new one), so a plan page seen again is cheap.
        candidates = snapshot.memo(("related", plan.pk, plan.checksum, themes, limit), compute)
    region = plan.region.name if plan.region_id else ""
    chosen: list[int] = []
    for docnum in candidates:
        plan_id = columns.plan_ids[docnum] if docnum < len(columns.plan_ids) else None
        if plan_id is None or plan_id == plan.pk:
            continue
        if columns.regions[docnum] == region and columns.years[docnum] == (plan.year or 0):
            continue
        chosen.append(plan_id)
        if len(chosen) >= limit:
            break
    found = Plan.objects.select_related("region").prefetch_related("themes").in_bulk(chosen)
    return [found[i] for i in chosen if i in found]
