"""Fixtures for the ingest tests: the seed plans (ours) and documents generated at test time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
SEED_FILES = {name[:3]: path for path in sorted(SEEDS.glob("*.txt")) for name in [path.name]}


def seed_text(key: str) -> str:
    """The text of seed 000, 003 or 004."""
    return SEED_FILES[key].read_text(encoding="utf-8")


def seed_bytes(key: str) -> bytes:
    return SEED_FILES[key].read_bytes()


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A real .docx written by python-docx."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_numbered_docx(items: list[tuple[int | None, str]]) -> bytes:
    """A .docx whose outline numbers are Word automatic lists (numbering.xml), not typed text.

    items: (list level or None for a plain paragraph, text); level 0 shows "一、", 1 "（一）", 2 "1.".
    """
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(
        0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{lvl_xml}</w:abstractNum>')
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in items:
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A real PDF written by reportlab in the built-in CJK font STSong-Light, one paragraph per line."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        page.drawString(50, y, line)
        y -= 40  # a gap wider than a line, so each line is its own paragraph
    page.save()
    return buffer.getvalue()


PLAN_LINES = [
    "湖北省科技厅2018年科技工作要点",
    "一、深化科技体制改革",
    "1.完善科技成果转化政策。推动科技成果转化和技术转移。",
    "2.加强科技金融服务。发展创业投资和科技保险。",
    "二、加强创新平台建设",
    "1.建设重点实验室。",
]


@pytest.fixture
def plan_lines() -> list[str]:
    return list(PLAN_LINES)
