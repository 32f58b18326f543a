"""Each hit lists its best-matching sections (heading, anchor, snippet) from the Section rows."""

import pytest

from plans.search import SearchParams, search

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def test_hit_lists_matching_sections_best_first_in_document_order(make_plan):
    plan = make_plan(
        title="2024年科技工作要点",
        sections=[
            ("一、总体要求", "坚持创新驱动发展。"),
            ("二、科技金融", "健全科技金融服务体系，发展科技金融。支持孵化器。"),
            ("三、保障措施", "加强组织领导。"),
            ("四、平台建设", "建设孵化器和众创空间。"),
        ],
    )
    hit = search(SearchParams(q="科技金融 孵化器")).hits[0]
    assert hit.plan_id == plan.pk
    assert [(s.heading, s.anchor) for s in hit.sections] == [("二、科技金融", "s2"), ("四、平台建设", "s4")]
    assert "<mark>科技金融</mark>" in hit.sections[0].snippet
    assert "<mark>孵化器</mark>" in hit.sections[1].snippet
    assert "加强组织领导" not in hit.sections[1].snippet


def test_hit_snippet_marks_every_term(make_plan):
    make_plan(title="甲", text="前言。" * 80 + "推进科技成果转化与<b>技术转移</b>。" + "结语。" * 80)
    hit = search(SearchParams(q="科技成果转化 技术转移")).hits[0]
    assert "<mark>科技成果转化</mark>" in hit.snippet
    assert "<mark>技术转移</mark>" in hit.snippet
    assert "&lt;b&gt;" in hit.snippet


def test_without_snippets_nothing_is_highlighted(make_plan):
    make_plan(title="甲", sections=[("一、科技", "科技创新")])
    hit = search(SearchParams(q="科技", with_snippets=False)).hits[0]
    assert hit.snippet == "" and hit.sections == []
