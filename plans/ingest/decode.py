"""Bytes -> text for plain-text and HTML files in UTF-8 (with or without BOM), GBK, GB18030 or Big5.

Strict trial decodes in a fixed order decide the encoding; only when every strict decode fails does
charset-normalizer get a say. GBK/GB18030 and Big5 share most of their byte ranges, so a byte string often
decodes without error in both: the tie is broken by how plausible the result is as Chinese text (the share of
characters that are common in the script that encoding was made for), not by whichever was tried first.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

from plans.ingest.errors import IngestError

# Bytes that never occur in text files; a few of them in a file mean it is binary.
_BINARY_BYTES = frozenset(range(0, 9)) | {
    11,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
    28,
    29,
    30,
    31,
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    """The decoded text (line ends normalised to LF) and the encoding that produced it."""

    text: str
    encoding: str
    method: str  # "bom", "strict", "plausibility" or "charset-normalizer"


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes) -> bool:
    """True when the bytes contain control bytes that no text encoding we accept produces."""
    sample = data[:8192]
    if not sample:
        return False
    control = sum(1 for byte in sample if byte in _BINARY_BYTES)
    return b"\x00" in sample or control / len(sample) > 0.01


def _is_common_simplified(char: str) -> bool:
    # GB2312 holds the 6,763 everyday simplified characters; real mainland text is nearly all inside it.
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _is_common_traditional(char: str) -> bool:
    # Big5 level 1 (lead bytes 0xA4-0xC6) holds the 5,401 frequent traditional characters.
    try:
        encoded = char.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xA4 <= encoded[0] <= 0xC6


def plausibility(text: str, script: str) -> float:
    """Share of the non-ASCII characters that are common in `script` ("simplified" or "traditional").

    Kana, box drawing, private-use and unassigned characters are what a wrong double-byte decode produces,
    so they count against the text.
    """
    common = _is_common_simplified if script == "simplified" else _is_common_traditional
    total = good = 0
    for char in text[:20000]:
        if char.isascii():
            continue
        total += 1
        category = unicodedata.category(char)
        if category in ("Co", "Cn", "Cc"):
            continue
        if "\u4e00" <= char <= "\u9fff":
            good += common(char)
        elif category.startswith("P") or category.startswith("Z") or char in "０１２３４５６７８９％":
            good += 1
    return good / total if total else 1.0


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _truncated_utf8_tail(data: bytes) -> int | None:
    """Where valid UTF-8 ends when the only fault is an incomplete character at the very end."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            return error.start
    return None


def decode_bytes(data: bytes) -> Decoded:
    """Decode text bytes; raises IngestError for empty or binary content."""
    if not data.strip():
        raise IngestError("空文件")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is not None:
                return Decoded(normalise_newlines(text), encoding, "bom")
    if looks_binary(data):
        raise IngestError("不是可识别的文本（二进制内容）")
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(normalise_newlines(text), "utf-8", "strict")
    if (cut := _truncated_utf8_tail(data)) is not None:
        # A file cut off in the middle of its last character: keep everything before it.
        return Decoded(
            normalise_newlines(data[:cut].decode("utf-8")), "utf-8", "strict, truncated last character"
        )

    candidates: list[tuple[float, str, str]] = []
    gb_text = _strict(data, "gbk")
    gb_encoding = "gbk"
    if gb_text is None:
        # GB18030 extends GBK with four-byte sequences (rare characters, e.g. CJK extension B).
        gb_text, gb_encoding = _strict(data, "gb18030"), "gb18030"
    if gb_text is not None:
        candidates.append((plausibility(gb_text, "simplified"), gb_encoding, gb_text))
    for big5 in ("big5", "big5hkscs"):
        big5_text = _strict(data, big5)
        if big5_text is not None:
            candidates.append((plausibility(big5_text, "traditional"), big5, big5_text))
            break
    if candidates:
        # On a tie the simplified reading wins: our documents are mainland plans.
        score, encoding, text = max(candidates, key=lambda c: (c[0], c[1].startswith("gb")))
        method = "strict" if len(candidates) == 1 else "plausibility"
        return Decoded(normalise_newlines(text), encoding, method)

    # Mostly UTF-8 with a few stray bytes (a botched copy-and-paste): better a few "�" than garbage.
    replaced = data.decode("utf-8", errors="replace")
    if replaced.count("\ufffd") <= max(4, len(replaced) // 500):
        return Decoded(
            normalise_newlines(replaced), "utf-8", f"utf-8, {replaced.count(chr(0xFFFD))} 处无效字节已替换"
        )

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("不是可识别的文本（无法判断字符编码）")
    text = str(best)
    if plausibility(text, "simplified") < 0.5 and plausibility(text, "traditional") < 0.5:
        raise IngestError(f"不是可识别的文本（疑似 {best.encoding} 编码，但解码结果不像中文）")
    return Decoded(normalise_newlines(text), best.encoding, "charset-normalizer")
