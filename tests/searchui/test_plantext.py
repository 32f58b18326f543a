"""A plan's text cut into sections with anchors, headings apart, terms highlighted."""

from plans.models import Section
from searchui.plantext import offsets_consistent, text_blocks

TEXT = "前言第一段。\n一、总体要求\n坚持创新驱动。\n（一）指导思想\n全面贯彻。\n1.完善科技政策法规体系。梳理国家法规。\n"


def section(order, number, heading, depth, start, anchor=None, text=""):
    return Section(
        order=order,
        number=number,
        heading=heading,
        depth=depth,
        start=start,
        anchor=anchor or f"s{order}",
        text=text,
    )


def sections_with_offsets():
    return [
        section(1, "一、", "总体要求", 1, TEXT.index("一、")),
        section(2, "（一）", "指导思想", 2, TEXT.index("（一）")),
        section(3, "1.", "完善科技政策法规体系", 3, TEXT.index("1.")),
    ]


def test_blocks_follow_the_offsets():
    blocks = text_blocks(TEXT, sections_with_offsets())
    assert [b.anchor for b in blocks] == ["preamble", "s1", "s2", "s3"]
    assert blocks[0].paragraphs == ["前言第一段。"]
    assert blocks[1].heading == "一、总体要求" and blocks[1].paragraphs == ["坚持创新驱动。"]
    assert blocks[2].depth == 2
    # A heading that runs on into its paragraph is cut after the heading's full stop.
    assert blocks[3].heading == "1.完善科技政策法规体系。"
    assert blocks[3].paragraphs == ["梳理国家法规。"]


def test_highlighter_is_applied_and_text_escaped():
    blocks = text_blocks("<b>创新</b>\n", [], highlight=lambda s: s.replace("创新", "<mark>创新</mark>"))
    assert blocks[0].paragraphs == ["<b><mark>创新</mark></b>"]
    escaped = text_blocks("<b>创新</b>\n", [])
    assert escaped[0].paragraphs == ["&lt;b&gt;创新&lt;/b&gt;"]


def test_inconsistent_offsets_fall_back_to_section_text():
    broken = [
        section(1, "一、", "总体要求", 1, 0, text="坚持创新驱动。"),
        section(2, "二、", "重点任务", 1, 0, text="二、重点任务\n抓好落实。"),
    ]
    assert not offsets_consistent(TEXT, broken)
    blocks = text_blocks(TEXT, broken)
    assert [b.heading for b in blocks] == ["一、总体要求", "二、重点任务"]
    assert blocks[0].paragraphs == ["坚持创新驱动。"]
    assert blocks[1].paragraphs == ["抓好落实。"]


def test_offsets_consistent():
    assert offsets_consistent(TEXT, sections_with_offsets())
    out_of_range = [section(1, "一、", "总体要求", 1, len(TEXT) + 5)]
    assert not offsets_consistent(TEXT, out_of_range)
    wrong_line = [section(1, "一、", "总体要求", 1, 0)]
    assert not offsets_consistent(TEXT, wrong_line)
