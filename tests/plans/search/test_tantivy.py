"""What only the Tantivy adapter does: its generation folders and their atomic switch.

(The rest of its behaviour is the contract suite, the tests marked both_engines.)
"""

import pytest

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
