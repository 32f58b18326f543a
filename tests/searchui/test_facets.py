"""Facet values reach the templates as finished objects: value, label, count, selected, toggle_url."""

from urllib.parse import unquote_plus

import pytest

from plans.search.types import FacetValue, SearchParams
from searchui.facets import build_facet, build_facets

S = SearchParams


def fv(value, count):
    return FacetValue(value=value, count=count)


def test_region_items_sorted_by_count_then_region_order():
    group = build_facet(
        "region",
        [fv("江西", 3), fv("湖北", 5), fv("北京", 3)],
        S(),
        region_order={"北京": 1, "江西": 14, "湖北": 17},
    )
    assert [(i.value, i.count) for i in group.items] == [("湖北", 5), ("北京", 3), ("江西", 3)]
    assert group.clear_url is None
    assert group.title == "地区"


def test_selected_values_and_toggle_urls():
    params = S(q="税", regions=("湖北",), page=3)
    group = build_facet("region", [fv("湖北", 5), fv("江西", 3)], params)
    by_value = {item.value: item for item in group.items}
    assert by_value["湖北"].selected and not by_value["江西"].selected
    assert unquote_plus(by_value["湖北"].toggle_url) == "/search/?q=税"
    assert unquote_plus(by_value["江西"].toggle_url) == "/search/?q=税&region=江西&region=湖北"
    assert unquote_plus(group.clear_url) == "/search/?q=税"


def test_selected_value_missing_from_engine_counts_shows_with_zero():
    group = build_facet("theme", [fv("科技人才", 2)], S(themes=("科技金融",)))
    item = next(i for i in group.items if i.value == "科技金融")
    assert item.selected and item.count == 0


def test_zero_counts_are_hidden_unless_selected():
    group = build_facet("theme", [fv("科技人才", 0), fv("科技金融", 1)], S())
    assert [i.value for i in group.items] == ["科技金融"]


def test_top_values_and_more_keep_selected_visible():
    values = [fv(f"主题{i:02d}", 100 - i) for i in range(12)]
    group = build_facet("theme", values, S(themes=("主题11",)), top=8)
    assert [i.value for i in group.top][:8] == [f"主题{i:02d}" for i in range(8)]
    assert group.top[-1].value == "主题11"
    assert [i.value for i in group.more] == ["主题08", "主题09", "主题10"]


def test_year_facet_newest_first_with_labels_and_range_clear():
    group = build_facet("year", [fv("2016", 1), fv("2018", 4), fv("None", 2)], S(year_from=2010))
    assert [i.value for i in group.items] == ["2018", "2016"]
    assert group.items[0].label == "2018年"
    assert unquote_plus(group.clear_url) == "/search/"


def test_level_facet_in_fixed_order_with_labels():
    group = build_facet("level", [fv("municipal", 9), fv("national", 1), fv("provincial", 5)], S())
    assert [(i.value, i.label) for i in group.items] == [
        ("national", "国家级"),
        ("provincial", "省级"),
        ("municipal", "市级"),
    ]


@pytest.mark.parametrize("missing", ["region", "year", "theme", "level"])
def test_build_facets_always_gives_four_groups(missing):
    facets = {name: [] for name in ("region", "year", "theme", "level") if name != missing}
    assert [g.name for g in build_facets(facets, S())] == ["region", "year", "theme", "level"]
