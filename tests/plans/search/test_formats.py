"""The position encoding round-trips, and our codec writes the same postings and statistics as Whoosh's W3."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from plans.search.engines.whoosh.engine import _haystack_index, build_document, haystack_backend
from plans.search.engines.whoosh.formats import FastPositions, PolicyCodec, encode_positions
from plans.search.snapshot import hub

positions = st.lists(st.integers(min_value=0, max_value=300_000), max_size=60, unique=True).map(sorted)


@given(positions)
def test_positions_round_trip(poslist):
    encoded = encode_positions(poslist)
    assert FastPositions().decode_positions(encoded) == poslist
    assert FastPositions().decode_frequency(encoded) == len(poslist)


def _term_stats(path, schema, codec, docs):
    path.mkdir()
    ix = FileStorage(str(path)).create_index(schema)
    writer = ix.writer(codec=codec)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        stats = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            postings = reader.postings(fieldname, text)
            items = []
            while postings.is_active():
                items.append((postings.id(), postings.weight(), postings.value()))
                postings.next()
            stats[fieldname, text] = (info.min_length(), info.max_length(), info.max_weight(), items)
        return stats


@pytest.mark.django_db
def test_policy_codec_writes_what_w3_writes(make_plans, tmp_path):
    plans = make_plans(
        [
            {"title": f"规划{i}", "text": "推进科技金融。" * (i + 1) + "建设孵化器，发展数字经济。"}
            for i in range(8)
        ],
        index=False,
    )
    backend, index = haystack_backend(), _haystack_index()
    docs = [build_document(index, backend, plan) for plan in plans]
    ours = _term_stats(tmp_path / "ours", hub.engine.schema, PolicyCodec(compression=0), docs)
    theirs = _term_stats(tmp_path / "w3", hub.engine.schema, W3Codec(compression=0), docs)
    assert len(ours) > 100
    assert ours == theirs
