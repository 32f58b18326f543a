"""Theme assignment by keyword, explained by the matched keywords."""

from plans.ingest.themes import ThemeSpec, count_keywords, plan_themes, section_themes

FINANCE = ThemeSpec("科技金融", ("科技金融", "创业投资", "科技保险"), 2)
TRANSFER = ThemeSpec("科技成果转化", ("科技成果转化", "成果转化", "技术转移"), 2)
TALENT = ThemeSpec("科技人才", ("科技人才", "院士"), 3)


def test_longest_keyword_wins_and_is_counted_once():
    counts = count_keywords("推动科技成果转化，加快成果转化和技术转移。", TRANSFER.keywords)
    assert counts == {"科技成果转化": 1, "成果转化": 1, "技术转移": 1}


def test_plan_themes_with_explanations_and_min_hits():
    text = "发展科技金融，引导创业投资，试点科技保险。推动科技成果转化。培养科技人才。"
    themes = plan_themes(text, [FINANCE, TRANSFER, TALENT])
    assert list(themes) == ["科技金融"]  # 成果转化 once (< 2), 科技人才 once (< 3)
    assert themes["科技金融"].matched == {"科技金融": 1, "创业投资": 1, "科技保险": 1}
    assert themes["科技金融"].hits == 3
    assert themes["科技金融"].score > 0


def test_section_theme_from_one_keyword_in_its_heading():
    themes = section_themes(
        "加强科技人才队伍建设", "加强科技人才队伍建设。引进高层次人才。", [TALENT, FINANCE]
    )
    assert list(themes) == ["科技人才"]
    assert themes["科技人才"].matched == {"科技人才": 1}
    assert section_themes("其他工作", "做好科技人才工作。", [TALENT]) == {}


def test_no_keywords_no_theme():
    assert plan_themes("与主题无关的文字。", [FINANCE, ThemeSpec("空", (), 1)]) == {}
