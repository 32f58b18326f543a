"""The peers our engine is measured against, in the same run and on the same data.

- icontains: what a Django developer writes first (`Plan.objects.filter(text__icontains=...)` plus facet counts
  by aggregation), on whichever database is the default of the process.
- haystack_whoosh: the default recipe (haystack + Whoosh + jieba's ChineseAnalyzer, `auto_query`, two field
  facets, haystack's Highlighter) in its own temporary index and haystack connection.
- jieba_baseline: jieba's bare tokenization speed, the yardstick for indexing throughput.

This package (with plans/search/) is the only code that imports haystack, whoosh or jieba: measuring those
libraries used the default way is its purpose. The product never imports it.
"""
