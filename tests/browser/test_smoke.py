"""The home page renders in a real Chromium without console errors."""

import pytest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_home_page_renders(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title() == "政策检索"
