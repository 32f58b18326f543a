"""Reading a document's header: its first lines, the web page's labelled info table, the file name."""

from __future__ import annotations

import re
from pathlib import PurePath

from plans.ingest.regions import regions_named

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# The labels of a web page's information table (with spaces inside on the page: "索 引 号", "文    号").
# clean.py removes the table's lines by them; labelled() reads values after them.
INFO_LABELS = (
    "索引号",
    "主题分类",
    "发布机构",
    "发文机关",
    "发文日期",
    "发布日期",
    "成文日期",
    "有效性",
    "文号",
    "分类",
    "来源",
    "发布时间",
    "发布",
)


def info_label_count(compacted: str) -> int:
    """How many info-table labels a line without spaces holds; 发布日期 counts as 发布日期 and 发布, so that
    a line of the table carrying one dated label is recognised as well as one with two labels."""
    return sum(1 for label in INFO_LABELS if label in compacted)


_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def ascii_digits(text: str) -> str:
    """Full-width digits (２００１年) as ASCII, so dates and years read the same either way."""
    return text.translate(_WIDE_DIGITS)


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def header_lines(text: str, limit: int = 14) -> list[str]:
    """The first non-empty lines, up to the first long paragraph (the body)."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if len(compact(stripped)) > 90 and lines:
            break
        lines.append(stripped)
        if len(lines) >= limit:
            break
    return lines


def labelled(lines: list[str], label: str) -> str:
    """The value after a label of the page's info table ("索 引 号 011043145/2019-15823" -> "011043145/2019-15823")."""
    spaced = r"\s*".join(re.escape(char) for char in label)
    pattern = re.compile(rf"(?:^|\s){spaced}\s*[:：]?\s*(?P<rest>.*)$")
    for line in lines:
        match = pattern.search(line)
        if not match:
            continue
        rest = match["rest"].strip()
        if not rest or any(compact(rest).startswith(other) for other in INFO_LABELS):
            return ""
        return rest.split()[0].strip("[]【】")
    return ""


def is_work_report(head: list[str], opening: str) -> bool:
    """A government work report: its header calls it one, or it addresses 各位代表 at a 人民代表大会."""
    calls_itself = any(re.search(r"政府工作报告|人民政府.{0,8}工作报告", line) for line in head[:4])
    addresses_congress = "各位代表" in opening and ("人民代表大会" in opening or "向大会" in opening)
    return calls_itself or addresses_congress


def from_filename(filename: str) -> tuple[str, int | None]:
    """Region and year when the file name carries them (湖北省2017年政府工作报告.txt -> 湖北, 2017)."""
    stem = PurePath(filename).stem
    named = regions_named(stem)
    region = named[0] if len(set(named)) == 1 else ""
    years = {int(y) for y in YEAR.findall(stem)}
    year = years.pop() if len(years) == 1 else None
    return region, year
