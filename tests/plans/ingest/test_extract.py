"""Each extractor turns a real file of its kind into text, and rejects damaged files with a reason."""

import pytest

from plans.ingest.errors import IngestError
from plans.ingest.extract import extract, file_kind, html_to_text
from tests.plans.ingest.conftest import PLAN_LINES, make_docx, make_pdf, seed_bytes


def test_txt_is_decoded():
    result = extract(seed_bytes("000"), "plan.txt")
    assert result.kind == "txt" and result.encoding == "utf-8"
    assert "2017年全省科技工作要点" in result.text


def test_html_keeps_block_structure_and_drops_scripts():
    html = (
        "<html><head><title>要点_某某网站</title><style>p{color:red}</style></head><body>"
        "<div class='nav'>首页 | 机构 | 政务公开 | 办事</div>"
        "<h1>湖北省科技厅2018年科技工作要点</h1><script>var a='不要';</script>"
        "<p>一、深化科技体制改革</p><p>1.完善&nbsp;政策&amp;法规。</p></body></html>"
    )
    result = extract(html.encode("utf-8"), "page.html")
    lines = result.text.split("\n")
    assert "湖北省科技厅2018年科技工作要点" in lines
    assert "一、深化科技体制改革" in lines
    assert "1.完善\xa0政策&法规。" in lines
    assert "不要" not in result.text and "color" not in result.text and "某某网站" not in result.text


def test_html_declared_gb2312_is_honoured():
    html = '<html><head><meta charset="gb2312"></head><body><p>科技工作要点</p></body></html>'
    result = extract(html.encode("gbk"), "page.htm")
    assert result.kind == "html"
    assert html_to_text(html) in result.text


def test_docx_paragraphs_and_tables_in_order():
    data = make_docx(PLAN_LINES, table=[["指标", "目标"], ["研发投入", "2.5%"]])
    result = extract(data, "plan.docx")
    assert result.kind == "docx"
    lines = result.text.split("\n")
    assert lines[: len(PLAN_LINES)] == PLAN_LINES
    assert "研发投入 2.5%" in lines


def test_pdf_chinese_text_comes_back():
    result = extract(make_pdf(PLAN_LINES), "plan.pdf")
    assert result.kind == "pdf"
    for line in PLAN_LINES:
        assert line in result.text


@pytest.mark.parametrize(
    ("data_factory", "filename", "reason"),
    [
        (lambda: make_docx(PLAN_LINES)[:2000], "cut.docx", "docx 文件已损坏或被截断"),
        (lambda: b"PK\x03\x04 not really a zip", "fake.docx", "docx 文件已损坏或被截断"),
        (lambda: make_pdf(PLAN_LINES)[:600], "cut.pdf", "pdf"),
        (lambda: b"%PDF-1.4\n%garbage without objects", "broken.pdf", "pdf"),
        (lambda: b"hello", "notes.xyz", "不支持的文件类型 .xyz"),
        (lambda: b"hello", "README", "不支持的文件类型"),
        (lambda: b"", "empty.txt", "空文件"),
        (lambda: b"  \n\r\n ", "blank.txt", "空文件"),
        (lambda: bytes(range(256)) * 10, "image.txt", "不是可识别的文本（二进制内容）"),
        (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50, "pic.html", "二进制"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(data_factory, filename, reason):
    with pytest.raises(IngestError) as caught:
        extract(data_factory(), filename)
    assert reason in caught.value.reason


def test_file_kind_is_case_insensitive():
    assert file_kind("PLAN.DOCX") == "docx"
    assert file_kind("page.htm") == "html"


def test_pdf_wrapped_lines_are_joined_but_headings_kept_apart():
    from plans.ingest.extract import _join_pdf_lines

    text = "一、深化改革\n推动科技体制改革，完善政策法规体系\n和评价制度。\n1.完善科技政策法规体系，梳理国家和\n我省出台的科技法规。\n2.加强平台建设。\n\n二、加强人才\n引进人才"
    assert _join_pdf_lines(text).split("\n") == [
        "一、深化改革",
        "推动科技体制改革，完善政策法规体系和评价制度。",
        "1.完善科技政策法规体系，梳理国家和我省出台的科技法规。",
        "2.加强平台建设。",
        "二、加强人才",
        "引进人才",
    ]


def test_docx_automatic_list_numbers_are_written_out():
    from tests.plans.ingest.conftest import make_numbered_docx

    data = make_numbered_docx(
        [
            (None, "湖北省科技厅2018年科技工作要点"),
            (0, "深化科技体制改革"),
            (1, "完善政策"),
            (2, "推动科技成果转化。"),
            (2, "发展科技金融。"),
            (1, "优化管理"),
            (0, "加强创新平台建设"),
            (1, "建设重点实验室"),
        ]
    )
    lines = extract(data, "plan.docx").text.split("\n")
    assert lines == [
        "湖北省科技厅2018年科技工作要点",
        "一、深化科技体制改革",
        "（一）完善政策",
        "1.推动科技成果转化。",
        "2.发展科技金融。",
        "（二）优化管理",
        "二、加强创新平台建设",
        "（一）建设重点实验室",
    ]
    from plans.ingest.sections import parse_sections

    anchors = [s.anchor for s in parse_sections("\n".join(lines))]
    assert anchors == ["s1", "s1-1", "s1-1-1", "s1-1-2", "s1-2", "s2", "s2-1"]


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [(1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (12, "chineseCountingThousand", "十二"),
     (21, "chineseCounting", "二十一"), (3, "decimal", "3"), (2, "decimalEnclosedCircle", "②")],
)  # fmt: skip
def test_word_number_formats(value, fmt, shown):
    from plans.ingest.docx_text import format_number

    assert format_number(value, fmt) == shown
