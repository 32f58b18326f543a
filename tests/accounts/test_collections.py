"""Collections: add from the results and plan pages, notes, reorder, remove, rename, delete, exports."""

from __future__ import annotations

import csv
import io

import pytest

from accounts import services
from accounts.models import Collection, CollectionItem

pytestmark = pytest.mark.django_db


def _titles(collection) -> list[str]:
    return [i.plan.title for i in collection.items.select_related("plan").order_by("position")]


def test_add_from_the_results_page_into_a_new_and_then_an_existing_collection(logged_in, user, make_plan):
    first = make_plan(title="2024年科技金融要点", text="科技金融。")
    second = make_plan(title="2023年科技金融要点", text="科技金融。", year=2023)
    page = logged_in.get("/search/?q=科技金融").content.decode()
    assert page.count('action="/me/collections/add/"') == 2 and f'name="plan" value="{first.pk}"' in page

    back = "/search/?q=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D"
    response = logged_in.post(
        "/me/collections/add/", {"plan": first.pk, "collection": "", "new_name": "阅读清单", "next": back}
    )
    assert response.status_code == 303 and response["Location"] == back
    collection = Collection.objects.get()
    assert (collection.user, collection.name, _titles(collection)) == (user, "阅读清单", [first.title])

    page = logged_in.get("/search/?q=科技金融").content.decode()
    assert f'<option value="{collection.pk}">阅读清单</option>' in page
    logged_in.post("/me/collections/add/", {"plan": second.pk, "collection": collection.pk, "next": back})
    logged_in.post(
        "/me/collections/add/", {"plan": second.pk, "collection": collection.pk, "next": back}
    )  # twice
    assert _titles(collection) == [first.title, second.title]


def test_add_from_the_plan_page_with_a_note(logged_in, user, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。")
    collection = services.collection_create(user=user, name="笔记")
    page = logged_in.get(f"/plans/{plan.pk}/").content.decode()
    assert 'action="/me/collections/add/"' in page and 'name="note"' in page
    logged_in.post(
        "/me/collections/add/", {"plan": plan.pk, "collection": collection.pk, "note": "第二部分值得细读\r\n"}
    )
    item = CollectionItem.objects.get()
    assert item.note == "第二部分值得细读"
    assert "已在收藏夹" in logged_in.get(f"/plans/{plan.pk}/").content.decode()


def test_adding_an_unknown_plan_is_a_404(logged_in):
    assert logged_in.post("/me/collections/add/", {"plan": "999999", "collection": ""}).status_code == 404
    assert logged_in.post("/me/collections/add/", {"plan": "abc", "collection": ""}).status_code == 404
    assert not Collection.objects.exists()


def test_a_too_long_note_is_explained_and_nothing_is_added(logged_in, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。")
    response = logged_in.post(
        "/me/collections/add/", {"plan": plan.pk, "collection": "", "note": "长" * 2001}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/plans/{plan.pk}/"
    assert "名称或笔记过长" in response.content.decode() and not Collection.objects.exists()


def test_reorder_edit_note_remove_rename_delete(logged_in, user, make_plan):
    plans = [make_plan(title=f"文件{i}", text="科技。") for i in range(4)]
    collection = services.collection_create(user=user, name="清单")
    items = [services.collection_add_plan(collection=collection, plan=p)[0] for p in plans]
    base = f"/me/collections/{collection.pk}/items"

    logged_in.post(f"{base}/{items[2].pk}/move/", {"direction": "up"})
    assert _titles(collection) == ["文件0", "文件2", "文件1", "文件3"]
    logged_in.post(f"{base}/{items[0].pk}/move/", {"direction": "up"})  # already first: stays
    logged_in.post(f"{base}/{items[0].pk}/move/", {"direction": "down"})
    assert _titles(collection) == ["文件2", "文件0", "文件1", "文件3"]
    logged_in.post(f"{base}/{items[3].pk}/move/", {"direction": "down"})  # already last
    assert _titles(collection) == ["文件2", "文件0", "文件1", "文件3"]

    logged_in.post(f"{base}/{items[1].pk}/note/", {"note": "重点"})
    assert CollectionItem.objects.get(pk=items[1].pk).note == "重点"
    too_long = logged_in.post(f"{base}/{items[1].pk}/note/", {"note": "长" * 2001}, follow=True)
    assert (
        "笔记过长" in too_long.content.decode() and CollectionItem.objects.get(pk=items[1].pk).note == "重点"
    )

    logged_in.post(f"{base}/{items[0].pk}/remove/")
    assert _titles(collection) == ["文件2", "文件1", "文件3"]
    assert list(collection.items.order_by("position").values_list("position", flat=True)) == [1, 2, 3]

    logged_in.post(f"/me/collections/{collection.pk}/rename/", {"name": "新清单"})
    collection.refresh_from_db()
    assert collection.name == "新清单"
    page = logged_in.get(f"/me/collections/{collection.pk}/").content.decode()
    assert page.index("文件2") < page.index("文件1") < page.index("文件3") and "重点" in page
    assert "参考文献（GB/T 7714-2015）" in page
    logged_in.post(f"/me/collections/{collection.pk}/delete/")
    assert not Collection.objects.exists() and not CollectionItem.objects.exists()


def _streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_exports_follow_the_collection_order(logged_in, user, make_plan):
    plans = [make_plan(title=f"文件{i}", text="科技。", issuer=f"机构{i}") for i in range(3)]
    collection = services.collection_create(user=user, name="清单")
    for plan in reversed(plans):
        services.collection_add_plan(collection=collection, plan=plan, note=f"笔记{plan.pk}")
    url = f"/me/collections/{collection.pk}/"

    rows = list(csv.reader(io.StringIO(_streamed(logged_in.get(url + "?format=csv")).lstrip("\ufeff"))))
    assert rows[0][:2] == ["ID", "标题"] and [r[1] for r in rows[1:]] == ["文件2", "文件1", "文件0"]
    assert rows[0][-1] == "笔记" and [r[-1] for r in rows[1:]] == [f"笔记{p.pk}" for p in reversed(plans)]
    ris = _streamed(logged_in.get(url + "?format=ris"))
    assert [line[6:] for line in ris.split("\r\n") if line.startswith("TI  - ")] == [
        "文件2",
        "文件1",
        "文件0",
    ]
    bib = _streamed(logged_in.get(url + "?format=bibtex"))
    assert bib.count("@report{") == 3 and bib.index("文件2") < bib.index("文件0")
    data = logged_in.get(url + "?format=json").json()
    assert [i["plan"]["title"] for i in data["items"]] == ["文件2", "文件1", "文件0"]
    assert data["items"][0]["note"] == f"笔记{plans[2].pk}"
    listing = logged_in.get("/me/collections/?format=json").json()["collections"]
    assert listing == [{"id": collection.pk, "name": "清单", "count": 3, "url": f"http://testserver{url}"}]
