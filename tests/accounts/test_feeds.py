"""Atom 1.0 feeds, parsed with a real feed parser (feedparser): /search/?…&format=atom and the private feed of
a saved search (unguessable token, renewable, nothing private in it)."""

from __future__ import annotations

import datetime

import feedparser
import pytest

from accounts import services
from accounts.feeds import FEED_ENTRIES
from accounts.selectors import saved_search_for_feed

pytestmark = pytest.mark.django_db


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_feed_of_a_search_lists_its_newest_50_plans_by_date(client, make_plans):
    start = datetime.date(2020, 1, 1)
    plans = make_plans(
        [
            dict(title=f"第{i}号科技金融文件", text="推进科技金融。", published_on=start + datetime.timedelta(days=7 * i),
                 year=2020 + i // 60, issuer=f"发布机构{i}", region="湖北" if i % 2 else "江西")
            for i in range(60)
        ]
        + [dict(title="农业文件", text="乡村。", published_on=datetime.date(2030, 1, 1))]
    )  # fmt: skip
    feed = _parse(client.get("/search/?q=科技金融&format=atom"))
    matching = [p for p in plans if "科技金融" in p.text]
    oracle = sorted(matching, key=lambda p: (p.published_on, p.pk), reverse=True)[:FEED_ENTRIES]
    assert len(feed.entries) == FEED_ENTRIES == 50
    assert [e.title for e in feed.entries] == [p.title for p in oracle]
    entry, plan = feed.entries[0], oracle[0]
    assert entry.link == f"http://testserver/plans/{plan.pk}/?q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D"
    assert entry.id == f"http://testserver/plans/{plan.pk}/"
    assert entry.updated_parsed and entry.published.startswith(plan.published_on.isoformat())
    assert entry.author == plan.issuer
    assert {t.term for t in entry.tags} >= {plan.region.name, str(plan.year)}
    assert plan.region.name in entry.summary and plan.issuer in entry.summary
    assert "推进科技金融" in entry.summary
    # The snippet is escaped HTML with the query marked (feedparser's sanitiser drops <mark>, so read the XML).
    response = client.get("/search/?q=科技金融&format=atom")
    assert "&lt;mark&gt;科技金融&lt;/mark&gt;" in response.content.decode()
    assert feed.feed.title == "政策检索：科技金融"
    assert feed.feed.link == "http://testserver/search/?q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D"


def test_an_empty_or_odd_search_still_gives_a_valid_feed(client):
    feed = _parse(client.get("/search/?q=没有这个词&year=abc&format=ATOM"))
    assert feed.entries == [] and feed.feed.updated_parsed


def test_the_results_page_links_its_feed(client, make_plan):
    make_plan(title="2024年科技金融要点", text="科技金融。")
    page = client.get("/search/?q=科技金融").content.decode()
    assert 'type="application/atom+xml"' in page and "format=atom" in page


def test_a_private_feed_needs_its_token_and_a_renewed_token_replaces_it(client, user, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。")
    saved = services.saved_search_create(user=user, name="我的科技金融", query="q=科技金融")
    url = f"/feeds/searches/{saved.pk}/{saved.feed_token}/"
    feed = _parse(client.get(url))
    assert feed.feed.title == "政策检索：我的科技金融"
    assert [e.title for e in feed.entries] == [plan.title]

    assert client.get(f"/feeds/searches/{saved.pk}/{saved.feed_token[:-1]}x/").status_code == 404
    assert client.get(f"/feeds/searches/{saved.pk}/").status_code == 404
    assert client.get(f"/feeds/searches/{saved.pk + 1}/{saved.feed_token}/").status_code == 404

    old_token = saved.feed_token
    services.saved_search_renew_token(saved_search=saved)
    assert saved.feed_token != old_token and len(saved.feed_token) >= 43
    assert client.get(url).status_code == 404
    _parse(client.get(f"/feeds/searches/{saved.pk}/{saved.feed_token}/"))


def test_tokens_are_compared_in_constant_time(monkeypatch, user):
    """The token check goes through hmac.compare_digest (not ==, which stops at the first differing byte)."""
    import hmac

    saved = services.saved_search_create(user=user, name="x", query="q=a")
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert saved_search_for_feed(saved.pk, "wrong") is None
    assert saved_search_for_feed(saved.pk, saved.feed_token) == saved
    assert calls == [
        (saved.feed_token.encode(), b"wrong"),
        (saved.feed_token.encode(), saved.feed_token.encode()),
    ]


def test_a_feed_shows_only_public_data(client, user, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。", review_notes="内部审核意见：不要公开")
    saved = services.saved_search_create(user=user, name="科技金融", query="q=科技金融")
    collection = services.collection_create(user=user, name="私人收藏")
    services.collection_add_plan(collection=collection, plan=plan, note="私人笔记")
    body = client.get(f"/feeds/searches/{saved.pk}/{saved.feed_token}/").content.decode()
    for private in (
        "researcher",
        "researcher@example.org",
        "私人笔记",
        "私人收藏",
        "内部审核意见",
        saved.feed_token,
    ):
        assert private not in body.replace(f"/feeds/searches/{saved.pk}/{saved.feed_token}/", "")
    assert client.get(f"/feeds/searches/{saved.pk}/{saved.feed_token}/")["Referrer-Policy"] == "no-referrer"
