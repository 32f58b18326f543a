"""A result page ranked and faceted inside the engine, for a reader that can (`ranked_hits`, `facet_counts`).

search() (engine.py) defines a page from the snapshot's primitives: every matching docnum, its score and its
columns, worked out in numpy. At 100,000 plans a common term moves 100,000 docnums and scores out of the
engine per first-time query. A reader with `ranked_hits` and `facet_counts` (engines/base.py) hands back
only what the page shows: the count, the facet counts and the best few by score. This module builds the
same page from those, by the same definition:

- the result set is the query's expression within the facet selections and the year range;
- a facet's counts apply every selection but its own (engine.py, facets.filter_and_count_array);
- for several ranking terms, the plans where they stand together (either order for two) come first;
- in each group the order is by score, equal scores by date (newest first, then the higher id), and plans
  no ranking clause matches last, by date.

The engine returns the best by score with equal scores in its own order, so the ties at the edge of a page
are asked for until all of them are in hand, and ordered by date here. tests/plans/search/test_ranked.py
holds the pages of both ways equal on generated collections. Queries the engine cannot decide alone
(proximity, scoped terms, whitespace in a term, an index without the facet fields) return None: search()
then uses the primitives.
"""

from __future__ import annotations

import math
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from plans.search.facets import where_of
from plans.search.grammar import And, Not, Or, Term, has_proximity
from plans.search.registry import FACETS
from plans.search.types import SearchParams, Where

RANK_IN_ENGINE = True  # tests turn it off to hold the two ways' pages equal
TIE_MARGIN = 32  # places asked for beyond a page, so that its last score's ties are usually all in hand
MEMO_WEIGHT = 64  # the memo weight of one remembered answer (a page's worth of ids, or a facet's counts)


@dataclass
class EnginePage:
    """What search() needs of a ranked page: the count, the page, its docnums, their scores and the counts."""

    count: int
    page: int
    pages: int
    window: list[int]
    scores: dict[int, float]
    counts: dict[str, Counter]


def engine_page(snapshot, parsed, params: SearchParams, required: list[str], sort: str, page_size: int):
    """The page of `params` ranked and faceted by the reader, or None when it cannot answer this query.

    The engine's requests run side by side (the reader releases the GIL while it searches): the facet
    counts, with the whole selection's total, in other threads while this one ranks the first group. The
    total spares the second group a search when the first fills the pages asked for."""
    reader = snapshot.reader
    if (
        not RANK_IN_ENGINE
        or sort != "relevance"
        or not required
        or parsed.tree is None
        or has_proximity(parsed.tree)
        or not hasattr(reader, "ranked_hits")
    ):
        return None
    groups = _groups(parsed.tree, required)
    where = where_of(params)
    requests = _facet_requests(params) if params.with_facets else []
    if len(groups) > 1 and not any(request_where == where for request_where, _ in requests):
        requests.append((where, []))  # the total alone
    pending = [
        _pool().submit(_facet_request, snapshot, parsed.tree, w, facets, w == where) for w, facets in requests
    ]
    try:
        page = max(1, int(params.page or 1))
        ranked = _ranked(snapshot, groups, where, required, page * page_size, lambda: _total(pending))
        answers = [future.result() for future in pending]
    finally:
        for future in pending:
            future.cancel()
    if ranked is None or any(answer is None for answer in answers):
        return None
    counts: dict[str, Counter] = {}
    for _total_found, found in answers:
        counts.update(found)
    count, window_ids, scores = ranked
    pages = max(1, math.ceil(count / page_size))
    if page > pages:  # past the last page: the last page instead, as search() does
        page = pages
        ranked = _ranked(snapshot, groups, where, required, page * page_size, lambda: _total(pending))
        if ranked is None:
            return None
        count, window_ids, scores = ranked
    window = window_ids[(page - 1) * page_size : page * page_size]
    return EnginePage(count, page, pages, window, {d: scores[d] for d in window if d in scores}, counts)


_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """This process's threads for the engine's requests (made anew in a forked child: threads do not fork)."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            workers = max(2, min(4, os.cpu_count() or 2))
            _executor = (os.getpid(), ThreadPoolExecutor(workers, thread_name_prefix="search-engine"))
        return _executor[1]


def _total(pending) -> int | None:
    """How many documents satisfy the query within the whole selection, from the facet request that
    counted them (None when the reader could not)."""
    for future in pending:
        answer = future.result()
        if answer is not None and answer[0] is not None:
            return answer[0]
    return None


def _groups(tree, required: list[str]) -> list:
    """The query's expression, split as search() ranks it: with several ranking terms, the plans where they
    stand together (in either order for two; for more, in the order typed) first, then the rest."""
    if len(required) < 2:
        return [tree]
    orders = [required, list(reversed(required))] if len(required) == 2 else [required]
    joined = [Term("".join(t.replace(" ", "") for t in order)) for order in orders]
    together = joined[0] if len(joined) == 1 else Or(tuple(dict.fromkeys(joined)))
    return [And((tree, together)), And((tree, Not(together)))]


def _ranked(snapshot, groups: list, where: Where, required: list[str], needed: int, total=None):
    """(count, the first `needed` docnums in order, their scores) over the groups; None: the reader cannot.
    `total()`, when given, is how many documents all the groups hold: a group after the pages asked for
    are filled is then counted by subtraction instead of a search."""
    count = 0
    order: list[int] = []
    scores: dict[int, float] = {}
    for index, group in enumerate(groups):
        want = needed - len(order)
        if want <= 0 and index == len(groups) - 1 and total is not None:
            found = total()
            if found is not None:
                return found, order, scores
        best = _best(snapshot, group, where, required, want)
        if best is None:
            return None
        group_count, ids, values = best
        count += group_count
        order += ids
        scores.update((d, s) for d, s in zip(ids, values, strict=True) if s > 0)
    return count, order, scores


def _best(snapshot, tree, where: Where, ranking: list[str], want: int):
    """(how many satisfy `tree` within `where`, the best `want` of them by score then date, their scores)."""

    def compute():
        reader = snapshot.reader
        if want <= 0:
            answer = reader.ranked_hits(tree, where, [], 1)  # the count only
            return None if answer is None else (answer[0], [], [])
        limit = want + TIE_MARGIN
        while True:
            answer = reader.ranked_hits(tree, where, ranking, limit)
            if answer is None:
                return None
            count, ids, values = answer
            # Complete when every document scoring at least the want-th score is in hand: fewer came back
            # than asked (all of them), or the last one scores less than the want-th.
            if len(ids) < limit or len(ids) >= count or values[-1] < values[want - 1]:
                break
            limit = min(count, limit * 4)
        ids_array = np.asarray(ids, dtype=np.int64)
        values_array = np.asarray(values, dtype=np.float64)
        date_rank = snapshot.columns.date_rank_array
        top = np.lexsort((date_rank[ids_array], -values_array))[:want]
        return count, ids_array[top].tolist(), values_array[top].tolist()

    return snapshot.memo(("ranked.best", tree, where, tuple(ranking), want), compute, lambda _: MEMO_WEIGHT)


def _facet_requests(params: SearchParams) -> list[tuple[Where, list]]:
    """The facet counts of a page, the disjunctive way: the facets without a selection counted in one
    request over the whole selection, each selected facet over every selection but its own."""
    unselected = [facet for facet in FACETS if not getattr(params, facet.params_field)]
    requests = [(where_of(params), unselected)] if unselected else []
    requests += [
        (where_of(params, skip=facet.name), [facet])
        for facet in FACETS
        if getattr(params, facet.params_field)
    ]
    return requests


def _facet_request(snapshot, tree, where: Where, facets: list, with_total: bool):
    """(the total when asked for, else None; {facet name: Counter}) of one request; None: the reader cannot."""
    columns = tuple(facet.column for facet in facets)

    def compute():
        return snapshot.reader.facet_counts(tree, where, columns, with_total=with_total)

    found = snapshot.memo(("ranked.facets", tree, where, columns, with_total), compute, lambda _: MEMO_WEIGHT)
    if found is None:
        return None
    total, found = found if with_total else (None, found)
    counts: dict[str, Counter] = {}
    for facet in facets:
        values = found[facet.column]
        if facet.kind == "number":  # the column's type, whatever number type the engine keyed it by
            values = {int(value): n for value, n in values.items()}
        counts[facet.name] = Counter(values)
    return total, counts
