"""Shared fixtures: the real database (pytest-django) and, per test, a real Whoosh index in tmp_path.

Every test gets its own empty search index folder (autouse `search_index`), so no test sees another's
documents and nothing touches ./data. To create plans quickly, use the `make_plan` fixture:

    def test_something(make_plan):
        plan = make_plan(title="2024年科技工作要点", region="湖北", year=2024, themes=["科技金融"],
                         sections=[("一、总体要求", "加快科技成果转化……"), ("二、重点任务", "……")])
        # the plan is saved with Section rows (start/end offsets, anchors s1, s2, …), PlanTheme rows,
        # and indexed synchronously (index=False to skip); search(SearchParams(q="科技")) finds it.

    make_plan(text="正文……") builds one plan from a plain text (no sections).
    make_plans([dict(...), dict(...)]) creates several and indexes them in one writer commit.

Signals queue index work only after a real commit (transaction.on_commit), so inside ordinary
`django_db` tests nothing is indexed behind your back: make_plan indexes explicitly.
"""

import hashlib
import itertools

import pytest

_counter = itertools.count(1)


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(items):
    """Make every transactional test a serialized-rollback one.

    A transactional test without it flushes the database and lets Django re-create the content types; the next
    serialized-rollback test then fails to restore them (duplicate key). Which test runs first depends on the
    whole suite's order, so the rule is applied here once rather than remembered in every module.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or "live_server" in getattr(item, "fixturenames", ())
        if transactional and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Every test that uses the database starts with the regions and themes of migration 0002.

    A transactional test flushes all tables when it ends, so the next test could otherwise start without them
    (and threads creating a missing region at once would collide on its unique name).
    """
    if request.node.get_closest_marker("django_db") is None and not _DATABASE_FIXTURES & set(
        request.fixturenames
    ):
        return
    request.getfixturevalue("db")  # the same database setup the test gets (transactional when it asks for it)
    from tests.reference import ensure_reference_data

    ensure_reference_data()


@pytest.fixture(autouse=True)
def search_index(tmp_path, settings):
    """Point the search engine at an empty index folder in tmp_path for this test; returns the path."""
    path = tmp_path / "search-index"
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "plans.search.engines.whoosh.backend.PolicyWhooshEngine", "PATH": str(path)}
    }
    yield path
    from plans.search.indexing import wait_for_indexing

    wait_for_indexing(timeout=30)


def _build_plan(*, title="测试规划", text=None, sections=None, region="湖北", year=2024, level="provincial",
                themes=(), published_on=None, **extra):  # fmt: skip
    from plans.models import Plan, PlanTheme, Region, Section, Theme

    region_obj = None
    if region:
        region_obj = Region.objects.filter(name=region).first() or Region.objects.create(
            name=region, full_name=f"{region}省", kind="province"
        )
    body_parts, offsets = [], []
    if sections:
        cursor = 0
        for heading, body in sections:
            chunk = f"{heading}\n{body}\n"
            offsets.append((heading, cursor, cursor + len(chunk)))
            body_parts.append(chunk)
            cursor += len(chunk)
        text = "".join(body_parts)
    text = text if text is not None else "正文"
    checksum = hashlib.sha256(f"{next(_counter)}:{title}:{text}".encode()).hexdigest()
    plan = Plan.objects.create(
        title=title, text=text, region=region_obj, year=year, level=level, published_on=published_on,
        checksum=checksum, **extra,
    )  # fmt: skip
    for order, (heading, start, end) in enumerate(offsets, start=1):
        Section.objects.create(
            plan=plan, order=order, depth=1, heading=heading, text=text[start:end], anchor=f"s{order}",
            start=start, end=end,
        )  # fmt: skip
    for name in themes:
        theme = Theme.objects.filter(name=name).first() or Theme.objects.create(
            name=name, slug=f"t-{hashlib.md5(name.encode()).hexdigest()[:10]}", keywords=name
        )
        PlanTheme.objects.create(plan=plan, theme=theme, score=1.0)
    return plan


@pytest.fixture
def make_plans(db):
    """make_plans([fields, ...], index=True) -> list[Plan]: create plans, index them in one commit."""

    def make(items, index=True):
        from plans.search import index_plans

        plans = [_build_plan(**fields) for fields in items]
        if index:
            index_plans([p.pk for p in plans])
        return plans

    return make


@pytest.fixture
def make_plan(make_plans):
    """make_plan(**fields, index=True) -> Plan; see the module docstring for the fields."""

    def make(index=True, **fields):
        return make_plans([fields], index=index)[0]

    return make


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test against a database file rather than Django's shared in-memory database.

    Threads that write (the background indexer, concurrent saves) then meet SQLite's real locking with its
    busy timeout, as in production, instead of the shared cache's immediate "table is locked" errors.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
        database.setdefault("OPTIONS", {}).setdefault("timeout", 20)
