"""Two plans naming the same new document, saved at the same time by two real threads on PostgreSQL.

The second transaction's insert of the document waits on the first one's uncommitted row (the unique key),
then meets the unique violation once the first commits. Both plans must be saved and cite one document.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from plans.models import Citation, CitedDocument
from tests.plans.relations.generated import ingest

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite lets one writer in at a time, so the two "
    "inserts never overlap",
)

OPENING = (
    "全面贯彻党的二十大精神，深入实施创新驱动发展战略，坚持科技是第一生产力、人才是第一资源、创新是第一动力，"
    "加快建设创新型省份，以科技创新引领高质量发展，为现代化建设提供有力支撑，奋力谱写高质量发展新篇章。"
)


def _text(year: int, clause: str) -> str:
    return f"{year}年科技工作要点\n\n{OPENING}\n一、总体要求\n{clause}推动高质量发展取得新成效。\n"


def _waiting_on_a_lock(timeout: float = 20.0) -> bool:
    """True once another session of this database waits on a lock (the second insert blocked by the first)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is frozen for the transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "clause",
    [
        "贯彻落实《关于加快建设科技强国的若干意见》（国发〔2031〕7号），",  # a new number (and its title)
        "贯彻落实《关于加快建设科技强国的若干意见》，",  # a new title alone
    ],
)
def test_two_plans_citing_the_same_new_document_at_once_both_succeed(clause):
    first_inserted = threading.Event()
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():  # hold the transaction open until the second insert is seen waiting
                results["first"] = ingest(_text(2031, clause), region="湖北", year=2031, name="first")
                first_inserted.set()
                results["blocked"] = _waiting_on_a_lock()
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
            first_inserted.set()
        finally:
            connections.close_all()

    def second():
        try:
            first_inserted.wait(timeout=60)
            results["second"] = ingest(_text(2032, clause), region="江西", year=2032, name="second")
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert results["blocked"], "the second insert never waited on the first: the race was not exercised"
    document = CitedDocument.objects.get()
    assert document.title == "关于加快建设科技强国的若干意见"
    citing = set(Citation.objects.filter(document=document).values_list("plan_id", flat=True))
    assert citing == {results["first"].pk, results["second"].pk}
