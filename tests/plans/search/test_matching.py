"""The result set of the search syntax against a brute-force oracle: recall and precision 1.0.

The oracle reads the definitions of issue #13 straight off the database rows (title, text, section headings,
issuer, document number), normalised, with str.find over every occurrence and every pair of occurrences; the
engine answers from the index snapshot's primitives (matching.py). Generated plans have sentences ended by
every break character and several lines per section; the seed plans come through the real ingest pipeline.
"""

import random
from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.models import Plan, Section
from plans.search import SearchParams, index_plans, search
from plans.search.grammar import (
    CHARS,
    MAX_DISTANCE,
    PARAGRAPH,
    SENTENCE,
    And,
    Near,
    Not,
    Or,
    Term,
    parse,
    to_text,
)
from plans.search.matching import closest_gaps, closest_pair, evaluate
from plans.search.normalize import normalise
from plans.search.snapshot import current_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]  # the oracle holds on every engine

SENTENCE_BREAKS = "。！？；!?;\n\r\u2028\u2029"
LINE_BREAKS = "\n\r\u2028\u2029"
SEEDS = Path(__file__).resolve().parents[3] / "seeds"

CLAUSES = [
    "加快科技成果转化", "完善科技金融服务体系", "培育高新技术企业", "建设众创空间和孵化器", "深化放管服改革",
    "支持科技型中小企业", "落实研发费用加计扣除", "发展创业投资", "推进知识产权质押融资", "建设新型研发机构",
    "引进高层次科技人才", "推动产学研深度融合", "實施鄉村振興戰略", "强化企业创新主体地位", "R&D经费投入增长10%",
]  # fmt: skip
ENDS = ["。", "！", "？", "；", "，", "、", "，", "：", "!", "?"]
HEADINGS = [
    "一、总体要求",
    "二、科技金融",
    "三、保障措施",
    "（一）成果转化",
    "（二）人才队伍",
    "四、组织实施",
]
ISSUERS = ["湖北省科学技术厅", "江西省科技厅", "北京市科学技术委员会", "", "国务院办公厅"]


def paragraph(rng: random.Random) -> str:
    return "".join(rng.choice(CLAUSES) + rng.choice(ENDS) for _ in range(rng.randint(1, 4)))


def generated(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    plans = []
    for n in range(count):
        sections = [
            (heading, "\n".join(paragraph(rng) for _ in range(rng.randint(1, 3))))
            for heading in rng.sample(HEADINGS, rng.randint(1, 3))
        ]
        year = rng.randint(2016, 2024)
        plans.append(
            dict(
                title=f"{year}年{rng.choice(['科技金融', '成果转化', '人才'])}工作要点{n}",
                sections=sections,
                year=year,
                issuer=rng.choice(ISSUERS),
                doc_number=rng.choice(["鄂科技发〔2017〕1号", "赣科发〔2018〕12号", "", "国办发〔2016〕7号"]),
            )
        )
    return plans


# --- the oracle ----------------------------------------------------------------------------------------


class Doc:
    def __init__(self, plan: Plan, headings: list[str]):
        self.joined = normalise(f"{plan.title}\n{plan.text}")
        self.title = normalise(plan.title)
        self.headings = [normalise(h) for h in headings]
        self.issuer = normalise(plan.issuer)
        self.doc_number = normalise(plan.doc_number)


def occurrences(text: str, term: str) -> list[int]:
    found, start = [], text.find(term)
    while start >= 0:
        found.append(start)
        start = text.find(term, start + 1)
    return found


def near_truth(doc: Doc, node: Near) -> bool:
    a, b = node.left.text, node.right.text
    text = doc.joined
    for pa in occurrences(text, a):
        for pb in occurrences(text, b):
            if a == b and pa == pb:
                continue  # two occurrences, not one twice
            first_end, second_start = min(pa + len(a), pb + len(b)), max(pa, pb)
            between = text[first_end:second_start] if second_start > first_end else ""
            if node.kind == CHARS and len(between) <= node.n:
                return True
            breaks = SENTENCE_BREAKS if node.kind == SENTENCE else LINE_BREAKS
            if node.kind != CHARS and not any(ch in breaks for ch in between):
                return True
    return False


def truth(doc: Doc, node) -> bool:
    if isinstance(node, Term):
        where = {
            None: [doc.joined],
            "title": [doc.title],
            "heading": doc.headings,
            "issuer": [doc.issuer],
            "doc_number": [doc.doc_number],
        }[node.scope]
        return any(node.text in value for value in where)
    if isinstance(node, Near):
        return near_truth(doc, node)
    if isinstance(node, Not):
        return not truth(doc, node.child)
    if isinstance(node, And):
        return all(truth(doc, c) for c in node.children)
    return any(truth(doc, c) for c in node.children)


def oracle_docs() -> dict[int, Doc]:
    headings: dict[int, list[str]] = {}
    for plan_id, heading in Section.objects.values_list("plan_id", "heading"):
        headings.setdefault(plan_id, []).append(heading)
    return {plan.pk: Doc(plan, headings.get(plan.pk, [])) for plan in Plan.objects.all()}


def expected(docs: dict[int, Doc], tree) -> set[int]:
    return {pk for pk, doc in docs.items() if tree is None or truth(doc, tree)}


def engine_ids(tree) -> set[int]:
    with current_snapshot() as snapshot:
        plan_ids = snapshot.columns.plan_ids
        return {plan_ids[d] for d in evaluate(snapshot, tree)}


def search_ids(q: str) -> set[int]:
    ids: set[int] = set()
    page, pages = 1, 1
    while page <= pages:
        result = search(
            SearchParams(q=q, page=page, page_size=100, sort="-date", with_facets=False, with_snippets=False)
        )
        ids |= {hit.plan_id for hit in result.hits}
        pages, page = result.pages, page + 1
    assert len(ids) == result.count
    return ids


# --- random queries --------------------------------------------------------------------------------------


def random_term(rng: random.Random, texts: list[str]) -> str:
    if rng.random() < 0.1:
        return rng.choice(["区块链", "碳中和", "x9"])  # in no plan
    text = rng.choice(texts)
    for _ in range(20):
        length = rng.choice([1, 2, 2, 3, 4, 6])
        start = rng.randrange(0, max(1, len(text) - length))
        piece = text[start : start + length]
        if piece and all(ch.isalnum() or ch in "&%" for ch in piece):
            return piece
    return "科技"


def random_tree(rng: random.Random, texts: list[str], depth: int = 0):
    roll = rng.random()
    if depth >= 3 or roll < 0.3:
        scope = rng.choice([None] * 6 + ["title", "heading", "issuer", "doc_number"])
        return Term(normalise(random_term(rng, texts)), scope=scope)
    if roll < 0.55:
        kind = rng.choice([SENTENCE, PARAGRAPH, CHARS])
        n = rng.choice([1, 2, 5, 10, 30, 100, MAX_DISTANCE]) if kind == CHARS else None
        a, b = normalise(random_term(rng, texts)), normalise(random_term(rng, texts))
        return Near(Term(a), Term(b if rng.random() > 0.1 else a), kind, n)
    if roll < 0.65:
        return Not(random_tree(rng, texts, depth + 1))
    kind = And if roll < 0.85 else Or
    return kind(tuple(random_tree(rng, texts, depth + 1) for _ in range(rng.randint(2, 3))))


def check_random_queries(count: int, seed: int) -> None:
    docs = oracle_docs()
    texts = [d.joined for d in docs.values()]
    rng = random.Random(seed)
    failures = []
    nonempty = 0
    for _ in range(count):
        q = to_text(random_tree(rng, texts))
        tree = parse(q).tree
        want, got = expected(docs, tree), engine_ids(tree)
        nonempty += bool(want) and len(want) < len(docs)
        if got != want:
            failures.append((q, sorted(want - got)[:5], sorted(got - want)[:5]))
    assert not failures, failures[:5]
    assert nonempty > count // 4, "the queries were too easy to tell anything"


def test_random_expressions_over_generated_plans_match_the_oracle(make_plans):
    make_plans(generated(80, seed=13))
    check_random_queries(400, seed=1)


def test_random_expressions_over_the_seed_plans_match_the_oracle(make_plans):
    from plans.ingest import ingest_path

    ids = []
    for path in sorted(SEEDS.glob("*.txt")):
        outcome = ingest_path(path)
        assert outcome.plan is not None, outcome.reason
        ids.append(outcome.plan.pk)
    make_plans(generated(20, seed=5), index=False)
    index_plans(list(Plan.objects.values_list("pk", flat=True)))
    assert Section.objects.filter(plan_id__in=ids).count() > 20  # the seeds have real outlines
    check_random_queries(250, seed=2)


@pytest.mark.parametrize(
    "q",
    [
        "科技金融 OR 孵化器", "科技金融 | 孵化器 -人才", "(科技 OR 人才) 保障", "科技 /s 金融", "科技 /句 成果",
        "科技 /p 人才", "科技 /段 孵化器", "科技 /1 金融", "研发 /5 扣除", "企业 /30 人才", "title:金融",
        "标题：人才 OR 章节:保障", "heading:科技金融", "issuer:科技厅", "发布机构:委员会 -文号:2017",
        "doc_number:〔2018〕", "-科技", "NOT (科技 OR 人才)", "“科技成果转化。”", "转化 /s 转化",
        "技术 /s 技术企业", "科技 /s 金融 /p 人才",
    ],
)  # fmt: skip
def test_the_search_api_gives_exactly_the_oracles_plans(make_plans, q):
    make_plans(generated(40, seed=21))
    want = expected(oracle_docs(), parse(q).tree)
    assert search_ids(q) == want
    assert 0 < len(want) < Plan.objects.count() or q.startswith("-") or "NOT" in q


def test_a_sentence_ends_at_every_break_and_a_paragraph_at_a_line(make_plans):
    ids = [p.pk for p in make_plans([
        dict(title="甲", text="科技创新。金融服务"),
        dict(title="乙", text="科技创新！金融服务\n"),
        dict(title="丙", text="科技创新；金融服务"),
        dict(title="丁", text="科技创新，金融服务"),
        dict(title="戊", text="科技创新\n金融服务"),
        dict(title="己", text="金融服务科技"),
        dict(title="科技", text="金融服务"),
    ])]  # fmt: skip
    assert search_ids("科技 /s 金融") == {ids[3], ids[5]}
    assert search_ids("科技 /p 金融") == {ids[0], ids[1], ids[2], ids[3], ids[5]}
    assert search_ids("科技 /3 金融") == set(ids)  # "创新。" between: three characters
    assert search_ids("科技 /2 金融") == {ids[5], ids[6]}  # "服务", and the title's line break
    assert search_ids("科技 /1 金融") == {ids[6]}


def test_closer_proximity_ranks_higher(make_plans):
    far, near, middle = make_plans([
        dict(title="远", text="科技" + "的" * 40 + "金融。其他内容。"),
        dict(title="近", text="科技的金融。其他内容" + "的" * 40 + "。"),
        dict(title="中", text="科技" + "的" * 10 + "金融。其他内容" + "的" * 30 + "。"),
    ])  # fmt: skip
    result = search(SearchParams(q="科技 /100 金融"))
    assert [h.plan_id for h in result.hits] == [near.pk, middle.pk, far.pk]


def test_a_proximity_snippet_shows_the_matching_sentence_and_its_section_comes_first(make_plans):
    plan = make_plans([dict(title="规划", sections=[
        ("一、总体要求", "加强科技创新。推进金融改革。"),
        ("二、重点任务", "完善体系。支持科技金融服务实体经济发展。其他。"),
        ("三、保障措施", "科技人才。金融人才。"),
    ])])[0]  # fmt: skip
    hit = search(SearchParams(q="科技 /s 金融")).hits[0]
    assert hit.plan_id == plan.pk
    assert hit.snippet == "…支持<mark>科技金融</mark>服务实体经济发展。…"
    assert hit.sections[0].anchor == "s2"
    assert "<mark>科技金融</mark>服务实体经济发展。" in hit.sections[0].snippet


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 60), max_size=8, unique=True).map(sorted),
    st.integers(1, 4),
    st.lists(st.integers(0, 60), max_size=8, unique=True).map(sorted),
    st.integers(1, 4),
    st.sampled_from([SENTENCE, CHARS]),
    st.integers(1, 12),
    st.lists(st.integers(0, 64), max_size=6, unique=True).map(sorted),
)
def test_closest_pair_equals_checking_every_pair(starts_a, len_a, starts_b, len_b, kind, n, breaks):
    """The neighbour search of matching.closest_pair against all pairs (the positions are abstract here)."""
    best = None
    for pa in starts_a:
        for pb in starts_b:
            first_end, second_start = (pa + len_a, pb) if pb >= pa else (pb + len_b, pa)
            gap = max(0, second_start - first_end)
            ok = gap <= n if kind == CHARS else not any(first_end <= x < second_start for x in breaks)
            if ok and (best is None or gap < best):
                best = gap
    found = closest_pair(starts_a, len_a, starts_b, len_b, kind, n, breaks)
    assert (found.gap if found else None) == best


document_starts = st.lists(st.integers(0, 60), max_size=8, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(document_starts, document_starts, document_starts), max_size=6),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from([SENTENCE, PARAGRAPH, CHARS]),
    st.integers(0, 12),
    st.booleans(),
)
def test_closest_gaps_of_many_documents_equal_closest_pair_of_each(documents, len_a, len_b, kind, n, same):
    """The vectorised search over many documents at once (closest_gaps, what a query uses) against
    closest_pair document by document, the two terms one (same) or two, a document's lists empty or not."""
    if same:
        documents = [(a, a, breaks) for a, _, breaks in documents]
        len_b = len_a
    lists_a = [a for a, _, _ in documents]
    lists_b = [b for _, b, _ in documents]
    # the break column's values are arrays; positions come as lists or, from a reader's search, as arrays
    breaks = [array("I", br) for _, _, br in documents] if kind != CHARS else None
    if documents and len(documents) % 2:
        lists_a = [np.asarray(a, dtype=np.intp) for a in lists_a]
    found = closest_gaps(lists_a, len_a, lists_b, len_b, kind, n, breaks, same=same)
    for i, (a, b, br) in enumerate(documents):
        closest = closest_pair(a, len_a, b, len_b, kind, n, br, same=same)
        assert found[i] == (closest.gap if closest else float("inf")), i
