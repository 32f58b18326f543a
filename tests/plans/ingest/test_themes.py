"""Theme assignment by keyword, explained by the matched keywords."""

import pytest

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


# --- the rule: a real share of the plan, weighed against the collection ---------------------------------------

from plans.ingest import themes as rule  # noqa: E402
from plans.ingest.sections import parse_sections  # noqa: E402
from plans.ingest.themes import CollectionStats, OutlineEntry, decide, plan_evidence  # noqa: E402
from plans.taxonomy import THEMES  # noqa: E402
from tests.plans.ingest.conftest import SEED_FILES, seed_text  # noqa: E402

SPECS = [ThemeSpec(name, tuple(keywords), min_hits) for name, _slug, _group, min_hits, keywords in THEMES]
FILLER = "全面落实各项工作任务，确保各项目标按期完成。"  # no keyword of any theme
WELFARE = "扩大就业，办好教育，完善养老和社会保障。"  # 社会民生, four keywords in one sentence


def outline(text: str) -> list[OutlineEntry]:
    return [OutlineEntry(s.heading, s.text, s.parent, s.start, s.end) for s in parse_sections(text)]


def evidence(text: str) -> dict:
    return plan_evidence(text, outline(text), SPECS)


def themes_of(text: str, stats: CollectionStats | None = None) -> dict:
    return plan_themes(text, SPECS, outline(text), stats)


def long_plan(*extra_sections: str, filler_sections: int = 20) -> str:
    parts = ["2024年工作要点"]
    numerals = "一二三四五六七八九十"
    for index in range(filler_sections):
        parts.append(f"（{numerals[index % 10]}）常规工作{index}\n" + FILLER * 8)
    for index, section in enumerate(extra_sections, start=filler_sections):
        parts.append(f"（{numerals[index % 10]}）{section}")
    return "\n".join(parts)


def collection(*texts: str) -> CollectionStats:
    """The statistics of these plans, summed by hand (the oracle for the stored aggregate)."""
    sums: dict[str, float] = {}
    for text in texts:
        for name, item in evidence(text).items():
            sums[name] = sums.get(name, 0.0) + item.share
    return CollectionStats(len(texts), sums)


def test_a_theme_mentioned_once_or_twice_in_a_long_plan_is_not_assigned():
    text = long_plan("其他工作\n" + FILLER + "推动科技成果转化。" + FILLER + "支持技术转移。")
    found = evidence(text)["科技成果转化"]
    assert found.hits == 2 and found.share < rule.PLAN_MIN_SHARE
    assert "科技成果转化" not in themes_of(text)
    assert "科技成果转化" not in themes_of(text, collection(text, long_plan(), long_plan()))


def test_a_theme_whose_keywords_fill_a_section_is_assigned_with_its_weight():
    section = "推进成果落地\n" + "加快科技成果转化，建设技术市场，促进技术转移。" * 10
    text = long_plan(section)
    themes = themes_of(text, collection(long_plan(), long_plan(), long_plan()))
    match = themes["科技成果转化"]
    assert match.matched == {"科技成果转化": 10, "技术市场": 10, "技术转移": 10}
    share = evidence(text)["科技成果转化"].share
    assert share == pytest.approx(len(section) / len(text), abs=0.01)
    assert match.basis["share"] == share and match.basis["min_weight"] == rule.PLAN_MIN_WEIGHT
    assert match.weight == pytest.approx(share / match.basis["average_share"], rel=0.01)
    assert match.weight >= rule.PLAN_MIN_WEIGHT
    # and the section itself carries the theme, explained by its density
    section_match = section_themes("推进成果落地", section, SPECS)["科技成果转化"]
    assert section_match.basis["density"] >= rule.SECTION_MIN_DENSITY and not section_match.basis["heading"]


def test_a_section_whose_heading_names_the_theme_counts_whole():
    body = FILLER * 6 + "引进院士。" + FILLER * 6  # one keyword in the body, the heading names the theme
    text = long_plan("加强科技人才队伍建设\n" + body, filler_sections=6)
    found = evidence(text)["科技人才"]
    heading_section = next(e for e in outline(text) if "科技人才" in e.heading)
    assert found.share == pytest.approx(len(heading_section.text) / len(text), abs=0.01)
    assert "科技人才" in themes_of(text)


def test_a_theme_present_everywhere_at_the_same_rate_does_not_dominate():
    # Every plan gives 社会民生 the same room; each also has a theme of its own.
    own = [
        "发展科技金融，引导创业投资。",
        "建设众创空间和孵化器。",
        "保护生态环境，推进污染防治。",
        "扩大对外开放，利用外资。",
    ]
    texts = [
        long_plan("民生工作\n" + WELFARE * 3 + FILLER, "专项工作\n" + (sentence * 4), filler_sections=4)
        for sentence in own
    ] * 15
    stats = collection(*texts)  # each plan is judged against the whole collection, itself included
    assigned = [decide(evidence(text), SPECS, stats) for text in texts]
    assert not any("社会民生" in themes for themes in assigned)
    for text, themes in zip(texts, assigned, strict=True):
        own_theme = next(name for name, item in evidence(text).items() if name != "社会民生")
        assert list(themes) == [own_theme]


def test_a_small_collection_is_judged_by_the_floor_then_by_the_average():
    text = long_plan("专项工作\n" + "建设众创空间和孵化器。" * 5, filler_sections=10)
    share = evidence(text)["创新创业与孵化"].share
    assert share >= rule.PLAN_MIN_SHARE
    assert "创新创业与孵化" in themes_of(text)  # alone: the floor decides
    # in a collection where every plan gives it twice the room, it is below the average plan
    busy = long_plan("专项工作\n" + "建设众创空间和孵化器。" * 10, filler_sections=10)
    stats = collection(*[busy] * 50)
    assert "创新创业与孵化" not in themes_of(text, stats)


def test_threshold_share_is_what_decide_applies():
    stats = CollectionStats(100, {"科技金融": 5.0})
    threshold = rule.threshold_share(stats, "科技金融")
    assert threshold == pytest.approx(
        rule.PLAN_MIN_WEIGHT * (5.0 + rule.PRIOR_PLANS * rule.PRIOR_SHARE) / 110
    )
    spec = [ThemeSpec("科技金融", ("科技金融",), 1)]
    at = {"科技金融": rule.ThemeEvidence(3, {"科技金融": 3}, threshold, 1.0)}
    below = {"科技金融": rule.ThemeEvidence(3, {"科技金融": 3}, threshold * 0.99, 1.0)}
    assert list(decide(at, spec, stats)) == ["科技金融"] and decide(below, spec, stats) == {}


@pytest.mark.parametrize("alone", [True, False], ids=["alone", "with-the-other-seeds"])
def test_seed_themes_named_by_their_top_headings_are_assigned(alone):
    texts = {key: seed_text(key) for key in SEED_FILES}
    for key, text in texts.items():
        stats = CollectionStats() if alone else collection(*(t for k, t in texts.items() if k != key))
        assigned = themes_of(text, stats)
        counts = evidence(text)
        named = {
            spec.name
            for entry in outline(text)
            if entry.parent is None
            for spec in SPECS
            if count_keywords(entry.heading, spec.keywords) and counts[spec.name].hits >= spec.min_hits
        }
        assert named <= set(assigned), (key, named - set(assigned))
        # a plan whose top-level headings name themes keeps those (step 3), a few
        assert not named or set(assigned) == named, (key, set(assigned) - named)
        assert 1 <= len(assigned) <= 5, (key, list(assigned))


def test_a_section_is_filled_only_beyond_the_collections_usual_density():
    # 社会民生's keywords (就业, 教育, ...) run through every work report: a section has to hold them well
    # above the average plan's rate, while a rarer theme needs only the SECTION_MIN_DENSITY floor.
    heading, text = "稳步推进各项工作", WELFARE + FILLER * 10  # four keywords in ~250 characters: 4 per 1,000
    welfare = next(spec for spec in SPECS if spec.name == "社会民生")
    assert rule.section_match(heading, text, welfare) is not None  # alone: the floor
    busy = CollectionStats(100, {}, {"社会民生": 100 * 4.0})  # the average plan: 4 per 1,000 characters
    assert rule.section_threshold(busy, "社会民生") == pytest.approx(
        rule.SECTION_MIN_WEIGHT * 4.0 * 100 / 110, abs=0.001
    )
    assert rule.section_match(heading, text, welfare, busy) is None
    assert rule.section_match("保障和改善民生", text, welfare, busy).basis[
        "heading"
    ]  # the heading still names it
