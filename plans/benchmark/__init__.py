"""The benchmark: corpora (real and synthetic), the substring truth, the peers and the measurement runner.

Nothing here is imported by the product at run time; `python manage.py bench`, scripts/loadtest.py and
scripts/eval_search.py drive it. Our engine is reached only through its public API (`plans.search`), the
pipeline through `plans.ingest`; only the peers (plans/benchmark/peers/) import haystack, whoosh or jieba,
because measuring those libraries used the default way is their whole purpose.

Public helpers:
    read_corpus(path) -> list[CorpusDoc]                     the real reports with MANIFEST.tsv metadata
    synthesize(docs, count, seed) -> Iterator[CorpusDoc]     recombined plans, spread like the real ones
    substring_truth(docs, queries) -> dict[str, set[int]]    the plans each query must find
    percentile(values, p) / summarize(values)                latency statistics
    QUERY_MIX                                                the fixed query mix
"""

from plans.benchmark.corpus import CorpusDoc, read_corpus, synthesize
from plans.benchmark.queries import QUERY_MIX, BenchQuery
from plans.benchmark.stats import percentile, summarize
from plans.benchmark.truth import query_terms, substring_truth

__all__ = [
    "QUERY_MIX",
    "BenchQuery",
    "CorpusDoc",
    "percentile",
    "query_terms",
    "read_corpus",
    "substring_truth",
    "summarize",
    "synthesize",
]
