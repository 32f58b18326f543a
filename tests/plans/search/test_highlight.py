"""Our highlighter: escaped text, <mark> around every term, never nested, never inside an entity."""

import re

from plans.search import highlight_html, snippet_html


def test_highlight_marks_every_occurrence_and_escapes_the_rest():
    html = highlight_html("创新驱动，科技创新。", ["创新"])
    assert html == "<mark>创新</mark>驱动，科技<mark>创新</mark>。"


def test_hostile_markup_is_shown_as_text():
    text = "<script>alert(\"x\")</script> & 科技 '金融' <b>创新</b>"
    html = highlight_html(text, ["科技", "创新"])
    assert "<script>" not in html and "<b>" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>科技</mark> &#x27;金融&#x27;" in html
    )
    assert "&lt;b&gt;<mark>创新</mark>&lt;/b&gt;" in html


def test_terms_that_look_like_markup_or_entities_are_escaped_inside_marks():
    text = "a&amp;b <mark> R&D"
    html = highlight_html(text, ["&amp", "<mark>", "r&d"])
    assert html == "a<mark>&amp;amp</mark>;b <mark>&lt;mark&gt;</mark> <mark>R&amp;D</mark>"


def test_overlapping_terms_never_nest():
    html = highlight_html("科技成果转化", ["科技成果", "成果转化", "果"])
    assert html == "<mark>科技成果转化</mark>"
    assert html.count("<mark>") == 1


def test_traditional_and_full_width_text_is_highlighted_with_its_own_characters():
    assert (
        highlight_html("推動科技創新，５Ｇ", ["科技创新", "5g"])
        == "推動<mark>科技創新</mark>，<mark>５Ｇ</mark>"
    )


def test_no_terms_means_plain_escaped_text():
    assert highlight_html("<a>", []) == "&lt;a&gt;"


def test_snippet_is_about_the_width_and_marks_every_term():
    text = "前言。" * 100 + "发展科技金融，支持孵化器建设。" + "其他内容。" * 100
    html = snippet_html(text, ["科技金融", "孵化器"], width=120)
    plain = re.sub(r"</?mark>", "", html)
    assert 100 <= len(plain) <= 130
    assert "<mark>科技金融</mark>" in html and "<mark>孵化器</mark>" in html


def test_snippet_shows_far_apart_terms_in_separate_fragments():
    text = "科技金融" + "无关内容。" * 200 + "孵化器"
    html = snippet_html(text, ["科技金融", "孵化器"], width=120)
    assert "<mark>科技金融</mark>" in html and "<mark>孵化器</mark>" in html
    assert "…" in html


def test_snippet_escapes_hostile_markup():
    text = "<img src=x onerror=alert(1)>科技创新&nbsp;"
    html = snippet_html(text, ["科技创新"])
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>科技创新</mark>&amp;nbsp;" in html


def test_snippet_without_match_is_the_beginning():
    assert snippet_html("一二三四五", ["七"], width=3) == "一二三…"
