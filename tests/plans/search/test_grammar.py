"""The search syntax (grammar.py): the forms of issue #13, precedence, repairs with notices, the reading.

The property tests fuzz the parser: whatever the input it returns a tree within the limits, and writing the
tree back (to_text) gives a query that parses to the same tree without any notice.
"""

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.search.grammar import (
    CHARS,
    MAX_DEPTH,
    MAX_DISTANCE,
    MAX_TERMS,
    PARAGRAPH,
    SENTENCE,
    And,
    Near,
    Not,
    Or,
    Term,
    describe,
    leaves,
    parse,
    to_text,
    walk,
)

A, B, C = Term("科技"), Term("金融"), Term("创新")


def tree(q):
    return parse(q).tree


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("科技 金融", And((A, B))),
        ("科技 AND 金融", And((A, B))),
        ("科技 and 金融", And((A, B))),
        ("科技 && 金融", And((A, B))),
        ("科技 OR 金融", Or((A, B))),
        ("科技 | 金融", Or((A, B))),
        ("科技｜金融", Or((A, B))),
        ("科技 || 金融", Or((A, B))),
        ("-科技", Not(A)),
        ("NOT 科技", Not(A)),
        ("创新 -金融", And((C, Not(B)))),
        ("创新 NOT 金融", And((C, Not(B)))),
        # NOT before AND before OR
        ("科技 OR 金融 创新", Or((A, And((B, C))))),
        ("科技 金融 OR 创新", Or((And((A, B)), C))),
        ("-科技 OR 金融", Or((Not(A), B))),
        ("(科技 OR 金融) 创新", And((Or((A, B)), C))),
        ("（科技 OR 金融）创新", And((Or((A, B)), C))),
        ("-(科技 OR 金融)", Not(Or((A, B)))),
        ('"科技，金融"', Term("科技,金融", phrase=True)),
        ("“科技成果转化”", Term("科技成果转化", phrase=True)),
        # proximity binds tightest
        ("科技 /s 金融", Near(A, B, SENTENCE)),
        ("科技 /句 金融", Near(A, B, SENTENCE)),
        ("科技/句金融", Near(A, B, SENTENCE)),
        ("科技 /p 金融", Near(A, B, PARAGRAPH)),
        ("科技 /段 金融", Near(A, B, PARAGRAPH)),
        ("科技 /10 金融", Near(A, B, CHARS, 10)),
        ("科技 /１０ 金融", Near(A, B, CHARS, 10)),
        ("科技 /NEAR 10 金融", Near(A, B, CHARS, 10)),
        ("科技 /SEN 金融", Near(A, B, SENTENCE)),
        ('"科技" /s “金融”', Near(A, B, SENTENCE)),
        ("科技 /s 金融 OR 创新", Or((Near(A, B, SENTENCE), C))),
        ("-科技 /s 金融", Not(Near(A, B, SENTENCE))),
        ("科技 /s 金融 /p 创新", And((Near(A, B, SENTENCE), Near(B, C, PARAGRAPH)))),
        # scopes, in English and Chinese, ASCII or full-width colon
        ("title:科技", Term("科技", scope="title")),
        ("标题:科技", Term("科技", scope="title")),
        ("标题：科技", Term("科技", scope="title")),
        ("TITLE:科技", Term("科技", scope="title")),
        ("heading:科技", Term("科技", scope="heading")),
        ("章节:科技", Term("科技", scope="heading")),
        ("issuer:科技", Term("科技", scope="issuer")),
        ("发布机构:科技", Term("科技", scope="issuer")),
        ("doc_number:科技", Term("科技", scope="doc_number")),
        ("文号:科技", Term("科技", scope="doc_number")),
        ('title:"科技 金融"', And((Term("科技", scope="title"), Term("金融", scope="title")))),
        ("title:科技 OR 金融", Or((Term("科技", scope="title"), B))),
        ("-文号:科技", Not(Term("科技", scope="doc_number"))),
        # the normalisation of today: traditional, full width, case
        ("科技 OR 金融 -創新", Or((A, And((B, Not(C)))))),
        ("Ｒ＆Ｄ", Term("r&d")),
        ("3/5 c++", And((Term("3/5"), Term("c++")))),
        ("科技-金融", Term("科技-金融")),
        ("NOT NOT 科技", A),
        ("科技 科技", A),
        ("", None),
        ("   ", None),
    ],
)
def test_the_forms_of_the_grammar(q, expected):
    parsed = parse(q)
    assert parsed.tree == expected
    assert parsed.notices == []


@pytest.mark.parametrize(
    ("q", "expected", "notice"),
    [
        ("(科技 金融", And((A, B)), "括号不成对"),
        ("科技 金融)", And((A, B)), "括号不成对"),
        ("() 科技", A, "空括号"),
        ("科技 ( ) 金融", And((A, B)), "空括号"),
        ("科技 OR", A, "“OR”前后缺少检索词"),
        ("OR 科技", A, "“OR”前后缺少检索词"),
        ("科技 AND OR 金融", Or((A, B)), "“AND”前后缺少检索词"),
        ("科技 NOT", A, "“NOT”前后缺少检索词"),
        ("科技 /s", A, "“/s”前后缺少检索词"),
        ("/s 科技", A, "“/s”前后缺少检索词"),
        ("科技 /0 金融", Near(A, B, CHARS, 1), "距离 0 超出范围"),
        ("科技 /501 金融", Near(A, B, CHARS, MAX_DISTANCE), "距离 501 超出范围"),
        ("科技 /99999999 金融", Near(A, B, CHARS, MAX_DISTANCE), "超出范围"),
        ("title:", None, "字段限定“title:”后没有检索词"),
        ("科技 标题：", A, "字段限定“标题:”后没有检索词"),
        ("title:(科技 金融)", And((A, B)), "字段限定“title:”后没有检索词"),
        ("(科技 OR 金融) /s 创新", And((Or((A, B)), C)), "邻近检索（/s）只能连接两个词或短语"),
        ("title:科技 /s 金融", And((Term("科技", scope="title"), B)), "邻近检索"),
        ('"科技 创新" /p 金融', And((Term("科技"), Term("创新"), B)), "邻近检索（/p）"),
        ('"科技', A, "引号不成对"),
        ("科技，金融", And((A, B)), "标点和特殊符号"),
        ("科技😀", A, "表情符号"),
    ],
)
def test_bad_syntax_gives_the_closest_valid_query_and_a_notice(q, expected, notice):
    parsed = parse(q)
    assert parsed.tree == expected
    assert any(notice in n for n in parsed.notices), parsed.notices


def test_more_than_twenty_terms_keeps_the_first_twenty():
    parsed = parse(" OR ".join(f"词{i}" for i in range(30)))
    terms = [t.text for t, _ in leaves(parsed.tree)]
    assert terms == [f"词{i}" for i in range(MAX_TERMS)]
    assert any(f"前 {MAX_TERMS} 个词" in n for n in parsed.notices)


def test_nesting_deeper_than_eight_is_flattened():
    q = "(" * 12 + "科技 OR 金融" + ")" * 12 + " 创新"
    parsed = parse(q)
    assert parsed.tree == And((Or((A, B)), C))
    assert any("嵌套超过 8 层" in n for n in parsed.notices)
    assert _depth(to_text(parsed.tree)) <= MAX_DEPTH


def test_notices_and_reading_follow_the_active_language():
    with translation.override("en"):
        parsed = parse("科技 /0 金融 OR title:")
        assert any("out of range" in n for n in parsed.notices), parsed.notices
        assert describe(parse("科技 OR 金融 -创新").tree).startswith("Read as:")
    assert describe(parse("科技 OR 金融 -创新").tree) == "按以下方式理解：“科技”，或（“金融”，且不含“创新”）"


@pytest.mark.parametrize(
    ("q", "reading"),
    [
        ("科技 /s 金融", "“科技”与“金融”在同一句中"),
        ("科技 /段 金融", "“科技”与“金融”在同一段中"),
        ("科技 /30 金融", "“科技”与“金融”相距不超过 30 个字"),
        ("标题:规划 -文号:2017", "标题含“规划”，且不含文号含“2017”"),
        ("章节:保障 OR 发布机构:科技厅", "章节标题含“保障”，或发布机构含“科技厅”"),
    ],
)
def test_the_reading(q, reading):
    assert describe(parse(q).tree) == "按以下方式理解：" + reading


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += ch == "("
        deepest = max(deepest, depth)
        depth -= ch == ")"
    return deepest


SYNTAX = st.sampled_from(
    [
        "科技", "金融", "创新", "科技金融", "發展", "R&D", "5G", " ", " ", " ", "(", ")", "（", "）", '"', "“", "”",
        "-", "!", "OR", " OR ", " AND ", " NOT ", "|", "｜", "/s", " /s ", " /句 ", " /p ", " /段 ", " /5 ", " /0 ",
        " /600 ", "/", ":", "：", "title:", "标题:", "heading:", "章节：", "issuer:", "发布机构:", "doc_number:",
        "文号:", "，", "。", "*", "\\", "😀", "\x00",
    ]
)  # fmt: skip


def _check(q: str) -> None:
    parsed = parse(q)
    assert all(isinstance(n, str) and n for n in parsed.notices)
    terms = list(leaves(parsed.tree))
    assert len(terms) <= MAX_TERMS
    assert all(t.text and t.text.strip() == t.text and " " not in t.text for t, _ in terms)
    for node in walk(parsed.tree):
        if isinstance(node, Near):
            assert node.left.scope is None and node.right.scope is None
            assert node.kind != CHARS or 1 <= node.n <= MAX_DISTANCE
        if isinstance(node, And | Or):
            assert len(node.children) >= 2
    text = to_text(parsed.tree)
    assert _depth(text) <= MAX_DEPTH
    again = parse(text)
    assert again.tree == parsed.tree, text
    assert again.notices == [], (text, again.notices)
    describe(parsed.tree)


@settings(max_examples=400, deadline=None)
@given(st.lists(SYNTAX, max_size=40).map("".join))
def test_any_mix_of_the_syntax_parses_to_a_valid_tree_that_writes_back_the_same(q):
    _check(q)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=250))
def test_any_text_parses_to_a_valid_tree_that_writes_back_the_same(q):
    _check(q)
