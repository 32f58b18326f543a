"""prepare / save / ingest_bytes against the real database: what is written, and what is not."""

from datetime import date

import pytest

from plans.ingest import IngestError, Overrides, ingest_bytes, ingest_path, prepare, reassign_all_themes, save
from plans.models import Plan, PlanTheme, Section, SectionTheme, Theme
from tests.plans.ingest.conftest import PLAN_LINES, SEED_FILES, make_docx, make_pdf, seed_bytes, seed_text

pytestmark = pytest.mark.django_db


def _nothing_written():
    return Plan.objects.count() == 0 and Section.objects.count() == 0 and PlanTheme.objects.count() == 0


def test_seed_is_saved_with_sections_themes_and_original():
    outcome = ingest_path(SEED_FILES["000"])
    assert outcome.status == "ingested", outcome.reason
    plan = outcome.plan
    plan.refresh_from_db()
    assert (plan.title, plan.issuer, plan.region.name, plan.year) == (
        "2017年全省科技工作要点",
        "湖北省科技厅",
        "湖北",
        2017,
    )
    assert plan.published_on == date(2017, 3, 1)
    assert plan.index_number == "011043145/2019-15823"
    assert plan.level == "provincial"
    assert plan.source == SEED_FILES["000"].name
    assert plan.original_file.read() == seed_bytes("000")
    assert plan.extraction["region"]["method"] == "info-table"
    assert plan.extraction["file"]["encoding"] == "utf-8"
    sections = list(plan.sections.all())
    assert len(sections) == 27
    child = next(s for s in sections if s.anchor == "s2-1")
    assert child.parent.anchor == "s2"
    assert plan.text[child.start : child.end].rstrip() == child.text
    theme = plan.plan_themes.get(theme__name="科技体制改革")  # 一、深化科技体制改革，全面推进创新体系建设
    assert theme.matched["科技体制改革"] >= 1 and theme.basis["headed"]
    assert SectionTheme.objects.filter(section__plan=plan).exists()


def test_prepare_writes_nothing():
    prepared = prepare(seed_bytes("003"), "003.txt")
    assert prepared.title == "江西省科技厅2019年科技工作安排"
    assert prepared.sections and prepared.plan_themes
    assert len(prepared.section_themes) == len(prepared.sections)
    assert _nothing_written()


def test_same_plan_in_another_encoding_is_a_duplicate():
    first = ingest_bytes(seed_bytes("003"), "003.txt")
    again = ingest_bytes(seed_text("003").replace("\n", "\r\n").encode("gb18030"), "003-gbk.txt")
    assert (first.status, again.status) == ("ingested", "duplicate")
    assert again.plan == first.plan
    assert Plan.objects.count() == 1


def test_update_refreshes_in_place_and_keeps_manual_corrections():
    from plans import services

    first = ingest_bytes(seed_bytes("004"), "004.txt").plan
    services.plan_update(plan=first, manual=True, title="天津市科委2017年工作要点")
    Section.objects.filter(plan=first).delete()
    outcome = ingest_bytes(seed_bytes("004"), "004.txt", update=True)
    assert outcome.status == "updated"
    assert outcome.plan.pk == first.pk
    plan = Plan.objects.get()
    assert plan.title == "天津市科委2017年工作要点"  # the person's correction survives
    assert plan.extraction["title"]["method"] == "manual"
    assert plan.sections.count() == 28  # re-parsed


def test_bad_files_are_rejected_and_the_rest_of_the_batch_is_ingested(settings):
    settings.PLAN_MAX_FILE_BYTES = 50_000
    batch = [
        ("empty.txt", b"", "空文件"),
        ("binary.txt", b"\x00\x01\x02\x03\x04" * 100, "二进制"),
        ("cut.docx", make_docx(PLAN_LINES)[:1500], "docx 文件已损坏或被截断"),
        ("cut.pdf", make_pdf(PLAN_LINES)[:500], "pdf"),
        ("plan.xyz", b"text", "不支持的文件类型 .xyz"),
        ("huge.txt", "科技".encode() * 30_000, "文件超过"),
        ("good.docx", make_docx(PLAN_LINES), ""),
        (
            "good.pdf",
            make_pdf(["广东省科技厅2019年工作要点", "一、加强基础研究", "推动基础研究和应用基础研究。"]),
            "",
        ),
    ]
    outcomes = [ingest_bytes(data, name) for name, data, _reason in batch]
    for outcome, (name, _data, reason) in zip(outcomes, batch, strict=True):
        if reason:
            assert outcome.status == "rejected", name
            assert reason in outcome.reason
            assert outcome.plan is None
        else:
            assert outcome.status == "ingested", (name, outcome.reason)
    assert sorted(Plan.objects.values_list("source", flat=True)) == ["good.docx", "good.pdf"]
    docx_plan = Plan.objects.get(source="good.docx")
    assert (docx_plan.region.name, docx_plan.year) == ("湖北", 2018)
    assert docx_plan.sections.count() == 5  # 一、 1. 2. 二、 1.


def test_prepare_raises_ingest_error_with_reason(settings):
    settings.PLAN_MAX_FILE_BYTES = 10
    with pytest.raises(IngestError) as caught:
        prepare(seed_bytes("000"), "000.txt")
    assert "上限" in caught.value.reason


def test_overrides_are_applied():
    outcome = ingest_bytes(seed_bytes("004"), "004.txt", overrides=Overrides(region="北京", year=2016))
    plan = outcome.plan
    assert (plan.region.name, plan.year) == ("北京", 2016)


def test_chrome_only_file_is_rejected():
    outcome = ingest_bytes("首页 | 机构 | 政务公开 | 办事\n版权所有 翻版必究\n".encode(), "chrome.html")
    assert outcome.status == "rejected"
    assert _nothing_written()


def test_reassign_themes_after_keywords_change():
    ingest_bytes(seed_bytes("000"), "000.txt")
    ingest_bytes(seed_bytes("003"), "003.txt")
    assert reassign_all_themes() == 0  # nothing changed yet
    # 000's top-level heading 二 names 三大工程: the plan keeps the theme among those its headings name
    keywords = "湖北\n湖北特色\n三大工程"
    theme = Theme.objects.create(name="测试主题", slug="test-theme", keywords=keywords, min_hits=1)
    assert reassign_all_themes() == 1  # only the 湖北 plan mentions them
    assigned = PlanTheme.objects.get(theme=theme)
    assert assigned.plan.region.name == "湖北" and assigned.basis["headed"]
    assert assigned.matched["湖北特色"] == 1 and set(assigned.matched) == {"湖北特色", "湖北", "三大工程"}
    theme.keywords = "不会出现的词"
    theme.save()
    assert reassign_all_themes() == 1
    assert not PlanTheme.objects.filter(theme=theme).exists()


def test_save_a_prepared_plan_then_duplicate_then_update():
    prepared = prepare(seed_bytes("000"), "000.txt")
    assert save(prepared).status == "ingested"
    duplicate = save(prepared)
    assert duplicate.status == "duplicate" and "内容相同" in duplicate.reason
    updated = save(prepared, update=True)
    assert updated.status == "updated" and updated.plan.pk == duplicate.plan.pk
    assert Plan.objects.count() == 1 and Section.objects.count() == 27


def test_original_file_removed_when_the_transaction_fails(settings, tmp_path):
    """GIVEN a save that fails after the original was written WHEN it rolls back THEN no file lingers."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    prepared = prepare(seed_bytes("000"), "000.txt")
    prepared.sections[1].parent = 99  # an outline that cannot be written
    with pytest.raises(IndexError):
        save(prepared)
    assert _nothing_written()
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))


def test_html_page_with_an_info_table():
    """GIVEN a saved government web page in GBK with its info table WHEN ingested THEN the table gives the
    metadata and is not part of the plan text."""
    html = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
    <title>湖北省科技厅</title></head><body>
    <div>首页 | 机构概况 | 政务公开 | 办事服务 | 互动交流</div>
    <table><tr><td>索 引 号</td><td>011043145/2018-00012</td><td>分 类</td><td>其他</td></tr>
    <tr><td>发布机构</td><td>湖北省科技厅</td><td>发文日期</td><td>2018-02-27</td></tr>
    <tr><td>文 号</td><td>鄂科技发〔2018〕3号</td><td>有 效 性</td><td>有效</td></tr></table>
    <h2>2018年全省科技工作要点</h2>
    <p>一、深化科技体制改革</p><p>1.推动科技成果转化。加快技术转移和成果转化。</p>
    <p>2.发展科技金融。引导创业投资。</p>
    <div>版权所有：湖北省科学技术厅 鄂ICP备05003358号</div></body></html>"""
    outcome = ingest_bytes(html.encode("gbk"), "page.html")
    plan = outcome.plan
    assert outcome.status == "ingested", outcome.reason
    assert (plan.title, plan.issuer, plan.region.name, plan.year) == (
        "2018年全省科技工作要点",
        "湖北省科技厅",
        "湖北",
        2018,
    )
    assert plan.published_on == date(2018, 2, 27)
    assert plan.index_number == "011043145/2018-00012"
    assert plan.doc_number == "鄂科技发〔2018〕3号"
    assert plan.text.split("\n")[0] == "2018年全省科技工作要点"
    assert "索" not in plan.text and "ICP" not in plan.text and "首页" not in plan.text
    assert plan.extraction["file"]["kind"] == "html"


def test_undeterminable_metadata_is_saved_empty_and_flagged():
    """GIVEN a text that names no title, region or year WHEN ingested THEN those stay empty (the file name
    stands in for the title) and the plan is flagged for review with notes saying why."""
    text = (
        "请各单位按照要求认真做好相关工作，结合实际抓好落实，及时报送进展情况，确保各项任务按时保质完成，推动工作取得实效。"
        * 2
    )
    plan = ingest_bytes(text.encode("utf-8"), "通知.txt").plan
    assert plan.title == "通知"
    assert plan.extraction["title"]["method"] == "filename-fallback"
    assert plan.region is None and plan.year is None and plan.level == ""
    assert plan.needs_review
    assert "标题" in plan.review_notes and "地区" in plan.review_notes and "年份" in plan.review_notes


def test_official_document_layout_in_docx():
    """GIVEN an official document (red head, document number, addressees) as .docx WHEN ingested THEN the title
    is the document's own title line and the number is its 文号."""
    data = make_docx(
        [
            "湖北省科学技术厅文件",
            "鄂科技发〔2018〕3号",
            "湖北省科技厅关于印发2018年全省科技工作要点的通知",
            "各市、州科技局，厅机关各处室：",
            "现将《2018年全省科技工作要点》印发给你们，请认真贯彻落实。",
            "2018年2月27日",
            "一、深化科技体制改革",
            "1.推动科技成果转化。加快技术转移。",
        ]
    )
    plan = ingest_bytes(data, "通知.docx").plan
    assert plan.title == "湖北省科技厅关于印发2018年全省科技工作要点的通知"
    assert (plan.issuer, plan.region.name, plan.year, plan.level) == (
        "湖北省科技厅",
        "湖北",
        2018,
        "provincial",
    )
    assert plan.doc_number == "鄂科技发〔2018〕3号"
    assert plan.published_on == date(2018, 2, 27)
