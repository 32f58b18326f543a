"""The year histogram: bars laid out on the server, each a link to its year."""

from urllib.parse import unquote_plus

from plans.search.types import FacetValue, SearchParams
from searchui.histogram import HEIGHT, WIDTH, year_histogram


def test_no_years_no_histogram():
    assert year_histogram([], SearchParams()) is None
    assert year_histogram([FacetValue("2017", 0)], SearchParams()) is None


def test_bars_fill_the_gaps_and_link_to_their_year():
    facet = [FacetValue("2015", 2), FacetValue("2018", 4), FacetValue("x", 9)]
    histogram = year_histogram(facet, SearchParams(q="税", year_from=2010, page=3))
    assert [b.year for b in histogram.bars] == [2015, 2016, 2017, 2018]
    assert [b.count for b in histogram.bars] == [2, 0, 0, 4]
    tallest = histogram.bars[-1]
    assert unquote_plus(tallest.url) == "/search/?q=税&year=2018"
    assert histogram.bars[1].url is None and histogram.bars[1].height == 0
    assert tallest.y >= 0 and tallest.y + tallest.height == histogram.baseline
    assert histogram.bars[0].height == tallest.height / 2
    for bar in histogram.bars:
        assert bar.x >= 0 and bar.x + bar.width <= WIDTH
        assert bar.y + bar.height <= HEIGHT


def test_selected_year_is_marked_and_labels_thin_out():
    facet = [FacetValue(str(year), 1) for year in range(1990, 2025)]
    histogram = year_histogram(facet, SearchParams(years=(2000,)))
    assert [b.year for b in histogram.bars if b.selected] == [2000]
    assert 0 < sum(b.show_label for b in histogram.bars) <= 12
    assert not histogram.show_counts


def test_tiny_counts_stay_visible():
    histogram = year_histogram([FacetValue("2017", 1), FacetValue("2018", 1000)], SearchParams())
    assert histogram.bars[0].height >= 2
