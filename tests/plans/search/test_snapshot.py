"""The Snapshot primitives of the engine seam, each checked against a brute-force oracle on a real index.

The oracle is the database: for every plan, normalise(title + "\\n" + text), searched with str.find.
The index is built over several segments with deletions and re-indexed plans, so docnums are not plan order.
"""

import itertools
import random
import re

import pytest

from plans.models import Plan
from plans.search import current_snapshot, index_plans, remove_plan
from plans.search.normalize import normalise
from plans.search.snapshot import LINE_BREAKS, SENTENCE_ENDS, STORED_LAYOUT, decode_breaks, hub

pytestmark = pytest.mark.both_engines

TEXTS = [
    "推进科技金融发展。加快孵化器建设！完善科技金融服务体系；支持众创空间?",
    "科技科技科技成果转化\n第二段：數字經濟與科技金融融合發展。\r\n第三段",
    "ＡＢＣ全角字母与R&D投入，5G网络；人工智能、集成电路!新型工业化",
    "啊啊啊啊啊，重叠出现的字。啊啊！",
    "没有标点的一整段文字没有句号",
    "",
]
TITLES = ["科技金融工作要点", "數字經濟規劃", "啊啊通知", "新型工业化行动方案", "标题", "R&D计划"]


def occurrences(haystack: str, needle: str) -> list[int]:
    """Every start offset of needle in haystack, overlapping ones included."""
    found, start = [], haystack.find(needle)
    while start >= 0:
        found.append(start)
        start = haystack.find(needle, start + 1)
    return found


def joined(plan) -> str:
    return normalise(f"{plan.title}\n{plan.text}")


@pytest.fixture
def indexed(make_plans):
    """Plans over three segments, one deleted and one re-indexed: {plan id: Plan} of the live ones."""
    first = make_plans(
        [
            {
                "title": TITLES[i % len(TITLES)],
                "text": TEXTS[i % len(TEXTS)],
                "issuer": f"湖北省科學技術廳{i}",
                "doc_number": f"鄂科發〔2024〕{i}号",
            }
            for i in range(8)
        ]
    )
    second = make_plans(
        [
            {"title": f"第{i}号", "sections": [("一、总体要求", TEXTS[i]), ("二、重点任务", TEXTS[i + 1])]}
            for i in range(4)
        ]
    )
    remove_plan(first[0].pk)
    index_plans([first[3].pk])
    live = [p for p in first[1:] + second]
    return {p.pk: Plan.objects.get(pk=p.pk) for p in live}


@pytest.mark.django_db
def test_columns_hold_every_live_plan_with_its_lengths_and_normalised_metadata(indexed):
    with current_snapshot() as snapshot:
        columns = snapshot.columns
        assert set(columns.docnum_of) == set(indexed)
        assert sorted(columns.live) == sorted(columns.docnum_of.values())
        for plan_id, docnum in columns.docnum_of.items():
            plan = indexed[plan_id]
            assert columns.plan_ids[docnum] == plan_id
            assert columns.titles_len[docnum] == len(plan.title)
            assert columns.text_lengths[docnum] == len(plan.text)
            assert columns.issuers[docnum] == normalise(plan.issuer)
            assert columns.doc_numbers[docnum] == normalise(plan.doc_number)
            assert columns.regions[docnum] == (plan.region.name if plan.region_id else "")
            assert columns.years[docnum] == (plan.year or 0)
            assert columns.layouts[docnum] == STORED_LAYOUT
        newest_first = sorted(columns.live, key=columns.date_rank.__getitem__)
        keys = [(columns.date_keys[d], columns.plan_ids[d]) for d in newest_first]
        assert keys == sorted(keys, reverse=True)


def oracle_terms(plans) -> list[str]:
    """Every substring of 1-4 characters of the texts, plus terms found nowhere."""
    terms = set()
    for plan in plans:
        text = joined(plan)
        for size in (1, 2, 3, 4):
            terms.update(text[i : i + size] for i in range(0, len(text) - size + 1, 3))
    return sorted(t for t in terms if t.strip()) + ["无此词语", "科技金融服务体系完善"]


@pytest.mark.django_db
def test_term_docs_and_term_positions_equal_every_str_find_occurrence(indexed):
    """GIVEN every short substring of the texts WHEN asking the snapshot THEN the documents and every start
    offset (overlapping ones included) are exactly those str.find gives on normalise(title + "\\n" + text)."""
    checked = 0
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        for term in oracle_terms(indexed.values()):
            truth = {docnum_of[pk]: occurrences(joined(plan), term) for pk, plan in indexed.items()}
            truth = {d: found for d, found in truth.items() if found}
            assert snapshot.term_docs(term) == frozenset(truth), term
            assert snapshot.term_positions(term) == truth, term
            some = set(itertools.islice(docnum_of.values(), 0, None, 2))
            assert snapshot.term_positions(term, some) == {d: p for d, p in truth.items() if d in some}, term
            checked += len(truth)
    assert checked > 500


@pytest.mark.django_db
def test_terms_in_other_spellings_and_with_whitespace_are_found_exactly(indexed):
    """Traditional and full-width query spellings are normalised; a term with a space or a line break
    inside is an exact substring too (not its pieces anywhere)."""
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        for term in ["數字經濟", "ａｂｃ", "ABC", "科技成果转化\n第二段", "r&d投入", "啊啊", "\n"]:
            truth = {docnum_of[pk]: occurrences(joined(p), normalise(term)) for pk, p in indexed.items()}
            truth = {d: found for d, found in truth.items() if found}
            assert truth, term
            assert snapshot.term_docs(term) == frozenset(truth), term
            assert snapshot.term_positions(term) == truth, term
        assert snapshot.term_docs("科技 成果") == frozenset()  # both pieces occur, never with a space


@pytest.mark.django_db
def test_breaks_are_the_sentence_and_line_ends_of_the_text(indexed):
    with current_snapshot() as snapshot:
        for plan_id, docnum in snapshot.columns.docnum_of.items():
            text = joined(indexed[plan_id])
            sentences, paragraphs = snapshot.breaks(docnum)
            assert list(sentences) == [i for i, ch in enumerate(text) if ch in "。！？；!?;\n\r"]
            assert list(paragraphs) == [i for i, ch in enumerate(text) if ch in "\n\r"]
            assert snapshot.columns.titles_len[docnum] in paragraphs  # the title ends a paragraph


@pytest.mark.django_db
def test_the_break_column_of_every_document_holds_its_breaks(indexed, django_assert_num_queries):
    """The breaks come from the column written at index time (no stored form read, no database)."""
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        with django_assert_num_queries(0):
            raw = snapshot.reader.breaks(list(docnum_of.values()))
        assert set(raw) == set(docnum_of.values())
        for plan_id, docnum in docnum_of.items():
            text = joined(indexed[plan_id])
            sentences, paragraphs = decode_breaks(raw[docnum])
            assert list(sentences) == [i for i, ch in enumerate(text) if ch in SENTENCE_ENDS + LINE_BREAKS]
            assert list(paragraphs) == [i for i, ch in enumerate(text) if ch in LINE_BREAKS]
        assert snapshot.breaks_of([*docnum_of.values(), 10_000]).keys() == set(docnum_of.values())


def test_a_character_is_a_break_exactly_when_its_normalised_form_is_one():
    """Index time cuts the original text into sentences (snapshot.sentence_and_paragraph_breaks), the
    definition speaks of the normalised one: they agree because no character folds into or out of a break."""
    from plans.search.normalize import _table

    breaks = SENTENCE_ENDS + LINE_BREAKS
    for source, target in _table().items():
        assert (chr(source) in breaks) == (chr(target) in breaks), hex(source)
        assert (chr(source) in LINE_BREAKS) == (chr(target) in LINE_BREAKS), hex(source)


def written_before_the_break_column(monkeypatch, engine: str) -> None:
    """Write documents as the code before the break column did: no break value, layout 2 (an index written
    before the column has no value at all for them, which the readers see the same way)."""
    if engine == "whoosh":
        from plans.search.engines.whoosh import indexes as module
    else:
        from plans.search.engines.tantivy import schema as module
    monkeypatch.setattr(module, "encode_breaks", lambda joined: b"")
    monkeypatch.setattr(module, "STORED_LAYOUT", 2)


@pytest.mark.django_db
def test_documents_written_before_the_break_column_answer_from_their_stored_form(
    make_plans, monkeypatch, search_engine
):
    """GIVEN an index whose older documents have no break value WHEN a proximity query runs THEN their
    breaks come from the stored form (the answer is the same), check_index names them stale, and repairing
    writes their column."""
    from plans.search import SearchParams, check_index, search

    endings = ["\n科技。金融", "\n科技与金融"]
    items = [{"title": TITLES[i % 6], "text": TEXTS[i % 6] + endings[i % 2]} for i in range(8)]
    with monkeypatch.context() as patch:
        written_before_the_break_column(patch, search_engine)
        old = make_plans(items[:4])
    new = make_plans(items[4:])
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        assert set(snapshot.reader.breaks(list(docnum_of.values()))) == {docnum_of[p.pk] for p in new}
        for plan in old + new:
            sentences, paragraphs = snapshot.breaks(docnum_of[plan.pk])
            text = joined(plan)
            assert list(sentences) == [i for i, ch in enumerate(text) if ch in SENTENCE_ENDS + LINE_BREAKS]
            assert list(paragraphs) == [i for i, ch in enumerate(text) if ch in LINE_BREAKS]

    def hits(q):
        return {hit.plan_id for hit in search(SearchParams(q=q, page_size=50)).hits}

    def together(breaks):  # the oracle: some sentence (paragraph) holds both terms
        cut = re.compile(f"[{re.escape(breaks)}]")
        return {p.pk for p in old + new if any("科技" in x and "金融" in x for x in cut.split(joined(p)))}

    same_sentence, same_paragraph = together(SENTENCE_ENDS + LINE_BREAKS), together(LINE_BREAKS)
    assert 0 < len(same_sentence) < len(same_paragraph) == len(old + new)
    assert hits("科技 /s 金融") == same_sentence
    assert hits("科技 /p 金融") == same_paragraph
    assert sorted(check_index().stale) == sorted(p.pk for p in old)
    assert check_index(fix=True).ok
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        assert set(snapshot.reader.breaks(list(docnum_of.values()))) == set(docnum_of.values())
    assert hits("科技 /s 金融") == same_sentence


@pytest.mark.django_db
def test_documents_come_from_the_stored_form_not_the_database(indexed, django_assert_num_queries):
    with current_snapshot() as snapshot:
        docnums = list(snapshot.columns.docnum_of.values())
        with django_assert_num_queries(0):
            documents = snapshot.documents(docnums)
        assert set(documents) == set(docnums)
        for docnum, document in documents.items():
            plan = indexed[snapshot.columns.plan_ids[docnum]]
            assert (document.plan_id, document.title, document.text) == (plan.pk, plan.title, plan.text)
            expected = [
                (s.heading, s.anchor, s.start, s.end, s.order) for s in plan.sections.order_by("order")
            ]
            assert [tuple(s) for s in document.sections] == expected
            for section in document.sections:
                assert plan.text[section.start : section.end].startswith(section.heading)
        assert any(document.sections for document in documents.values())


@pytest.mark.django_db
def test_scores_rank_the_matching_documents_and_are_remembered(indexed):
    with current_snapshot() as snapshot:
        docs = snapshot.term_docs("科技金融")
        scores = snapshot.scores(["科技金融"], docs)
        assert set(scores) == set(docs) and all(s > 0 for s in scores.values())
        assert snapshot.scores(["科技金融"], docs) == scores
        assert snapshot.scores(["科技金融"], set(list(docs)[:1])) == {d: scores[d] for d in list(docs)[:1]}


@pytest.mark.django_db
def test_a_commit_publishes_a_new_generation_and_the_held_snapshot_stays_as_it_was(indexed, make_plan):
    with current_snapshot() as before:
        count = len(before.columns.docnum_of)
        old_docs = before.term_docs("科技金融")
        old_generation = before.generation
        make_plan(title="新规划", text="科技金融新政策")
        with current_snapshot() as after:
            assert after.generation != old_generation
            assert len(after.columns.docnum_of) == count + 1
            assert len(after.term_docs("科技金融")) == len(old_docs) + 1
        # the held snapshot still answers, unchanged, after the commit
        assert before.term_docs("科技金融") == old_docs
        assert len(before.documents(old_docs)) == len(old_docs)
        assert not before.closed
    assert before.closed  # closed once nothing holds it
    with current_snapshot() as again:
        assert again is hub.peek() and not again.closed


@pytest.mark.django_db
def test_memo_computes_once_per_snapshot(indexed):
    calls = []
    with current_snapshot() as snapshot:
        assert snapshot.memo("k", lambda: calls.append(1) or 42) == 42
        assert snapshot.memo("k", lambda: calls.append(1) or 43) == 42
    assert calls == [1]


@pytest.mark.django_db
def test_term_positions_on_generated_texts(make_plans):
    """Random texts over a small alphabet (many overlaps, spaces, line breaks, full-width and upper case),
    in one index. (Not hypothesis: it re-seeds `random`, and Whoosh draws segment names from it.)"""
    rnd = random.Random(20261202)
    alphabet = "科技金融啊。！\n ａA"
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(60)]
    plans = make_plans([{"title": "题", "text": text} for text in texts])
    terms = {"".join(rnd.choice("科技金融啊ａA。") for _ in range(rnd.randint(1, 4))) for _ in range(150)}
    with current_snapshot() as snapshot:
        docnum_of = snapshot.columns.docnum_of
        for term in sorted(terms):
            truth = {docnum_of[p.pk]: occurrences(normalise(f"题\n{p.text}"), normalise(term)) for p in plans}
            truth = {d: found for d, found in truth.items() if found}
            assert snapshot.term_positions(term) == truth, term
            assert snapshot.term_docs(term) == frozenset(truth), term
