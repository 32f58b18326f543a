"""The registry is the one declaration of facets and metadata: every reader of it agrees with it."""

import pytest

from plans.search import SearchParams, search
from plans.search.registry import FACET_NAMES, FACETS, METADATA
from plans.search.snapshot import COLUMN_NAMES, current_snapshot
from searchui import links
from searchui.export import CSV_COLUMNS


def test_every_facet_has_a_column_a_params_field_and_a_url_parameter():
    params = SearchParams()
    for facet in FACETS:
        assert facet.column in COLUMN_NAMES
        assert hasattr(params, facet.params_field)
        assert links.FACET_FIELD[facet.name] == facet.params_field
        assert facet.name in links.PARAM_ORDER
    assert [key for key, _ in CSV_COLUMNS] == [field.key for field in METADATA]
    assert all(field.column is None or field.column in COLUMN_NAMES for field in METADATA)


@pytest.mark.django_db
def test_counts_columns_and_urls_follow_the_registry(make_plan):
    plan = make_plan(
        title="甲", text="科技金融", region="湖北", year=2021, level="provincial", themes=["科技金融"]
    )
    result = search(SearchParams(q="科技金融"))
    assert list(result.facets) == list(FACET_NAMES)
    with current_snapshot() as snapshot:
        docnum = snapshot.columns.docnum_of[plan.pk]
        plan.refresh_from_db()
        for facet in FACETS:
            value = getattr(snapshot.columns, facet.column)[docnum]
            source = facet.source(plan)
            assert value == (tuple(source) if facet.kind == "list" else source), facet.name
            counted = {fv.value: fv.count for fv in result.facets[facet.name]}
            for one in value if facet.kind == "list" else [value]:
                assert counted[str(one)] == 1, facet.name
            state = links.toggle_value(
                SearchParams(q="科技金融"), facet.name, value[0] if facet.kind == "list" else value
            )
            assert f"{facet.name}=" in links.query_string(state)
            assert search(state).count == 1
