"""Text of a .docx in document order, with Word's automatic list numbers written out.

A plan typed in Word often numbers its outline with automatic lists ("一、" and "（一）" live in numbering.xml,
not in the paragraph text). Without them the outline parser would find no headings, so each numbered paragraph
gets its number rendered the way Word displays it (lvlText such as "%1、" with the level's numFmt).
"""

from __future__ import annotations

import io
import zipfile

from plans.ingest.errors import IngestError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(value: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (enough for an outline)."""
    if value < 10:
        return _CN_DIGITS[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def format_number(value: int, fmt: str) -> str:
    """A list counter in one of Word's number formats (numFmt)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "taiwaneseCounting"):
        return chinese_number(value)
    if fmt == "decimalEnclosedCircle" and value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if fmt == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if fmt in ("upperRoman", "lowerRoman"):
        numerals = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        roman = numerals[(value - 1) % 10]
        return roman if fmt == "upperRoman" else roman.lower()
    return str(value)


class _Numbering:
    """Word's list definitions and the running counters of each list."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId -> ilvl -> (start, fmt, text)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for node in root.iter(f"{W}abstractNum"):
            abstract[node.get(f"{W}abstractNumId")] = self._levels_of(node)
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None and ref.get(f"{W}val") in abstract:
                self.levels[num.get(f"{W}numId")] = abstract[ref.get(f"{W}val")]

    @staticmethod
    def _levels_of(node) -> dict[int, tuple[int, str, str]]:
        levels = {}
        for lvl in node.iter(f"{W}lvl"):
            start = lvl.find(f"{W}start")
            fmt = lvl.find(f"{W}numFmt")
            text = lvl.find(f"{W}lvlText")
            levels[int(lvl.get(f"{W}ilvl", "0"))] = (
                int(start.get(f"{W}val")) if start is not None else 1,
                fmt.get(f"{W}val") if fmt is not None else "decimal",
                text.get(f"{W}val") if text is not None else "",
            )
        return levels

    def label(self, num_id: str, ilvl: int) -> str:
        """The number Word shows for the next paragraph of list `num_id` at level `ilvl`."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start, fmt, text = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""
        for level, (level_start, level_fmt, _text) in levels.items():
            text = text.replace(f"%{level + 1}", format_number(counters.get(level, level_start), level_fmt))
        return text


def _num_pr(paragraph, styles: dict[str, object]):
    ppr = paragraph.find(f"{W}pPr")
    if ppr is None:
        return None
    num_pr = ppr.find(f"{W}numPr")
    if num_pr is None:
        style = ppr.find(f"{W}pStyle")
        style_ppr = styles.get(style.get(f"{W}val")) if style is not None else None
        num_pr = style_ppr.find(f"{W}numPr") if style_ppr is not None else None
    return num_pr


def _text_of(element) -> str:
    return "".join(node.text or "" for node in element.iter() if node.tag in (f"{W}t", f"{W}tab"))


def docx_to_text(data: bytes) -> str:
    """Paragraphs (with their list numbers) and table rows of a .docx, in document order."""
    import docx  # python-docx; imported here so the rest of the pipeline does not pay for it

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise IngestError("docx 文件已损坏或被截断") from exc
    except Exception as exc:  # lxml raises its own errors for a damaged document.xml
        raise IngestError(f"docx 文件无法读取（{type(exc).__name__}）") from exc
    numbering = _Numbering(document)
    styles = {}
    for style in document.styles.element.iter(f"{W}style"):
        ppr = style.find(f"{W}pPr")
        if ppr is not None:
            styles[style.get(f"{W}styleId")] = ppr
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        if block.tag == f"{W}p":
            text = _text_of(block)
            num_pr = _num_pr(block, styles)
            if num_pr is not None and text.strip():
                num_id = num_pr.find(f"{W}numId")
                ilvl = num_pr.find(f"{W}ilvl")
                label = numbering.label(
                    num_id.get(f"{W}val") if num_id is not None else "",
                    int(ilvl.get(f"{W}val")) if ilvl is not None else 0,
                )
                text = label + text
            lines.append(text)
        elif block.tag == f"{W}tbl":
            for row in block.iter(f"{W}tr"):
                cells = [_text_of(cell) for cell in row.iterchildren(f"{W}tc")]
                lines.append(" ".join(cell for cell in cells if cell))
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError("docx 文件中没有文字")
    return text
