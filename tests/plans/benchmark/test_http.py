"""The load test refuses to leave this machine."""

import pytest

from plans.benchmark.http import page_path, require_local
from plans.benchmark.queries import BenchQuery


@pytest.mark.parametrize("url", ["http://127.0.0.1:8401/", "http://localhost:8402"])
def test_local_urls_pass(url):
    assert require_local(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://example.com/", "http://10.0.0.5:8000", "https://0.0.0.0:8401"])
def test_other_hosts_are_refused(url):
    with pytest.raises(ValueError, match="127.0.0.1"):
        require_local(url)


def test_page_path_encodes_the_query_and_filters():
    path = page_path(BenchQuery("filtered", "数字经济", regions=("广东", "浙江"), year_from=2019))
    assert path.startswith("/search/?q=%E6%95%B0")
    assert path.count("region=") == 2 and path.endswith("year_from=2019")
