"""Loading a corpus in bulk, dumping it back, and the icontains peer against the substring truth (real database)."""

import pytest

from plans.benchmark.corpus import read_corpus, synthesize
from plans.benchmark.load import bulk_load, dump_plans, read_dump
from plans.benchmark.peers.icontains import IcontainsPeer, naive_snippet
from plans.benchmark.queries import BenchQuery
from plans.benchmark.truth import substring_truth
from plans.models import Plan, PlanTheme

pytestmark = pytest.mark.django_db


def test_bulk_load_keeps_keys_metadata_and_assigns_themes(corpus_dir):
    docs = read_corpus(corpus_dir)
    stats = bulk_load(docs)
    assert (
        stats.plans == 4 and stats.path.startswith("bulk") and stats.bytes == sum(d.size_bytes for d in docs)
    )
    hubei = Plan.objects.get(pk=1)
    assert (hubei.region.name, hubei.year, hubei.level) == ("湖北", 2017, "provincial")
    assert Plan.objects.get(pk=4).region.name == "全国"
    # sections and themes come from ingest's own parser and matcher
    assert list(hubei.sections.order_by("order").values_list("heading", flat=True)) == [
        "过去一年工作回顾",
        "今年工作安排",
    ]
    assert PlanTheme.objects.filter(plan_id=1).exists()
    # the id sequence moved past the explicit ids, so the next ordinary save does not collide
    assert Plan.objects.create(title="新计划", text="正文", checksum="x" * 64).pk > 4


def test_dump_round_trip(corpus_dir, tmp_path):
    docs = list(synthesize(read_corpus(corpus_dir), 12, seed=5))
    bulk_load(docs)
    plans, size = dump_plans(tmp_path / "dump.jsonl")
    assert (plans, size) == (12, sum(d.size_bytes for d in docs))
    back = list(read_dump(tmp_path / "dump.jsonl"))
    assert [(d.key, d.title, d.text, d.region, d.year) for d in back] == [
        (d.key, d.title, d.text, d.region, d.year) for d in docs
    ]


def test_icontains_peer_finds_exactly_the_substring_truth(corpus_dir):
    docs = read_corpus(corpus_dir)
    bulk_load(docs)
    queries = [
        BenchQuery("1char", "税"),
        BenchQuery("and", "人工智能 集成电路"),
        BenchQuery("phrase", '"创新型省份"'),
        BenchQuery("latin", "5g"),
        BenchQuery("filtered", "工作", regions=("湖北",), year_from=2018),
        BenchQuery("browse", "", years=(2017,)),
    ]
    truth = substring_truth(docs, queries)
    peer = IcontainsPeer("test")
    for query in queries:
        assert peer.all_ids(query) == truth[query], query.label
        outcome = peer.run(query)
        assert outcome.count == len(truth[query])
        assert set(outcome.ranked) <= truth[query]


def test_naive_snippet_escapes_and_marks():
    snippet = naive_snippet("前文<b>科技金融</b>后文", ["科技金融"])
    assert "&lt;b&gt;<mark>科技金融</mark>&lt;/b&gt;" in snippet
