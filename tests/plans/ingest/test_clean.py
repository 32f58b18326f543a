"""Chrome removal: the site's chrome goes, every line of the plan itself stays, in order."""

import re

import pytest

from plans.ingest.clean import checksum, clean
from tests.plans.ingest.conftest import seed_text

# Lines of the seed pages that are web-site chrome (page furniture), written out by hand from the seeds.
CHROME = {
    "000": [
        "湖北政府网 |邮箱|计划管理|工作后台 |自科基金验收入口 |登录|注册",
        "2017-03-01 09:36 湖北省科技厅",
        "索 引 号 011043145/2019-15823 分 类 其他",
        "发布机构 湖北省科技厅 发文日期 2017-03-01",
        "文 号 有 效 性 有效",
        "已阅 26 打印 关闭",
    ],
    "003": [
        "欢迎访问江西省科学技术厅网站!",
        "发布:办公室 来源: 访问次数:566 发布日期:2019-09-29",
        "审核:",
        "[打印文章] [添加收藏]",
        "?",
        "版权所有 翻版必究 Copyright © Powered By [江西省科技厅]",
        "铁算算盘",
    ],
    "004": ["来源: 科委办公室 ( 2017-03-06 )", "字体大小:", "[关闭窗口]"],
}


def _norm(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def _lines(text: str) -> list[str]:
    return [_norm(line) for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("key", ["000", "003", "004"])
def test_every_plan_line_kept_and_chrome_gone(key):
    raw = seed_text(key)
    chrome = CHROME[key]
    expected = [line for line in _lines(raw) if line not in chrome]
    if key == "000":
        assert expected[0] == expected[1]
        del expected[1]  # the page repeats its title: the second copy is dropped
    cleaned = clean(raw)
    assert _lines(cleaned.text) == expected
    for line in chrome:
        assert line not in _lines(cleaned.text)
    assert {_norm(line) for line, _rule in cleaned.removed} >= set(chrome)


def test_duplicate_title_line_removed_once():
    cleaned = clean(seed_text("000"))
    assert cleaned.text.count("2017年全省科技工作要点\n") == 1
    assert cleaned.removed_by("duplicate-title") == ["2017年全省科技工作要点"]


def test_corpus_marker_restored_where_it_replaced_二():
    text = "2017年湖北省政府工作报告\n　　一、2016年工作回顾\n　　过去一年……\n　　二&、2017年工作重点\n　　今年……"
    cleaned = clean(text)
    assert "&" not in cleaned.text
    assert "二、2017年工作重点" in cleaned.text.split("\n")
    assert cleaned.removed_by("corpus-marker-restored") == ["二&、"]


def test_corpus_marker_dropped_elsewhere():
    text = "2007年政府工作报告\n一、经济发展\n二、新农村建设\n三、城市建设\n二&、2007年工作安排\n今年……"
    cleaned = clean(text)
    assert "&" not in cleaned.text
    assert "2007年工作安排" in cleaned.text.split("\n")
    assert cleaned.removed_by("corpus-marker") == ["二&、"]


@pytest.mark.parametrize(
    "line",
    [
        "字体大小：大 中 小",
        "【字体：大 中 小】",
        "浏览次数：1234",
        "鄂ICP备05003358号",
        "京公网安备 11010502030143号",
        "首页 | 机构概况 | 政务公开 | 办事服务 | 互动交流",
        "[打印本页] [关闭窗口]",
        "版权所有：湖北省科学技术厅",
        "发布时间：2019-01-08 10:00",  # labels shared with the metadata reader (header.INFO_LABELS)
        "文 号：鄂科技发〔2017〕1号 发文机关：湖北省科技厅",
    ],
)
def test_common_chrome_lines(line):
    text = f"某省2018年科技工作要点\n{line}\n一、加强基础研究。支持自然科学基金项目。\n"
    assert line not in clean(text).text


@pytest.mark.parametrize(
    "line",
    [
        "一、深化科技体制改革",
        "（三）",
        "2.建设重点实验室。",
        "全省技术合同成交额达到1000亿元，比上年增长20%。",
        "附件:",
        "发布会上，省科技厅发布了2018年重点任务。",
        "分类推进科研院所改革，发布时间表和路线图。",
    ],
)
def test_plan_lines_are_not_mistaken_for_chrome(line):
    text = f"某省2018年科技工作要点\n正文第一段。\n{line}\n最后一段。\n版权所有 翻版必究\n"
    assert line in clean(text).text.split("\n")


def test_checksum_ignores_layout_and_width():
    a = "一、深化改革\n\n　　1.完善政策。"
    b = "一、深化改革\r\n1．完善政策。  "
    assert checksum(a) == checksum(b.replace("\r\n", "\n"))
    assert checksum(a) != checksum("一、深化改革\n1.完善制度。")
