"""jieba's bare tokenization speed over a sample of the benchmark text: the yardstick for indexing throughput."""

from __future__ import annotations

import time
from collections.abc import Iterable

from plans.benchmark.corpus import CorpusDoc


def jieba_throughput(docs: Iterable[CorpusDoc], *, sample_bytes: int = 8_000_000) -> dict:
    """Tokenize whole plans with `jieba.cut` (precise mode, HMM on: jieba's default) until `sample_bytes`.

    The dictionary is loaded before the clock starts, so the figure is tokenization alone.
    """
    import jieba

    jieba.initialize()
    size = 0
    plans = 0
    tokens = 0
    start = time.perf_counter()
    for doc in docs:
        for _token in jieba.cut(doc.searchable):
            tokens += 1
        size += doc.size_bytes
        plans += 1
        if size >= sample_bytes:
            break
    seconds = time.perf_counter() - start
    return {
        "mode": "jieba.cut (precise, HMM)",
        "plans": plans,
        "bytes": size,
        "tokens": tokens,
        "seconds": seconds,
        "mb_per_s": size / 1e6 / seconds if seconds else 0.0,
    }
