"""Metadata of the seeds, of work reports, from file names, and never a silent guess."""

from datetime import date

import pytest

from plans.ingest.clean import clean
from plans.ingest.errors import IngestError
from plans.ingest.metadata import Overrides, extract_metadata, from_filename
from plans.ingest.regions import infer_region
from tests.plans.ingest.conftest import SEED_FILES, seed_text


def meta_of(text: str, filename: str = "document.txt", overrides: Overrides | None = None):
    return extract_metadata(text, clean(text).text, filename, overrides)


@pytest.mark.parametrize("use_name", [True, False])
def test_seed_000(use_name):
    meta = meta_of(seed_text("000"), SEED_FILES["000"].name if use_name else "document.txt")
    assert meta.title == "2017年全省科技工作要点"
    assert meta.issuer == "湖北省科技厅"
    assert meta.region == "湖北"
    assert meta.year == 2017
    assert meta.published_on == date(2017, 3, 1)
    assert meta.index_number == "011043145/2019-15823"
    assert meta.doc_number == ""
    assert meta.level == "provincial"
    assert meta.extraction["region"]["method"] == "info-table"
    assert not meta.review_notes


def test_seed_003():
    meta = meta_of(seed_text("003"))
    assert (meta.title, meta.region, meta.year) == ("江西省科技厅2019年科技工作安排", "江西", 2019)
    assert meta.published_on == date(2019, 9, 29)
    assert meta.issuer == "江西省科技厅"
    assert meta.level == "provincial"


def test_seed_004_region_inferred_from_place_names_with_confidence():
    """GIVEN a 市科委 plan that never names its city in the header WHEN read THEN 天津 is inferred, and how
    sure we are is recorded (a 直辖市 body ranks as provincial)."""
    meta = meta_of(seed_text("004"))
    assert (meta.title, meta.region, meta.year) == ("市科委2017年工作要点", "天津", 2017)
    assert meta.published_on == date(2017, 3, 6)
    region = meta.extraction["region"]
    assert region["method"] == "gazetteer"
    assert 0.6 < region["confidence"] < 1
    assert region["mentions"] >= 10
    assert "天津" in region["evidence"]
    assert not meta.review_notes  # a share above 0.6 from many names was right every time on the corpus
    assert meta.level == "provincial"
    assert (
        meta.extraction["level"]["method"] == "municipality"
    )  # 天津 is a 直辖市: its 市科委 ranks as provincial
    assert meta.issuer == "天津市科委"


WORK_REPORT = """湖北省人民政府2017年工作报告

　　政府工作报告
　　——2017年1月15日在湖北省第十二届人民代表大会第五次会议上
　　代省长 王晓东
各位代表：
　　现在，我代表省人民政府向大会报告工作，请予审议。
　　一、2016年工作回顾
　　过去的一年，武汉、宜昌、襄阳等地经济稳步增长。
　　二&、2017年工作重点
　　今年要抓好以下工作。
"""


def test_work_report():
    meta = meta_of(WORK_REPORT)
    assert meta.region == "湖北"
    assert meta.year == 2017
    assert meta.published_on == date(2017, 1, 15)
    assert meta.issuer == "湖北省人民政府"
    assert meta.level == "provincial"
    assert meta.title == "湖北省人民政府2017年工作报告"


def test_work_report_without_a_title_gets_a_composed_one():
    text = "——1999年2月2日在上海市第十一届人民代表大会第二次会议上\n\n各位代表：\n现在，我代表上海市人民政府向大会作报告。\n"
    meta = meta_of(text)
    assert (meta.title, meta.region, meta.year) == ("1999年上海市政府工作报告", "上海", 1999)
    assert meta.extraction["title"]["method"] == "composed"


def test_national_work_report():
    text = "政府工作报告\n——2010年3月5日在第十一届全国人民代表大会第三次会议上\n各位代表：\n现在，我代表国务院向大会作政府工作报告。\n"
    meta = meta_of(text)
    assert (meta.region, meta.level, meta.issuer, meta.year) == ("全国", "national", "国务院", 2010)
    assert meta.title == "2010年国务院政府工作报告"


def test_filename_supplies_region_and_year():
    text = "政府工作报告\n各位代表：\n现在，我代表省人民政府向大会报告工作。\n一、过去一年工作回顾\n"
    meta = meta_of(text, "湖北省2017年政府工作报告.txt")
    assert (meta.region, meta.year) == ("湖北", 2017)
    assert meta.extraction["region"]["method"] == "filename"
    assert from_filename("国务院2010年政府工作报告.txt") == ("全国", 2010)
    assert from_filename("document.txt") == ("", None)


def test_filename_that_disagrees_with_the_text_is_flagged():
    meta = meta_of(seed_text("003"), "湖北省2017年科技工作.txt")
    assert meta.region == "江西" and meta.year == 2019
    assert any("文件名" in note for note in meta.review_notes)


def test_undeterminable_fields_stay_empty_and_are_flagged():
    meta = meta_of("关于做好有关工作的说明\n请各单位认真落实。\n")
    assert meta.region == "" and meta.year is None
    assert meta.extraction["region"]["method"] == "none"
    assert any("地区" in note for note in meta.review_notes)
    assert any("年份" in note for note in meta.review_notes)


def test_overrides_win_and_are_validated():
    meta = meta_of(seed_text("004"), overrides=Overrides(region="北京市", year=2018, level="municipal"))
    assert (meta.region, meta.year, meta.level) == ("北京", 2018, "municipal")
    assert meta.extraction["region"]["method"] == "override"
    with pytest.raises(IngestError, match="未知的地区"):
        meta_of(seed_text("004"), overrides=Overrides(region="火星"))
    with pytest.raises(IngestError, match="未知的层级"):
        meta_of(seed_text("004"), overrides=Overrides(level="galactic"))


def test_gazetteer_prefers_longest_names_and_weighs_frequency():
    guess = infer_region("河北区和西青区的企业，宝坻、武清的园区；北京。")
    assert guess.region == "天津"
    assert guess.confidence > 0.7 and guess.mentions == 4
    assert infer_region("").region == ""


def test_municipal_plan_gets_city_and_level():
    text = "武汉市科技局2018年工作要点\n全市科技工作要围绕光谷建设展开。\n一、加强创新平台建设\n"
    meta = meta_of(text)
    assert meta.region == "湖北"
    assert meta.level == "municipal"
    assert meta.city == "武汉"


def test_chinese_numeral_dates():
    text = "某某省科技厅关于2016年工作的安排\n二〇一六年三月五日\n正文。\n"
    meta = meta_of(text)
    assert meta.published_on == date(2016, 3, 5)


def test_plan_of_a_central_body_is_national():
    text = (
        "科技部2018年工作要点\n一、加强基础研究\n支持北京、上海、广东建设科技创新中心，推动湖北、四川发展。\n"
    )
    meta = meta_of(text)
    assert (meta.region, meta.level, meta.issuer, meta.year) == ("全国", "national", "科技部", 2018)
