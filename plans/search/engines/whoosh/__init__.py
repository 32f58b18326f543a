"""The Whoosh adapter (haystack declares the index; our writer, readers and matchers do the work).

engine.py     WhooshEngine: the index folder, writers, rebuilds, readers of each generation, health
reader.py     WhooshReader: one generation's columns, exact term sets and positions, scores, stored forms
indexes.py    the haystack SearchIndex (fields and their Whoosh types); backend.py haystack's engine
analyzers.py  words / bigrams / unigrams views; formats.py positions format and codec
exact.py      exact substring matching; ranking.py BM25F from posting blocks; postings.py block reads
similar.py    related plans (an OR of weighted words)
"""

import sys

from plans.search.engines.whoosh import analyzers, formats

# Indexes written before the seam pickled these classes under their old module paths (in the schema and
# segments of the table of contents); the aliases let such an index open, and be rebuilt, without a crash.
sys.modules.setdefault("plans.search.analyzers", analyzers)
sys.modules.setdefault("plans.search.formats", formats)
