"""The start-up steps of config.startup, in process, on the test database and a per-test index."""

import pytest

from config import startup
from plans.models import Plan
from plans.search import SearchParams, check_index, search, wait_for_indexing
from tests.plans.search.indexfiles import lose_everything

pytestmark = pytest.mark.django_db


def test_first_start_ingests_the_seeds_and_indexes_them():
    assert Plan.objects.count() == 0
    assert startup.seed_if_empty() == 3
    startup.reconcile_index()
    assert check_index().ok
    assert search(SearchParams(q="科技工作")).count == 3
    assert startup.seed_if_empty() == 0, "never a second time"
    assert Plan.objects.count() == 3


def test_no_seed_folder_means_an_empty_start(tmp_path):
    assert startup.seed_if_empty(tmp_path / "missing") == 0
    assert Plan.objects.count() == 0


def test_reconcile_rebuilds_a_lost_index(make_plans, search_index):
    make_plans(
        [{"title": "2020年湖北省科技工作要点", "text": "科技成果转化"}, {"title": "江西", "text": "科技金融"}]
    )
    lose_everything(search_index)  # the index volume was lost
    startup.reconcile_index()
    assert check_index().ok
    assert search(SearchParams(q="科技")).count == 2


@pytest.mark.django_db(transaction=True)  # the index queue's thread must see the committed plans
def test_workers_requeue_plans_whose_indexing_never_finished(make_plans):
    indexed, interrupted = make_plans(
        [{"title": "甲", "text": "科技创新"}, {"title": "乙", "text": "科技创新"}]
    )
    make_plans([{"title": "丙", "text": "科技创新"}], index=False)  # saved, never indexed: still pending
    Plan.objects.filter(pk=interrupted.pk).update(index_status=Plan.IndexStatus.FAILED)
    assert startup.requeue_unindexed_plans() == 2
    assert wait_for_indexing(timeout=60)
    assert search(SearchParams(q="科技创新")).count == 3
    assert set(Plan.objects.values_list("index_status", flat=True)) == {Plan.IndexStatus.INDEXED}
