"""Remove web-site chrome from extracted text and keep every line of the plan itself.

The plans were saved from government web sites, so the text often carries the site's navigation bar, the page's
information table (索引号, 发布机构, 发布日期 ...), counters, print/close buttons and a copyright footer. Each rule
below removes whole lines that match a specific, recognisable kind of chrome; anything not recognised is kept.
Removed lines are returned with the rule that removed them, so metadata can still be read from the info table and
a reviewer can see what was dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from plans.ingest.header import info_label_count

# The upstream corpus marks the start of the next-year plan with the string "二&、"; it is not part of the text.
# Where the plan's own numbering is 一、 just before it, the marker took the place of "二、" and that is restored
# (so the outline keeps its second part); anywhere else the marker is dropped.
CORPUS_MARKER = "二&、"
_TOP_NUMBER = re.compile(r"^([一二三四五六七八九十]{1,3})、")

_NAV_SEPARATORS = re.compile(r"[|｜]")
_BRACKET_BUTTONS = re.compile(r"^(\s*[\[【〔(（]\s*[^\]】〕)）]{1,8}\s*[\]】〕)）])+\s*$")
_BUTTON_WORDS = ("打印", "关闭", "收藏", "返回", "顶部", "分享", "纠错")
_COUNTER = re.compile(
    r"(访问次数|浏览次数|阅读次数|点击数|点击次数|浏览量|阅读量|已阅|访问量)\s*[:：]?\s*\d*"
)
_FOOTER = re.compile(
    r"版权所有|翻版必究|Copyright|©|Powered\s+By|ICP\s*备|ICP证|公网安备|主办单位|承办单位|技术支持\s*[:：]",
    re.I,
)
_FONT_SIZE = re.compile(
    r"^\s*(字体|字号)(大小)?\s*[:：]?\s*([大中小]\s*){0,3}$|^\s*【?\s*字体\s*[:：]?\s*[大中小]"
)
_WELCOME = re.compile(r"^\s*欢迎(访问|光临|来到).{0,30}(网站|门户)[!！。]?\s*$")
_EDITOR = re.compile(r"^\s*(审核|责任编辑|编辑|校对|终审|初审|信息来源|作者)\s*[:：][^。，,]{0,20}$")
_DATETIME_BYLINE = re.compile(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*\S{0,30}$")
_DATE_IN_PARENS = re.compile(r"[(（]\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*[)）]")
_STRAY = re.compile(r"^[\s?？�·•|｜*＊_\-—=~]+$")


@dataclass
class Cleaned:
    """Cleaned text plus the lines removed from it, each with the rule that removed it."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)

    def removed_by(self, rule: str) -> list[str]:
        """The removed lines of one rule, e.g. "info-table", in document order."""
        return [line for line, why in self.removed if why == rule]


def _compact(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _is_nav_bar(line: str) -> bool:
    parts = [part.strip() for part in _NAV_SEPARATORS.split(line)]
    return len(parts) >= 3 and all(len(part) <= 16 for part in parts)


def _is_buttons(line: str) -> bool:
    compact = _compact(line)
    if _BRACKET_BUTTONS.match(line) and any(word in compact for word in _BUTTON_WORDS):
        return True
    # "已阅 26  打印   关闭", "打印本页 关闭窗口": short lines made of button words and counters.
    words = sum(compact.count(word) for word in _BUTTON_WORDS)
    return words >= 2 and len(compact) <= 24


def _is_info_table(line: str) -> bool:
    compact = _compact(line)
    if len(compact) > 80:
        return False
    if compact.startswith(("索引号", "发布机构", "发文日期", "主题分类", "成文日期")):
        return True
    if compact.startswith(("文号", "来源", "发布", "分类")):
        if compact.endswith("。") or "，" in compact:  # a sentence of the plan (分类推进…，发布时间表…。)
            return False
        labels = info_label_count(compact)
        return labels >= 2 or bool(re.match(r"^(来源|发布)[:：]", compact)) or "有效性" in compact
    return bool(_DATE_IN_PARENS.search(line) and compact.startswith("来源"))


def classify(line: str, *, in_header: bool, in_footer: bool) -> str | None:
    """The chrome rule a line matches, or None when the line belongs to the plan."""
    compact = _compact(line)
    if not compact:
        return None
    if _is_nav_bar(line) and len(compact) <= 80:
        return "nav-bar"
    if _is_buttons(line):
        return "buttons"
    if _FONT_SIZE.search(line):
        return "font-size"
    if _FOOTER.search(line) and len(compact) <= 120:
        return "footer"
    if _COUNTER.search(line) and len(compact) <= 60 and not compact.endswith("。"):
        return "counter" if not in_header else "info-table"
    if _WELCOME.match(line):
        return "welcome"
    if in_header and _is_info_table(line):
        return "info-table"
    if in_header and _DATETIME_BYLINE.match(line):
        return "info-table"
    if (in_header or in_footer) and _EDITOR.match(line):
        return "editor"
    if in_footer and _STRAY.match(line):
        return "stray"
    return None


def clean(text: str) -> Cleaned:
    """Remove chrome lines, the corpus marker and repeated title lines; strip indentation; keep the rest."""
    lines = text.split("\n")
    header_end = _header_end(lines)
    footer_start = _footer_start(lines)
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    seen_header_lines: set[str] = set()
    last_top_number = ""
    for number, raw in enumerate(lines):
        line = raw.strip()
        if CORPUS_MARKER in line:
            restore = line.startswith(CORPUS_MARKER) and last_top_number == "一"
            line = ("二、" + line.removeprefix(CORPUS_MARKER)) if restore else line.replace(CORPUS_MARKER, "")
            removed.append((CORPUS_MARKER, "corpus-marker-restored" if restore else "corpus-marker"))
        if top := _TOP_NUMBER.match(line):
            last_top_number = top.group(1)
        in_header = number < header_end
        in_footer = number >= footer_start
        rule = classify(line, in_header=in_header, in_footer=in_footer)
        if (
            rule is None
            and in_footer
            and line
            and len(_compact(line)) <= 12
            and not line.endswith(("。", "：", ":"))
        ):
            rule = "footer-tail"  # widget labels after the footer ("铁算算盘"), never a plan paragraph
        if rule is None and in_header and line:
            key = _compact(line)
            if key in seen_header_lines:
                rule = "duplicate-title"
            seen_header_lines.add(key)
        if rule:
            removed.append((raw.strip(), rule))
            continue
        if not line and (not kept or not kept[-1]):
            continue  # one blank line between paragraphs is enough
        kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return Cleaned("\n".join(kept), removed)


def _header_end(lines: list[str]) -> int:
    """The page header ends at the first long paragraph (the body), or after 15 lines."""
    for number, line in enumerate(lines[:15]):
        if len(_compact(line)) > 60 or _compact(line).startswith("各位代表"):
            return number
    return min(len(lines), 15)


def _footer_start(lines: list[str]) -> int:
    """The page footer starts at the first footer/button line within the last 15 lines; else nothing."""
    start = max(0, len(lines) - 15)
    for number in range(start, len(lines)):
        line = lines[number]
        if _FOOTER.search(line) or _is_buttons(line):
            # Short label lines just above the buttons ("审核:") belong to the footer as well.
            while number > start and (_EDITOR.match(lines[number - 1]) or not lines[number - 1].strip()):
                number -= 1
            return number
    return len(lines)


def normalised_for_checksum(text: str) -> str:
    """Compatibility-normalised text without any whitespace: equal for the same plan in any encoding or layout."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def checksum(text: str) -> str:
    """SHA-256 of the normalised cleaned text."""
    return hashlib.sha256(normalised_for_checksum(text).encode("utf-8")).hexdigest()
