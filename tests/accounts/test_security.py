"""A user sees and changes only their own searches, collections and tokens: every view of the accounts app is
requested with another user's ids (404), every change without a CSRF token (403), every page without a login."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern

from accounts import services
from accounts import urls as account_urls
from accounts.models import Collection, CollectionItem, SavedSearch
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# URL name -> the methods it answers (GET pages, POST changes).
METHODS = {
    "signup": ("GET", "POST"),
    "me": ("GET",),
    "searches": ("GET", "POST"),
    "search_open": ("POST",),
    "search_rename": ("POST",),
    "search_delete": ("POST",),
    "search_renew_token": ("POST",),
    "search_alerts": ("POST",),
    "search_feed": ("GET",),
    "collections": ("GET", "POST"),
    "collection_add": ("POST",),
    "collection": ("GET",),
    "collection_rename": ("POST",),
    "collection_delete": ("POST",),
    "item_note": ("POST",),
    "item_move": ("POST",),
    "item_remove": ("POST",),
}
PUBLIC = {"signup", "search_feed"}  # no log-in: sign-up (when open) and the token-protected feed


@pytest.fixture
def victim_objects(other_user, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。")
    saved = services.saved_search_create(user=other_user, name="别人的检索", query="q=科技金融")
    collection = services.collection_create(user=other_user, name="别人的收藏")
    item, _ = services.collection_add_plan(collection=collection, plan=plan, note="别人的笔记")
    return {"saved": saved, "collection": collection, "item": item, "plan": plan}


def _path(name: str, objects) -> str:
    """The URL of a view, filled with the victim's ids (the feed: the victim's id with the attacker's guess)."""
    saved, collection, item = objects["saved"], objects["collection"], objects["item"]
    return {
        "signup": "/accounts/signup/",
        "me": "/me/",
        "searches": "/me/searches/",
        "search_open": f"/me/searches/{saved.pk}/open/",
        "search_rename": f"/me/searches/{saved.pk}/rename/",
        "search_delete": f"/me/searches/{saved.pk}/delete/",
        "search_renew_token": f"/me/searches/{saved.pk}/token/",
        "search_alerts": f"/me/searches/{saved.pk}/alerts/",
        "search_feed": f"/feeds/searches/{saved.pk}/{'A' * len(saved.feed_token)}/",
        "collections": "/me/collections/",
        "collection_add": "/me/collections/add/",
        "collection": f"/me/collections/{collection.pk}/",
        "collection_rename": f"/me/collections/{collection.pk}/rename/",
        "collection_delete": f"/me/collections/{collection.pk}/delete/",
        "item_note": f"/me/collections/{collection.pk}/items/{item.pk}/note/",
        "item_move": f"/me/collections/{collection.pk}/items/{item.pk}/move/",
        "item_remove": f"/me/collections/{collection.pk}/items/{item.pk}/remove/",
    }[name]


def test_every_view_of_the_app_is_covered_here():
    names = {p.name for p in account_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(METHODS)


OWNED = sorted(
    name
    for name in METHODS
    if "<" in str(next(p.pattern for p in account_urls.urlpatterns if p.name == name))
)


@pytest.mark.parametrize("name", OWNED)
def test_another_users_ids_give_404_and_change_nothing(name, logged_in, victim_objects):
    path = _path(name, victim_objects)
    data = {"name": "改掉", "note": "改掉", "direction": "up", "enabled": "0"}
    for method in METHODS[name]:
        response = logged_in.get(path) if method == "GET" else logged_in.post(path, data)
        assert response.status_code == 404, (method, path)
    saved, collection, item = victim_objects["saved"], victim_objects["collection"], victim_objects["item"]
    assert SavedSearch.objects.get(pk=saved.pk).name == "别人的检索"
    assert SavedSearch.objects.get(pk=saved.pk).feed_token == saved.feed_token
    assert SavedSearch.objects.get(pk=saved.pk).alerts_enabled
    assert Collection.objects.get(pk=collection.pk).name == "别人的收藏"
    assert CollectionItem.objects.get(pk=item.pk).note == "别人的笔记"


def test_adding_to_another_users_collection_is_a_404(logged_in, victim_objects):
    collection, plan = victim_objects["collection"], victim_objects["plan"]
    response = logged_in.post("/me/collections/add/", {"plan": plan.pk, "collection": collection.pk})
    assert response.status_code == 404 and collection.items.count() == 1


def test_own_lists_never_show_another_users_things(logged_in, victim_objects):
    for path in (
        "/me/searches/",
        "/me/collections/",
        "/me/searches/?format=json",
        "/me/collections/?format=json",
    ):
        body = logged_in.get(path).content.decode()
        assert "别人的" not in body and victim_objects["saved"].feed_token not in body
    plan_page = logged_in.get(f"/plans/{victim_objects['plan'].pk}/").content.decode()
    assert "别人的收藏" not in plan_page


@pytest.mark.parametrize("name", sorted(n for n in METHODS if "POST" in METHODS[n]))
def test_every_change_needs_the_csrf_token(name, settings, user, victim_objects):
    settings.ALLOW_SIGNUP = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    own = {
        "saved": services.saved_search_create(user=user, name="我的", query="q=科技"),
        "collection": (collection := services.collection_create(user=user, name="我的收藏")),
        "item": services.collection_add_plan(collection=collection, plan=victim_objects["plan"])[0],
    }
    response = client.post(
        _path(name, own), {"name": "x", "plan": victim_objects["plan"].pk, "collection": ""}
    )
    assert response.status_code == 403, name


def test_log_in_log_out_and_password_forms_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post("/accounts/login/", {"username": "researcher", "password": PASSWORD}).status_code == 403
    )
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/accounts/logout/").status_code == 403
    assert client.post("/accounts/password_change/", {}).status_code == 403


@pytest.mark.parametrize("name", sorted(set(METHODS) - PUBLIC))
def test_every_private_view_needs_a_login(name, client, victim_objects):
    path = _path(name, victim_objects)
    for method in METHODS[name]:
        response = client.get(path) if method == "GET" else client.post(path, {"name": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (
            method,
            path,
        )
