"""Dates as Chinese documents write them: 2017-03-01, 2017.3.1, 2017年3月1日, 二〇一七年三月一日."""

from __future__ import annotations

import re
from datetime import date

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

DATE_PATTERN = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?"
)
_CN_DATE = re.compile(
    r"([〇○零Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)


def _cn_number(text: str) -> int:
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def arabic_dates(text: str) -> str:
    """Rewrite dates in Chinese numerals (二〇一七年三月一日) with Arabic digits, leaving the rest alone."""

    def replace(match: re.Match[str]) -> str:
        year = "".join(str(_CN_DIGITS[c]) for c in match.group(1))
        return f"{year}年{_cn_number(match.group(2))}月{_cn_number(match.group(3))}日"

    return _CN_DATE.sub(replace, text)


def find_dates(text: str) -> list[tuple[date, re.Match[str]]]:
    """Every valid calendar date in `text`, in order, with its match."""
    found = []
    for match in DATE_PATTERN.finditer(text):
        try:
            found.append((date(int(match["y"]), int(match["m"]), int(match["d"])), match))
        except ValueError:
            continue
    return found
