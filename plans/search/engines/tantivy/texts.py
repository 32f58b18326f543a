"""A generation's text file: every plan's title + "\\n" + text, breaks and sections, read through mmap.

tantivy-py exposes no posting positions, so occurrence positions, KWIC contexts and snippets read the plan's
text. From Tantivy's doc store that costs a block decompression plus a JSON decode (~0.27 ms for a 48 KB
plan); from this file it is one slice of a shared memory map decoded from UTF-16 (tens of microseconds).

Layout of `<generation folder>/texts.bin` (append-only, written only under the engine's writer lock):
  MAGIC, then records, each  HEAD (plan id, text bytes, title characters, break bytes, section bytes,
                                   the kinds of characters it holds that normalise to another one:
                                   normalize.variant_kinds)
                             + title + "\\n" + text in UTF-16-LE (decoded whole, so a non-BMP character
                               still counts as one Python character and every offset is exact)
                             + the break column (plans.search.snapshot.encode_breaks)
                             + the sections as compact UTF-8 JSON ([heading, anchor, start, end, order] each)
A document's `text_at` fast field holds its record's offset (0: none). The records are appended and flushed
to disk BEFORE the Tantivy commit that makes the documents visible, so a committed document's record is
always complete; records of a write that never committed (a crash, a rollback) are never referenced, and
an update's document points at its new record. A document without `text_at` (written before the file, or
into an index whose schema lacks the field) reads Tantivy's stored form as before. A file begun by an earlier
version (MAGIC_V1: heads without the kinds) keeps its layout when appended to, and its records read as
holding every kind.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from plans.search.normalize import ALL_KINDS, non_overlapping
from plans.search.snapshot import StoredSection

TEXTS_FILE = "texts.bin"
MAGIC = b"PSTEXT2\n"  # also keeps offset 0 free to mean "no record"
HEAD = struct.Struct("<QIIIIB")
MAGIC_V1 = b"PSTEXT1\n"  # files begun before the kinds were written
HEAD_V1 = struct.Struct("<QIIII")
ENCODING = "utf-16-le"
UNIT = np.dtype("<u2")  # a UTF-16-LE code unit
SURROGATE_FIRST, SURROGATES = np.uint16(0xD800), np.uint16(0x800)  # U+D800-U+DFFF


# How a needle is counted in a record: by bytes.find, one call an occurrence (a few microseconds a record
# for a rare string: the search skips ahead), or by numpy over the record's code units (about 10-20 µs a
# record whatever it holds). A needle starts with find and turns to numpy for the rest of its records when the
# first SAMPLE_RECORDS held more than DENSE_OCCURRENCES a record on average (发展: about 100).
SAMPLE_RECORDS = 32
DENSE_OCCURRENCES = 16


class Needle:
    """A normalised string to count or find in records, prepared once for all of them: its UTF-16-LE bytes and
    code units, and what the records counted so far held (to choose how to count the next)."""

    __slots__ = ("encoded", "units", "self_overlapping", "_records", "_found")

    def __init__(self, string: str):
        self.encoded = string.encode(ENCODING)
        self.units = np.frombuffer(self.encoded, dtype=UNIT)
        # "科科" or "科技科" can overlap itself: its matches must be thinned as str.count thins them
        self.self_overlapping = any(string[:k] == string[-k:] for k in range(1, len(string)))
        self._records = self._found = 0

    @property
    def dense(self) -> bool:
        """Whether the records counted so far make numpy the cheaper way for the next."""
        return self._records >= SAMPLE_RECORDS and self._found > DENSE_OCCURRENCES * self._records

    def counted(self, found: int) -> int:
        """Note one record's count; `found`."""
        self._records += 1
        self._found += found
        return found

    def count_in(self, text: np.ndarray) -> int:
        """Non-overlapping occurrences in `text` (code units), as str.count counts them."""
        units, size = self.units, len(self.units)
        if size <= 2 and not self.self_overlapping:  # no starts needed: count the matching places
            span = len(text) - size + 1
            if span <= 0:
                return 0
            if size == 1:
                return int(np.count_nonzero(text == units[0]))
            pairs = text[:span] == units[0]
            pairs &= text[1 : span + 1] == units[1]
            return int(np.count_nonzero(pairs))
        starts = self.starts_in(text)
        if self.self_overlapping:
            return len(non_overlapping(starts.tolist(), size))
        return len(starts)

    def starts_in(self, text: np.ndarray) -> np.ndarray:
        """The start (in code units) of every occurrence in `text`, overlapping ones included, in order."""
        units, size = self.units, len(self.units)
        span = len(text) - size + 1
        if span <= 0:
            return np.empty(0, dtype=np.intp)
        if size == 1:
            return np.flatnonzero(text == units[0])
        pairs = text[:span] == units[0]
        pairs &= text[1 : span + 1] == units[1]
        starts = np.flatnonzero(pairs)  # few: where the first two units match
        for offset in range(2, size):
            starts = starts[text[starts + offset] == units[offset]]
        return starts


def outside_bmp(units: np.ndarray) -> bool:
    """Whether code units hold a surrogate, i.e. a character outside the BMP (where a unit offset stops being
    a character offset)."""
    return bool(np.any((units - SURROGATE_FIRST) < SURROGATES))  # uint16 arithmetic wraps below the first


def record(
    plan_id: int, title: str, text: str, breaks: bytes, sections: Sequence, kinds: int = ALL_KINDS
) -> bytes:
    """The record of one plan (see the module docstring); `kinds` as normalize.variant_kinds(title + "\n" + text)
    gives them (every kind when not known)."""
    joined = f"{title}\n{text}".encode(ENCODING)
    listed = json.dumps([list(s) for s in sections], ensure_ascii=False, separators=(",", ":")).encode()
    head = HEAD.pack(plan_id, len(joined), len(title), len(breaks), len(listed), kinds)
    return b"".join((head, joined, breaks, listed))


def _as_v1(item: bytes) -> bytes:
    """A record in the layout of a file begun by an earlier version (its head without the kinds)."""
    plan_id, text_bytes, title_chars, break_bytes, section_bytes, _kinds = HEAD.unpack_from(item)
    return HEAD_V1.pack(plan_id, text_bytes, title_chars, break_bytes, section_bytes) + item[HEAD.size :]


def append(folder: Path, records: Sequence[bytes]) -> list[int]:
    """Append `records` to the folder's text file, flushed to disk; their offsets, in order.

    Called under the engine's writer lock, before the commit that refers to the offsets."""
    path = Path(folder) / TEXTS_FILE
    with open(path, "a+b") as handle:
        at = handle.seek(0, os.SEEK_END)
        if at < len(MAGIC):  # a new file (or a torn first write: start over past it)
            handle.truncate(0)
            handle.write(MAGIC)
            at = len(MAGIC)
        handle.seek(0)
        if handle.read(len(MAGIC_V1)) == MAGIC_V1:
            records = [_as_v1(item) for item in records]
        handle.seek(0, os.SEEK_END)
        offsets = []
        for item in records:
            offsets.append(at)
            handle.write(item)
            at += len(item)
        handle.flush()
        os.fsync(handle.fileno())
    return offsets


class Appender:
    """Streams a rebuild's records into a new generation's text file (flush() before the commit)."""

    def __init__(self, folder: Path):
        self._handle = open(Path(folder) / TEXTS_FILE, "wb")  # noqa: SIM115 - closed by close()
        self._handle.write(MAGIC)
        self._at = len(MAGIC)

    def add(self, item: bytes) -> int:
        """Append one record; its offset."""
        at = self._at
        self._handle.write(item)
        self._at += len(item)
        return at

    def flush(self) -> None:
        """Everything added so far on disk."""
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


class TextFile:
    """A read-only map of one generation's text file as it was when the snapshot opened (every record a
    committed document refers to was written before that). Pages are the shared page cache: no copy per
    worker, and only the slices asked for become Python strings."""

    def __init__(self, folder: Path):
        self._map: mmap.mmap | None = None
        try:
            with open(Path(folder) / TEXTS_FILE, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > len(MAGIC):
                    self._map = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ)
        except OSError:  # no file (an index written before it): every document falls back
            self._map = None
        self._struct = HEAD
        if self._map is not None and self._map[: len(MAGIC_V1)] == MAGIC_V1:
            self._struct = HEAD_V1
        elif self._map is not None and self._map[: len(MAGIC)] != MAGIC:
            self._map = None
        self._view = memoryview(self._map) if self._map is not None else None

    def _head(self, plan_id: int, at: int):
        """(start of the text, text bytes, title characters, break bytes, section bytes, kinds) of the record
        at `at` when it is a complete record of `plan_id`; None otherwise (the caller falls back)."""
        view, head = self._view, self._struct
        if view is None or at < len(MAGIC) or at + head.size > len(view):
            return None
        owner, text_bytes, title_chars, break_bytes, section_bytes, *kinds = head.unpack_from(view, at)
        start = at + head.size
        if owner != plan_id or start + text_bytes + break_bytes + section_bytes > len(view):
            return None
        return start, text_bytes, title_chars, break_bytes, section_bytes, kinds[0] if kinds else ALL_KINDS

    def kinds(self, plan_id: int, at: int) -> int | None:
        """The kinds of characters that normalise to another one in the plan's record at `at` (every kind in
        a file of the earlier layout), None when there is no record."""
        head = self._head(plan_id, at)
        return None if head is None else head[5]

    def joined(self, plan_id: int, at: int) -> tuple[str, int] | None:
        """(title + "\\n" + text, title length) of the plan's record at `at`, None when there is none."""
        head = self._head(plan_id, at)
        if head is None:
            return None
        start, text_bytes, title_chars, _breaks, _sections, _kinds = head
        return str(self._view[start : start + text_bytes], ENCODING), title_chars

    def count(self, plan_id: int, at: int, needle: Needle) -> int | None:
        """Non-overlapping occurrences of `needle` in the plan's title + "\\n" + text, as str.count counts them,
        searched in the map itself: no copy, no decoding. None when there is no record.

        A match counts only on a character boundary (an even byte offset from the text's start: a character's
        two bytes can appear straddling two other characters), and UTF-16 needs no more than that: a surrogate
        never stands for a character of its own, so an aligned match is a match of characters. A rare string
        is found by bytes.find, a common one (Needle.dense) by numpy over the record's code units: a common
        word's million occurrences cost a pass over the text, not a call each."""
        head = self._head(plan_id, at)
        if head is None or not needle.encoded:
            return None
        start, end = head[0], head[0] + head[1]
        if needle.dense:
            units = np.frombuffer(self._map, dtype=UNIT, count=head[1] // 2, offset=start)
            return needle.counted(needle.count_in(units))
        found = 0
        at = self._aligned_find(needle.encoded, start, start, end)
        while at >= 0:
            found += 1
            at = self._aligned_find(needle.encoded, start, at + len(needle.encoded), end)
        return needle.counted(found)

    def _aligned_find(self, needle: bytes, origin: int, begin: int, end: int) -> int:
        """The first offset >= `begin` where `needle` lies wholly before `end`, an even distance from
        `origin`; -1 when there is none."""
        find = self._map.find
        at = find(needle, begin, end)
        while at >= 0 and (at - origin) % 2:
            at = find(needle, at + 1, end)
        return at

    def units(self, plan_id: int, at: int) -> np.ndarray | None:
        """The plan's title + "\\n" + text as UTF-16 code units, a view of the map (None: no record)."""
        head = self._head(plan_id, at)
        if head is None:
            return None
        return np.frombuffer(self._map, dtype=UNIT, count=head[1] // 2, offset=head[0])

    def breaks(self, plan_id: int, at: int) -> bytes | None:
        """The break column value of the plan's record at `at`, None when there is none."""
        head = self._head(plan_id, at)
        if head is None:
            return None
        start, text_bytes, _title, break_bytes, _sections, _kinds = head
        return bytes(self._view[start + text_bytes : start + text_bytes + break_bytes])

    def sections(self, plan_id: int, at: int) -> tuple[StoredSection, ...] | None:
        """The sections of the plan's record at `at`, None when there is none."""
        head = self._head(plan_id, at)
        if head is None:
            return None
        start, text_bytes, _title, break_bytes, section_bytes, _kinds = head
        begin = start + text_bytes + break_bytes
        listed = json.loads(str(self._view[begin : begin + section_bytes], "utf-8"))
        return tuple(StoredSection(*section) for section in listed)
