"""What only the Tantivy adapter does: its generation folders and their atomic switch.

(The rest of its behaviour is the contract suite, the tests marked both_engines.)
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.search import SearchParams, search

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("search_engine", ["tantivy"], indirect=True)]


def ids_for(q):
    return {hit.plan_id for hit in search(SearchParams(q=q, page_size=100)).hits}


def test_a_rebuild_failing_half_way_leaves_the_old_generation_answering(make_plans, search_engine):
    from plans.models import Plan
    from plans.search.snapshot import hub

    plans = make_plans([{"title": f"第{i}号", "text": f"科技金融{i}号文件"} for i in range(6)])
    engine = hub.engine
    before = engine.folder
    seen_during = []

    def failing():
        for count, plan in enumerate(Plan.objects.order_by("pk")):
            if count == 3:
                seen_during.append(ids_for("科技金融"))  # searches meanwhile: the old generation answers
                raise RuntimeError("disk full")
            yield plan

    with pytest.raises(RuntimeError):
        engine.rebuild(failing(), procs=1)
    assert seen_during == [{p.pk for p in plans}]
    assert engine.folder == before
    assert sorted(p.name for p in engine.root.glob("g-*")) == [before.name]  # the half-written folder is gone
    assert ids_for("科技金融") == {p.pk for p in plans}


def test_a_rebuild_switches_and_keeps_only_the_previous_generation(make_plans, search_engine):
    from plans.search import rebuild_index
    from plans.search.snapshot import hub

    plans = make_plans([{"title": "甲", "text": "众创空间"}])
    first = hub.engine.folder
    rebuild_index(procs=1)
    second = hub.engine.folder
    rebuild_index(procs=1)
    third = hub.engine.folder
    assert len({first, second, third}) == 3
    assert sorted(p.name for p in hub.engine.root.glob("g-*")) == sorted([second.name, third.name])
    assert ids_for("众创空间") == {plans[0].pk}


PUNCTUATED = ["鄂科发〔2024〕3号", "R&D投入(含a.b)", "[试行]办法\\附件", "税。\n税收", "x+y*z?{1}|^$"]


def test_terms_with_regex_metacharacters_are_matched_literally(make_plans, search_engine):
    """Single characters are a Tantivy regex term, longer ones a phrase of pairs: punctuation must stay literal."""
    from plans.search import current_snapshot
    from plans.search.normalize import normalise

    plans = make_plans([{"title": f"文件{i}", "text": text} for i, text in enumerate(PUNCTUATED)])
    texts = {p.pk: normalise(f"{p.title}\n{p.text}") for p in plans}
    terms = ["〔", "〕3号", "(含a.b)", "a.b", ".", "[试行]", "\\", "。\n", "x+y*z?", "{1}|^$", "*", "|^$"]
    with current_snapshot() as snapshot:
        for term in terms:
            truth = {snapshot.columns.docnum_of[pk] for pk, text in texts.items() if normalise(term) in text}
            assert snapshot.term_docs(term) == truth, term


@pytest.mark.parametrize("share", [0.0, float("inf")], ids=["cover only", "with the rarest pair between"])
def test_phrases_with_any_number_of_their_pairs_find_exactly_the_substring(
    make_plans, search_engine, monkeypatch, share
):
    """GIVEN generated plans WHEN random substrings of 3-9 characters are matched with only the covering pairs,
    or with the rarest pair between them joining the phrase THEN each term's documents are those containing it."""
    import random

    from plans.search import current_snapshot
    from plans.search.engines.tantivy import reader
    from plans.search.normalize import normalise
    from tests.plans.search.corpus import generate

    monkeypatch.setattr(reader, "NARROWING_SHARE", share)
    plans = make_plans(generate(80))
    texts = {p.pk: normalise(f"{p.title}\n{p.text}") for p in plans}
    rng = random.Random(11)
    with current_snapshot() as snapshot:
        for _ in range(120):
            text = rng.choice(list(texts.values()))
            length = rng.randint(3, 9)
            start = rng.randrange(0, len(text) - length)
            term = text[start : start + length]
            if not term.isalnum():
                continue
            truth = {snapshot.columns.docnum_of[pk] for pk, body in texts.items() if term in body}
            assert snapshot.term_docs(term) == truth, term


def test_a_pair_joins_the_phrase_only_when_it_is_much_rarer_than_the_cover():
    """The rarest pair between the covering ones joins when it is under the share of the rarest covering pair
    (document frequencies of the 100,000-plan bench)."""
    from plans.search.engines.tantivy.reader import narrowing_pair

    frequency = {"生态": 99_888, "态旅": 23_720, "旅游": 98_275}.__getitem__
    assert narrowing_pair("生态旅游", [0, 2], frequency) == 1
    frequency = {"科技": 99_840, "技成": 72_493, "成果": 98_726, "果转": 61_567, "转化": 84_671}.__getitem__
    assert narrowing_pair("科技成果转化", [0, 2, 4], frequency) is None  # 果转 is 73 % of 转化
    pairs = {"高新": 96_206, "新技": 95_993, "技术": 99_936, "术企": 50_552, "企业": 99_999}
    assert narrowing_pair("高新技术企业", [0, 2, 4], pairs.__getitem__) == 3
    assert narrowing_pair("技术企", [0, 1], pairs.__getitem__) is None  # every pair covers


@pytest.mark.django_db(transaction=True)  # the repair runs in the queue's thread: committed data
def test_an_index_of_an_older_layout_is_rebuilt_instead_of_searched(make_plans, search_engine):
    """An index written with other fields (the pairs from offsets 0 and 1 of an earlier layout) would be
    searched field by field number with our schema: it is confirmed corrupt, and the repair rebuilds it."""
    import os

    import tantivy

    from plans.search.indexing import wait_for_indexing
    from plans.search.snapshot import hub

    plans = make_plans([{"title": "甲", "text": "科技成果转化"}, {"title": "乙", "text": "数字经济"}])
    assert wait_for_indexing(60)
    engine = hub.engine
    old = engine.root / "g-1"
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("plan_id", indexed=True, fast=True)
    builder.add_text_field("even", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("odd", tokenizer_name="whitespace", index_option="position")
    old.mkdir()
    writer = tantivy.Index(builder.build(), path=str(old)).writer(15_000_000, 1)
    writer.commit()
    writer.wait_merging_threads()
    os.symlink(old.name, engine.root / "tmp-link")
    os.replace(engine.root / "tmp-link", engine.root / "current")
    hub.reset()

    first = search(SearchParams(q="科技成果转化"))
    assert first.count == 0 and first.notices  # not searched: the rebuild is announced
    assert wait_for_indexing(timeout=60)
    assert ids_for("科技成果转化") == {plans[0].pk}
    assert hub.engine.folder != old


def test_the_declared_field_names_are_the_schemas_fields_in_order(search_engine):
    """The layout check compares an index's fields with FIELD_NAMES: it must be the schema's own list."""
    import json

    from plans.search.engines.tantivy import schema as fields
    from plans.search.snapshot import hub

    hub.engine.create_empty()
    meta = json.loads((hub.engine.folder / "meta.json").read_text())
    assert tuple(item["name"] for item in meta["schema"]) == fields.FIELD_NAMES


@pytest.mark.parametrize(
    "moment",
    ["2026-12-03T08:15:00+00:00", "2026-12-03T08:15:00.000001+00:00", "1999-02-28T23:59:59.999999+00:00"],
)
def test_updated_at_survives_the_integer_field_as_the_same_iso_text(moment, search_engine):
    """check_index compares the column with updated_at.isoformat() from the database, character for character."""
    from datetime import datetime

    from plans.search.engines.tantivy.schema import updated_micros, updated_text

    value = datetime.fromisoformat(moment)
    assert updated_text(updated_micros(value)) == value.isoformat() == moment
    assert updated_text(updated_micros(None)) == ""


# --- the generation's text file (texts.py) ----------------------------------------------------------------------


def all_starts(haystack: str, needle: str) -> list[int]:
    """Every (overlapping) start of `needle` in `haystack`: the str.find oracle."""
    found, at = [], haystack.find(needle)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


# characters whose UTF-16 bytes make the traps: 턀啓乜 holds 发展's bytes at an odd offset, 𠀀 and 😀 are pairs
NEEDLE_ALPHABET = "发展科技a턀啓乜𠀀😀"


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_a_needle_counts_code_units_as_str_count_counts_characters(data):
    """Needle.count_in (numpy over a record's code units) equals str.count, and Needle.starts_in str.find's
    starts: overlapping repeats (科科科),
    pairs outside the BMP, and bytes that straddle other characters. The text is built of the needle, its
    halves and other characters, so that repeats and near misses are common."""
    import numpy as np

    from plans.search.engines.tantivy.texts import ENCODING, UNIT, Needle, outside_bmp

    needle = data.draw(st.text(alphabet=NEEDLE_ALPHABET, min_size=1, max_size=5))
    pieces = st.sampled_from([needle, needle[: len(needle) // 2 + 1], needle[len(needle) // 2 :]])
    haystack = "".join(
        data.draw(st.lists(pieces | st.text(alphabet=NEEDLE_ALPHABET, max_size=3), max_size=20))
    )
    units = np.frombuffer(haystack.encode(ENCODING), dtype=UNIT)
    assert Needle(needle).count_in(units) == haystack.count(needle)
    # every start, overlapping ones included, in code units (a character outside the BMP takes two)
    in_units = [len(haystack[:start].encode(ENCODING)) // 2 for start in all_starts(haystack, needle)]
    assert Needle(needle).starts_in(units).tolist() == in_units
    assert outside_bmp(units) == any(ord(ch) > 0xFFFF for ch in haystack)


def check_texts_against_database(terms, *, from_file: bool):
    """Positions, breaks and documents of every live plan equal the database's text (str.find oracle), and
    they came from the text file (`from_file`) or from the stored form (not)."""
    from plans.models import Plan
    from plans.search import current_snapshot
    from plans.search.normalize import normalise
    from plans.search.snapshot import sentence_and_paragraph_breaks

    with current_snapshot() as snapshot:
        reader = snapshot.reader
        plans = {p.pk: p for p in Plan.objects.prefetch_related("sections")}
        live = {pk for pk in plans if pk in snapshot.columns.docnum_of}
        assert live == set(plans)
        joined = {pk: f"{plans[pk].title}\n{plans[pk].text}" for pk in live}
        for pk in live:
            assert (reader._offset(pk) != 0) == from_file, pk
        for term in terms:
            truth = {pk: all_starts(normalise(text), normalise(term)) for pk, text in joined.items()}
            truth = {pk: starts for pk, starts in truth.items() if starts}
            assert snapshot.term_positions(term) == truth, term
        assert snapshot.terms_positions(terms) == {t: snapshot.term_positions(t) for t in terms}
        some = sorted(live)[::2]
        assert snapshot.terms_positions(terms, some) == {t: snapshot.term_positions(t, some) for t in terms}
        documents = snapshot.documents(sorted(live))
        for pk in live:
            assert documents[pk].title_and_body == joined[pk]
            assert documents[pk].title == plans[pk].title
            sections = sorted(plans[pk].sections.all(), key=lambda s: s.order)
            assert [tuple(s)[:3] for s in documents[pk].sections] == [
                (s.heading, s.anchor, s.start) for s in sections
            ]
            sentences, paragraphs = sentence_and_paragraph_breaks(joined[pk])
            assert [list(b) for b in snapshot.breaks(pk)] == [sentences, paragraphs]


def test_updates_read_the_latest_text_and_deleted_plans_are_gone(make_plans, search_engine):
    from plans.models import Plan
    from plans.search import index_plans, remove_plan

    plans = make_plans(
        [
            {
                "title": "甲",
                "sections": [("一、总则", "科技金融。数字经济！"), ("二、措施", "科技创新\n科技")],
            },
            {"title": "乙科技", "text": "数字经济；科技金融"},
            {"title": "丙", "text": "无关内容。"},
        ]
    )
    check_texts_against_database(["科技", "数字经济", "金融", "。"], from_file=True)
    Plan.objects.filter(pk=plans[0].pk).update(text="改写后：只谈数字经济。")
    index_plans([plans[0].pk])
    Plan.objects.filter(pk=plans[1].pk).update(title="乙改", text="科技科技科技")
    index_plans([plans[1].pk])
    remove_plan(plans[2].pk)
    Plan.objects.filter(pk=plans[2].pk).delete()
    check_texts_against_database(["科技", "数字经济", "金融", "。", "无关"], from_file=True)


def test_non_bmp_characters_keep_every_offset_exact(make_plans, search_engine):
    """UTF-16 holds 𠀀 and 😀 as two code units each: decoded whole, a record still counts them as one
    character each, as the snapshot's offsets do."""
    make_plans(
        [
            {"title": "𠀀标题😀", "text": "𠀀𠀀科技。😀科技𠀀\n段落𠀀金融！"},
            {"title": "普通", "text": "科技𠀀金融"},
        ]
    )
    check_texts_against_database(["科技", "𠀀", "𠀀科", "金融", "😀科技", "段落"], from_file=True)


def test_an_index_without_its_text_file_reads_the_stored_form(make_plans, search_engine):
    from plans.search.engines.tantivy.texts import TEXTS_FILE
    from plans.search.snapshot import hub

    make_plans([{"title": "甲", "text": "科技金融。数字经济"}, {"title": "乙", "text": "科技𠀀创新"}])
    (hub.engine.folder / TEXTS_FILE).unlink()  # as an index written before the file has none
    hub.reset()
    check_texts_against_database(["科技", "数字经济", "𠀀创"], from_file=True)  # offsets, but no records


def test_documents_written_without_text_records_read_the_stored_form(make_plans, search_engine, monkeypatch):
    """Writing into an index whose schema lacks the text_at field (written before it) appends no records."""
    from plans.search.engines.tantivy import engine as tantivy_engine

    monkeypatch.setattr(tantivy_engine, "_has_texts", lambda folder: False)
    make_plans([{"title": "甲", "text": "科技金融。数字经济"}, {"title": "乙", "text": "科技𠀀创新"}])
    check_texts_against_database(["科技", "数字经济", "𠀀创"], from_file=False)


def test_records_appended_by_a_write_that_never_committed_are_not_read(make_plans, search_engine):
    """A crash between writing the texts and the commit leaves extra records that no document refers to."""
    from plans.search.engines.tantivy import texts
    from plans.search.snapshot import hub

    plans = make_plans([{"title": "甲", "text": "科技金融"}])
    texts.append(hub.engine.folder, [texts.record(plans[0].pk, "甲", "完全不同的文字", b"", [])])
    hub.reset()
    check_texts_against_database(["科技", "不同"], from_file=True)


@pytest.mark.parametrize("procs", [1, 4])  # 4: two writer threads fed by two worker processes
def test_a_rebuild_writes_a_fresh_text_file(make_plans, search_engine, procs, monkeypatch):
    from plans.models import Plan
    from plans.search import index_plans, rebuild_index
    from plans.search.engines.tantivy import engine as tantivy_engine
    from plans.search.engines.tantivy.texts import TEXTS_FILE
    from plans.search.snapshot import hub

    monkeypatch.setattr(tantivy_engine, "REBUILD_CHUNK", 2)  # several jobs per worker process

    plans = make_plans([{"title": f"第{i}号", "text": f"科技金融{i}号文件。𠀀"} for i in range(4)])
    for round_ in range(3):
        Plan.objects.filter(pk=plans[0].pk).update(text=f"第{round_}次改写的科技文字")
        index_plans([plans[0].pk])
    old = hub.engine.folder
    old_size = (old / TEXTS_FILE).stat().st_size
    assert rebuild_index(procs=procs) == 4
    new = hub.engine.folder
    assert new != old and (new / TEXTS_FILE).exists()
    assert (new / TEXTS_FILE).stat().st_size < old_size  # only the latest record of each plan
    check_texts_against_database(["科技", "改写", "𠀀"], from_file=True)


def test_text_records_carry_their_kinds_and_counts_decode_only_plans_that_may_hold_other_forms(
    make_plans, search_engine, monkeypatch
):
    """A record holds the kinds of characters of its text that normalise to another (normalize.variant_kinds);
    a term with traditional forms is counted in the map of a plan without traditional characters, and only
    a plan with some is decoded. The counts are str.count's on the normalised text either way."""
    from plans.search import clear_term_cache
    from plans.search.normalize import normalise, variant_kinds
    from plans.search.snapshot import current_snapshot

    plans = make_plans(
        [
            {"title": "营商环境", "text": "优化营商环境，营商环境。"},
            {"title": "標題", "text": "優化營商環境与营商环境"},
            {"title": "GDP", "text": "营商环境ＧＤＰ"},
        ]
    )
    with current_snapshot() as snapshot:
        reader = snapshot.reader
        for plan in plans:
            joined = f"{plan.title}\n{plan.text}"
            assert reader._text_file.kinds(plan.pk, reader._offset(plan.pk)) == variant_kinds(joined)
        decoded = []
        original = reader._joined
        monkeypatch.setattr(reader, "_joined", lambda docnum: decoded.append(docnum) or original(docnum))
        clear_term_cache()
        counted = snapshot.terms_counts(["营商环境", "环境"])
    for term in ("营商环境", "环境"):
        truth = {p.pk: normalise(f"{p.title}\n{p.text}").count(term) for p in plans}
        assert counted[term] == truth, term
    assert set(decoded) == {plans[1].pk}  # the one plan with traditional characters (it holds 營: positions)


def test_a_text_file_of_the_earlier_layout_is_read_and_appended_in_it(make_plans, search_engine, monkeypatch):
    """A generation whose text file was begun before the kinds were written (PSTEXT1) keeps its layout: new
    records are appended without the kinds, and every record reads as holding every kind (counts decode)."""
    from plans.models import Plan
    from plans.search import clear_term_cache, index_plans
    from plans.search.engines.tantivy import texts
    from plans.search.normalize import ALL_KINDS, normalise
    from plans.search.snapshot import current_snapshot, hub

    with monkeypatch.context() as patch:
        patch.setattr(texts, "MAGIC", texts.MAGIC_V1)  # what the earlier version wrote at the head of a file
        plans = make_plans(
            [{"title": "甲", "text": "營商環境与营商环境"}, {"title": "乙", "text": "营商环境"}]
        )
    assert (hub.engine.folder / texts.TEXTS_FILE).read_bytes().startswith(texts.MAGIC_V1)
    Plan.objects.filter(pk=plans[1].pk).update(text="改写：营商环境与營商環境")
    index_plans([plans[1].pk])
    hub.reset()
    check_texts_against_database(["营商环境", "改写"], from_file=True)
    with current_snapshot() as snapshot:
        reader = snapshot.reader
        assert reader._text_file.kinds(plans[1].pk, reader._offset(plans[1].pk)) == ALL_KINDS
        clear_term_cache()
        counted = snapshot.terms_counts(["营商环境"])["营商环境"]
    truth = {p.pk: normalise(f"{p.title}\n{p.text}").count("营商环境") for p in Plan.objects.all()}
    assert counted == truth


def test_a_new_reader_reads_the_columns_of_written_plans_only_and_equals_a_full_read(
    make_plans, search_engine, monkeypatch
):
    """After updates, an addition and a deletion in the same generation folder, the next reader reads the
    columns of the written documents alone (the others keep the previous reader's values) and its columns
    equal those of a reader that reads everything."""
    from plans.models import Plan, Region
    from plans.search import index_plans, remove_plan
    from plans.search.engines.tantivy.reader import TantivyReader
    from plans.search.snapshot import current_snapshot, hub

    plans = make_plans(
        [
            {
                "title": f"第{i}号",
                "text": f"科技金融{i}",
                "region": region,
                "year": 2010 + i,
                "themes": themes,
            }
            for i, (region, themes) in enumerate(
                [("湖北", ["科技金融"]), ("四川", []), ("江苏", ["科技金融", "人才"]), ("", [])] * 3
            )
        ]
    )
    with current_snapshot() as snapshot:
        assert snapshot.columns.regions[plans[0].pk] == "湖北"  # the first reader reads everything
    read = []
    original = TantivyReader._read_columns
    monkeypatch.setattr(
        TantivyReader,
        "_read_columns",
        lambda self, lists, hits, everything: (
            read.append((everything, sorted(p for p, _ in hits))) or original(self, lists, hits, everything)
        ),
    )
    hunan = Region.objects.get(name="湖南")  # the regions are seeded by a migration
    Plan.objects.filter(pk=plans[1].pk).update(region=hunan, year=1999, title="改名")
    Plan.objects.filter(pk=plans[2].pk).update(issuer="湖北省科学技术厅", doc_number="鄂科发〔2024〕3号")
    index_plans([plans[1].pk, plans[2].pk])
    remove_plan(plans[3].pk)
    Plan.objects.filter(pk=plans[3].pk).delete()
    [added] = make_plans([{"title": "新增", "text": "科技金融", "region": "广东", "year": 2024}])
    with current_snapshot() as snapshot:
        incremental = snapshot.columns
        generation = snapshot.reader.generation
    assert read == [(False, sorted([plans[1].pk, plans[2].pk, added.pk]))]
    fresh, _stamp = hub.engine.open_reader()  # no previous reader: reads every document
    assert fresh.generation == generation
    everything = fresh.column_lists()
    for name, values in everything.items():
        assert getattr(incremental, name) == values, name
    assert incremental.regions[plans[1].pk] == "湖南" and incremental.years[plans[1].pk] == 1999
    assert incremental.plan_ids[plans[3].pk] is None and incremental.regions[plans[3].pk] == ""
    assert incremental.regions[added.pk] == "广东"


@pytest.mark.parametrize("dense", [False, True])
def test_counts_in_the_text_file_equal_str_count_by_find_and_by_code_units(
    make_plans, search_engine, monkeypatch, dense
):
    """A record is counted by bytes.find or, once a needle proves common (Needle.dense), by numpy over its
    code units: both give str.count's count, at the byte traps too (턀啓乜 holds 发展's bytes at an odd offset;
    𠀀 is a surrogate pair) and for a string that overlaps itself."""
    from plans.search import clear_term_cache
    from plans.search.engines.tantivy import texts
    from plans.search.normalize import normalise
    from plans.search.snapshot import current_snapshot

    monkeypatch.setattr(texts.Needle, "dense", property(lambda needle: dense))  # from the first record
    plans = make_plans(
        [
            {"title": "发展规划", "text": "乜턀啓乜，𠀀𠀀发展发展。科科科科科"},
            {"title": "标题", "text": "发展与发展、𠀀发展，科技科技科技科"},
            {"title": "标题", "text": "턀啓乜𠀀"},
        ]
    )
    terms = ["发展", "展", "科科", "科技科", "𠀀发展", "𠀀", "乜"]
    with current_snapshot() as snapshot:
        clear_term_cache()
        counted = snapshot.terms_counts(terms)
        plan_of = snapshot.columns.plan_ids
    for term in terms:
        truth = {p.pk: n for p in plans if (n := normalise(f"{p.title}\n{p.text}").count(term))}
        assert {plan_of[d]: n for d, n in counted[term].items()} == truth, term
