"""Saved searches: "保存检索" on /search/ (POST with CSRF), /me/searches/ with counts now and new since last
opened, open, rename, delete, alerts on/off, JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from accounts.models import SavedSearch
from plans.models import Plan

pytestmark = pytest.mark.django_db


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_results_page_offers_saving_to_users_and_log_in_to_visitors(logged_in, make_plan):
    make_plan(title="2024年科技金融要点", text="科技金融。")
    anonymous = Client().get("/search/?q=科技金融").content.decode()
    assert (
        'action="/me/searches/"' not in anonymous and "/accounts/login/?next=%2Fsearch%2F%3Fq%3D" in anonymous
    )
    page = logged_in.get("/search/?q=科技金融&page_size=50").content.decode()
    assert 'action="/me/searches/"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'name="query" value="q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D&amp;page_size=50"' in page


def test_saving_needs_the_csrf_token_and_stores_the_canonical_query(user, make_plan):
    make_plan(title="2024年科技金融要点", text="科技金融。", region="湖北")
    client = _csrf_client(user)
    refused = client.post("/me/searches/", {"name": "x", "query": "q=科技金融"})
    assert refused.status_code == 403 and not SavedSearch.objects.exists()

    page = client.get("/search/?q=科技金融")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/me/searches/",
        {"name": "  科技 金融  ", "query": "region=湖北省&q=科技金融&page=3&format=json", "next": "/search/?q=科技金融",
         "csrfmiddlewaretoken": token},
    )  # fmt: skip
    assert (
        response.status_code == 303
        and response["Location"] == "/search/?q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D"
    )
    saved = SavedSearch.objects.get()
    assert (saved.user, saved.name, saved.query) == (
        user,
        "科技 金融",
        "q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D&region=%E6%B9%96%E5%8C%97",
    )
    # Saving the same state again renames it rather than keeping two copies.
    client.post(
        "/me/searches/", {"name": "改名", "query": "q=科技金融&region=湖北", "csrfmiddlewaretoken": token}
    )
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["改名"]


def test_an_offsite_next_is_not_followed(logged_in):
    response = logged_in.post("/me/searches/", {"name": "x", "query": "q=a", "next": "https://evil.example/"})
    assert response["Location"] == "/me/searches/"


def test_the_list_shows_the_count_now_and_what_is_new_since_last_opened(logged_in, user, make_plan):
    make_plans_before = [
        make_plan(title=f"201{i}年科技金融要点", text="科技金融。", year=2010 + i) for i in range(3)
    ]
    saved = services.saved_search_create(user=user, name="科技金融", query="q=科技金融")
    page = logged_in.get("/me/searches/").content.decode()
    assert "共 3 份" in page and "无新增" in page

    added = make_plan(title="2025年科技金融新文件", text="科技金融。", year=2025)
    make_plan(title="2025年无关文件", text="农业。", year=2025)
    data = logged_in.get("/me/searches/?format=json").json()["searches"][0]
    assert (data["count"], data["new"]) == (4, 1)
    assert data["url"] == "http://testserver/search/?q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D"
    assert "新增 1 份" in logged_in.get("/me/searches/").content.decode()
    # The oracle: "new" are exactly the matching plans created after the last opening.
    expected = Plan.objects.filter(created_at__gt=saved.last_opened_at, text__contains="科技金融").count()
    assert expected == 1 and added.pk not in [p.pk for p in make_plans_before]

    opened = logged_in.post(f"/me/searches/{saved.pk}/open/")
    assert opened.status_code == 303 and opened["Location"] == data["url"].removeprefix("http://testserver")
    assert logged_in.get("/me/searches/?format=json").json()["searches"][0]["new"] == 0


def test_rename_delete_and_alerts(logged_in, user):
    saved = services.saved_search_create(user=user, name="旧名", query="q=科技")
    logged_in.post(f"/me/searches/{saved.pk}/rename/", {"name": "新名"})
    saved.refresh_from_db()
    assert saved.name == "新名"
    logged_in.post(f"/me/searches/{saved.pk}/rename/", {"name": "   "})  # an empty name keeps the old one
    saved.refresh_from_db()
    assert saved.name == "新名"
    logged_in.post(f"/me/searches/{saved.pk}/alerts/", {"enabled": "0"})
    saved.refresh_from_db()
    assert not saved.alerts_enabled
    logged_in.post(f"/me/searches/{saved.pk}/alerts/", {"enabled": "1"})
    saved.refresh_from_db()
    assert saved.alerts_enabled
    logged_in.post(f"/me/searches/{saved.pk}/delete/")
    assert not SavedSearch.objects.exists()


def test_a_too_long_name_is_refused_with_a_message(logged_in):
    response = logged_in.post("/me/searches/", {"name": "长" * 101, "query": "q=a"}, follow=True)
    assert "名称过长" in response.content.decode() and not SavedSearch.objects.exists()


def test_the_pages_need_a_login(client):
    response = client.get("/me/searches/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/?next=/me/searches/"
    )


@pytest.mark.parametrize(
    "query",
    ["q=科技", "q=科技&region=湖北", "q=科技&year=2024", "q=科技&year=2023&region=江西", "q=科技&year_from=2024",
     "", "region=北京", "q=科技&year=2020"],
)  # fmt: skip
def test_new_plans_match_exactly_what_the_search_finds(query, user, make_plans):
    """The oracle: the ids the full search finds among the new plans (the narrowed walk must agree)."""
    from accounts import searching

    old = make_plans(
        [
            dict(title=f"旧{i}", text="科技。", year=2020 + i % 5, region=("湖北", "江西")[i % 2])
            for i in range(12)
        ]
    )
    new = make_plans(
        [dict(title="新1", text="科技。", year=2024, region="湖北"), dict(title="新2", text="科技。", year=2023, region="江西"),
         dict(title="新3", text="农业。", year=2024, region="湖北"), dict(title="新4", text="科技。", year=None, region="湖北"),
         dict(title="新5", text="科技。", year=2024, region=None)]
    )  # fmt: skip
    params = searching.params_of(query)
    everything = {hit.plan_id for hit in searching.walk_hits(params)}
    candidates = [p.pk for p in new] + [old[0].pk]
    assert searching.matching_plan_ids(params, candidates) == everything & set(candidates)
