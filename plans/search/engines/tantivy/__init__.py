"""The Tantivy adapter, for large collections (`SEARCH_URL=tantivy:///path`).

engine.py   TantivyEngine: generation folders under one root, the cross-process writer lock, rebuilds with an
            atomic switch, readers of each commit, health
reader.py   TantivyReader: columns from fast fields, exact substring sets from character-pair phrases,
            occurrence positions, BM25 scores (title boosted), stored forms, related plans
schema.py   the fields, the two analyzers (character pairs and jieba words) and a plan's document
backend.py  haystack's engine entry (the SearchIndex declaration and update_index through our writer)
"""
