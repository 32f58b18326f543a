"""Whoosh analyzers plugged into haystack fields through `analyzer=`.

Three views of the same normalised text (plans/search/normalize.py):
  WordAnalyzer     jieba words with ordinal positions: ranks whole words and words standing together (BM25F).
  BigramAnalyzer   overlapping character bigrams, position = character offset: a query string of n >= 3
                   characters is the phrase of its n-1 bigrams, which matches exactly the texts containing it.
  UnigramAnalyzer  each distinct character once, no positions: single-character queries.
Whitespace never takes part in a bigram, so joining a title and a body with a newline keeps them apart.
"""

from __future__ import annotations

from whoosh.analysis import Token, Tokenizer

from plans.search.normalize import normalise
from plans.search.segment import SPACES as _SPACES
from plans.search.segment import is_word_token, words


class _PolicyTokenizer(Tokenizer):
    """Base: Whoosh compares analyzers by class and attributes; ours have none."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)


class WordTokenizer(_PolicyTokenizer):
    def term_positions(self, value) -> dict[str, list[int]]:
        """Every word with its ordinal positions (the indexing fast path)."""
        positions: dict[str, list[int]] = {}
        pos = 0
        for word in words(normalise(value)):
            if is_word_token(word):
                found = positions.get(word)
                if found is None:
                    positions[word] = [pos]
                else:
                    found.append(pos)
                pos += 1
        return positions

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        offset = start_char
        for word in words(normalise(value)):
            length = len(word)
            if is_word_token(word):
                token.text = word
                token.boost = 1.0
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = offset
                    token.endchar = offset + length
                pos += 1
                yield token
            offset += length


class BigramTokenizer(_PolicyTokenizer):
    def term_positions(self, value) -> dict[str, list[int]]:
        """Every bigram with its character offsets, without Token objects (the indexing fast path)."""
        text = normalise(value)
        positions: dict[str, list[int]] = {}
        spaces = _SPACES
        previous = text[:1]
        for i in range(1, len(text)):
            current = text[i]
            if current not in spaces and previous not in spaces:
                gram = previous + current
                found = positions.get(gram)
                if found is None:
                    positions[gram] = [i - 1]
                else:
                    found.append(i - 1)
            previous = current
        return positions

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = normalise(value)
        spaces = _SPACES
        for i in range(len(text) - 1):
            a = text[i]
            b = text[i + 1]
            if a in spaces or b in spaces:
                continue
            token.text = a + b
            token.boost = 1.0
            if positions:
                token.pos = start_pos + i
            if chars:
                token.startchar = start_char + i
                token.endchar = start_char + i + 2
            yield token


class UnigramTokenizer(_PolicyTokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for ch in set(normalise(value)) - _SPACES:
            token.text = ch
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            yield token


WordAnalyzer = WordTokenizer
BigramAnalyzer = BigramTokenizer
UnigramAnalyzer = UnigramTokenizer
