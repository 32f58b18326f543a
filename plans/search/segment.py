"""Word segmentation: jieba's dictionary plus our user dictionary of policy terms, loaded once per process.

The Rust build of the same segmenter (rjieba) is used when it is importable: it yields the same tokens as
jieba's precise mode without HMM on our texts (tests/plans/search/test_segment.py checks this) at about
20x the speed. Set SEARCH_SEGMENTER=jieba to force the Python implementation.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

USER_DICT = Path(__file__).with_name("userdict.txt")
_lock = threading.Lock()
_cut = None  # the loaded segmenter: str -> list[str]
_name = ""

# What never takes part in a character bigram (a title and a body joined by a newline stay apart).
SPACES = frozenset(" \t\r\n\f\v\u00a0\u2028\u2029\u200b\ufeff")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts (\w without the underscore), searched in C


def is_word_token(token: str) -> bool:
    """True for a token worth ranking on: it contains a letter or digit (not punctuation or space)."""
    return _ALNUM.search(token) is not None


def bigrams(text: str) -> list[str]:
    """The bigrams of an already normalised query string without whitespace, in order."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


def user_terms() -> list[tuple[str, int]]:
    """The (word, frequency) pairs of the user dictionary."""
    pairs = []
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        pairs.append((parts[0], int(parts[1]) if len(parts) > 1 else 10000))
    return pairs


def _cache_dir() -> Path | None:
    try:
        from django.conf import settings

        return Path(settings.JIEBA_CACHE_DIR)
    except Exception:  # settings not configured (a bare script): jieba's own default
        return None


def load_jieba():
    """Return jieba's default tokenizer, initialised with a writable cache dir and our user dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    cache_dir = _cache_dir()
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(cache_dir)
    if not getattr(jieba.dt, "_policy_terms_loaded", False):
        jieba.dt.initialize()
        for word, freq in user_terms():
            jieba.dt.add_word(word, freq)
        jieba.dt._policy_terms_loaded = True
    return jieba.dt


@functools.lru_cache(maxsize=1)
def load_rjieba():
    """Return an rjieba tokenizer with our user dictionary, or None when rjieba is unavailable."""
    try:
        import rjieba
    except ImportError:
        return None
    tokenizer = rjieba.Jieba()
    for word, freq in user_terms():
        tokenizer.add_word(word, freq, None)
    return tokenizer


def segmenter_name() -> str:
    """'rjieba' or 'jieba': which implementation cuts words in this process."""
    words("")
    return _name


def warm() -> None:
    """Load the dictionary now (at start-up) instead of inside the first request."""
    words("预热")


def words(text: str) -> list[str]:
    """Cut normalised text into words (precise mode, no HMM: deterministic and the same in jieba and rjieba)."""
    global _cut, _name
    if _cut is None:
        with _lock:
            if _cut is None:
                choice = os.environ.get("SEARCH_SEGMENTER", "rjieba")
                tokenizer = load_rjieba() if choice == "rjieba" else None
                if tokenizer is not None:
                    _name = "rjieba"
                    _cut = lambda s: tokenizer.cut(s, False)  # noqa: E731
                else:
                    dt = load_jieba()
                    _name = "jieba"
                    _cut = lambda s: list(dt.cut(s, HMM=False))  # noqa: E731
    return _cut(text)
