"""The outline of the seeds and of the numbering variants, with anchors, parents and offsets."""

import pytest

from plans.ingest.clean import clean
from plans.ingest.sections import heading_of, parse_sections
from tests.plans.ingest.conftest import seed_text


def outline(key):
    text = clean(seed_text(key)).text
    return text, parse_sections(text)


def test_seed_000_numbered_一_then_1_throughout():
    text, sections = outline("000")
    top = [s for s in sections if s.depth == 1]
    assert [s.heading for s in top] == [
        "深化科技体制改革,全面推进创新体系建设",
        "深入实施“三大工程”,提升科技创新创业能力",
        "强化科技支撑引领,增强创新驱动经济社会发展新动能",
        "夯实创新发展基础,提升区域创新能力",
        "加强科技系统自身建设",
    ]
    assert len(sections) == 5 + 22  # 1. to 22. run on across the five parts
    sixth = next(s for s in sections if s.number == "6.")
    assert sixth.anchor == "s2-1"
    assert sections[sixth.parent].number == "二、"
    assert sixth.heading == "深入实施科技创业与企业培育工程"
    last = sections[-1]
    assert (last.anchor, last.number) == ("s5-3", "22.")


def test_seed_003_only_parenthesised_numbers():
    _text, sections = outline("003")
    assert [s.number for s in sections] == [f"({n})" for n in "一二三四五六七八九十"]
    assert all(s.depth == 1 and s.parent is None for s in sections)
    assert [s.anchor for s in sections] == [f"s{i}" for i in range(1, 11)]


def test_seed_004_two_levels():
    _text, sections = outline("004")
    assert [s.heading for s in sections if s.depth == 1][0] == "主要目标"
    assert sum(s.depth == 1 for s in sections) == 5
    assert sum(s.depth == 2 for s in sections) == 23
    child = next(s for s in sections if s.heading == "全力推进京津冀科技协同创新")
    assert child.anchor == "s2-1" and sections[child.parent].anchor == "s2"


@pytest.mark.parametrize("key", ["000", "003", "004"])
def test_offsets_cover_the_text_under_each_heading(key):
    text, sections = outline(key)
    for section in sections:
        assert text[section.start : section.end].rstrip() == section.text
        assert section.text.lstrip().startswith(section.number.strip())
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end == after.start
    assert len({s.anchor for s in sections}) == len(sections)


def test_variants_and_false_positives():
    text = "\n".join(
        [
            "第一部分 总体要求",
            "一、指导思想",
            "（一）基本原则",
            "1．坚持创新驱动。",
            "（1）加强基础研究。",
            "（2）加强应用研究。",
            "2、坚持开放合作。",
            "三、这一行编号跳过了二，不是标题，而是正文。",
            "1.6%的增长是正文，不是标题。",
            "第二部分 重点任务",
        ]
    )
    sections = parse_sections(text)
    assert [(s.depth, s.number) for s in sections] == [
        (1, "第一部分"),
        (2, "一、"),
        (3, "（一）"),
        (4, "1．"),
        (5, "（1）"),
        (5, "（2）"),
        (4, "2、"),
        (1, "第二部分"),
    ]
    assert [s.anchor for s in sections] == [
        "s1",
        "s1-1",
        "s1-1-1",
        "s1-1-1-1",
        "s1-1-1-1-1",
        "s1-1-1-1-2",
        "s1-1-1-2",
        "s2",
    ]


def test_heading_is_the_first_sentence():
    assert heading_of("完善科技政策法规体系。梳理国家和我省近年出台的科技法规。") == "完善科技政策法规体系"
    assert len(heading_of("很长" * 200)) <= 120
