"""File bytes -> text, by file type: .txt, .html/.htm, .docx, .pdf.

Each extractor returns plain text with one paragraph per line. A damaged file raises IngestError with a reason
a person can act on; no extractor guesses at content it cannot read.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath

from plans.ingest.decode import decode_bytes, normalise_newlines
from plans.ingest.docx_text import docx_to_text
from plans.ingest.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class Extracted:
    """Text of a file and how it was obtained (file kind, encoding)."""

    text: str
    kind: str  # txt / html / docx / pdf
    encoding: str  # for txt and html; "" for docx and pdf
    method: str


def file_kind(filename: str) -> str:
    """The kind of file from its name; raises IngestError for anything we cannot read."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise IngestError(f"不支持的文件类型 {shown}：请上传 .txt、.html、.docx 或 .pdf")
    return {".htm": "html"}.get(suffix, suffix[1:])


def extract(data: bytes, filename: str) -> Extracted:
    """Extract the text of a file; raises IngestError (empty, binary, damaged, unsupported)."""
    kind = file_kind(filename)
    if not data.strip():
        raise IngestError("空文件")
    if kind == "txt":
        decoded = decode_bytes(data)
        return Extracted(decoded.text, kind, decoded.encoding, decoded.method)
    if kind == "html":
        decoded = decode_bytes(_reencode_declared_html(data))
        return Extracted(html_to_text(decoded.text), kind, decoded.encoding, decoded.method)
    if kind == "docx":
        return Extracted(docx_to_text(data), kind, "", "python-docx")
    return Extracted(pdf_to_text(data), kind, "", "pdfminer")


# --- HTML -------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _reencode_declared_html(data: bytes) -> bytes:
    """Honour a <meta charset> declaration when it decodes cleanly (the strict trials handle the rest)."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return data
    declared = match.group(1).decode("ascii").lower()
    if declared in ("gb2312", "gbk"):
        declared = "gb18030"  # pages declaring GB2312 routinely contain GBK characters
    try:
        return data.decode(declared).encode("utf-8")
    except (UnicodeDecodeError, LookupError):
        return data


class _TextCollector(HTMLParser):
    """Collects visible text, breaking lines at block elements and skipping scripts and styles."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "title",
            "table",
            "section",
            "article",
            "header",
            "footer",
            "blockquote",
            "pre",
            "dt",
            "dd",
        ]
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP and tag != "head":
            self.skip_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in ("td", "th"):
            self.parts.append(" ")  # cells of one row stay on one line, apart
        if tag in self.SKIP and tag != "head" and self.skip_depth:
            self.skip_depth -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        # The <title> repeats the heading with the site name appended; the body carries the real title.
        if self.skip_depth or self.in_title:
            return
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block per line."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip(" ") for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --- PDF --------------------------------------------------------------------------------------------------


def pdf_to_text(data: bytes) -> str:
    """Text layer of a PDF; a scanned PDF without one is rejected rather than stored empty."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError("pdf 文件已损坏（缺少 %PDF 文件头）")
    try:
        text = extract_text(io.BytesIO(data))
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise IngestError("pdf 文件已损坏或被截断") from exc
    except Exception as exc:  # pdfminer raises a zoo of errors on damaged files
        raise IngestError(f"pdf 文件无法读取（{type(exc).__name__}）") from exc
    text = normalise_newlines(text).replace("\x0c", "\n")
    if not text.strip():
        raise IngestError("pdf 中没有可提取的文字（可能是扫描件，请先做文字识别）")
    return _join_pdf_lines(text)


_OUTLINE_START = re.compile(
    r"^(第[一二三四五六七八九十]+(部分|章)|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])"
)
_SENTENCE_END = ("。", "！", "？", "：", ":", "；")


def _join_pdf_lines(text: str) -> str:
    """PDF text comes in visual lines: join the lines of one paragraph, but start a new one after a blank line,
    after a line that ends a sentence or stops well short of the full width (a heading), and before a
    numbered heading."""
    lines = [raw.strip() for raw in text.split("\n")]
    full_width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line or _OUTLINE_START.match(line):
            if current:
                paragraphs.append(current)
            current = line
            if line and len(line) < 0.7 * full_width:
                paragraphs.append(current)
                current = ""
            continue
        current += line
        if current.endswith(_SENTENCE_END) or len(line) < 0.7 * full_width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(p for p in paragraphs if p)
