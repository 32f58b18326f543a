"""Cited documents: parsing titles and numbers, one document however written, links both ways."""

import pytest

from plans import services
from plans.models import Citation, CitedDocument
from plans.relations.citations import mentions, parse_number, plan_keys
from tests.plans.relations.generated import ingest


@pytest.mark.parametrize(
    "written",
    ["国发〔2016〕43号", "国发[2016]43号", "国发(2016)43号", "国发（2016）43号", "国发［2016］043号", "国发【2016】43号",
     "国发 〔 2016 〕 43 号"],
)  # fmt: skip
def test_document_number_forms_are_one_canonical_number(written):
    assert parse_number(written) == "国发〔2016〕43号"


def test_mentions_pair_a_title_with_its_number_and_cut_lead_words():
    text = "根据《国家创新驱动发展战略纲要》（中发〔2016〕4号）和省政府印发的鄂政发(2017)1号，落实《中国制造2025》。"
    found = [(m.title, m.doc_number) for m in mentions(text)]
    assert found == [
        ("国家创新驱动发展战略纲要", "中发〔2016〕4号"),
        ("", "鄂政发〔2017〕1号"),
        ("中国制造2025", ""),
    ]


def test_plan_keys_include_the_published_document():
    keys = plan_keys("湖北省人民政府关于印发《湖北省科技创新“十三五”规划》的通知", "鄂政发〔2017〕1号")
    assert {"n:鄂政发〔2017〕1号", "t:湖北省科技创新十三五规划"} <= keys


def _plan(region, year, sentence, name, title="科技工作要点"):
    # A first paragraph long enough to end the header (ingest reads the plan's own number from the header).
    opening = "全面贯彻党的二十大精神，深入实施创新驱动发展战略，坚持科技是第一生产力、人才是第一资源、创新是第一动力，加快建设创新型省份，以科技创新引领高质量发展，为现代化建设提供有力支撑，奋力谱写高质量发展新篇章。"
    text = f"{year}年{title}\n\n{opening}\n一、总体要求\n{sentence}加快建设创新型省份，推动高质量发展取得新成效。\n"
    return ingest(text, region=region, year=year, name=name)


@pytest.mark.django_db
def test_a_number_written_three_ways_is_one_document_and_links_both_ways(client):
    a = _plan(
        "湖北",
        2017,
        "贯彻落实《国务院关于印发实施〈中华人民共和国促进科技成果转化法〉若干规定的通知》（国发〔2016〕16号）。",
        "a",
    )
    b = _plan("江西", 2018, "按照国发[2016]16号文件要求，加快成果转化。", "b")
    c = _plan("广东", 2019, "落实国发(2016)16号，完善技术转移体系。", "c")
    assert CitedDocument.objects.count() == 1
    document = CitedDocument.objects.get()
    assert document.doc_number == "国发〔2016〕16号" and document.plan_id is None
    assert set(Citation.objects.values_list("plan_id", flat=True)) == {a.pk, b.pk, c.pk}
    data = client.get(f"/plans/{b.pk}/?format=json").json()
    assert data["cites"] == [{"title": document.title, "doc_number": "国发〔2016〕16号", "plan_id": None}]
    assert data["cited_by"] == []
    # The cited document arrives: every citing plan now links to it, and it lists them.
    cited = ingest(
        "国务院关于印发实施《中华人民共和国促进科技成果转化法》若干规定的通知\n文 号 国发〔2016〕16号\n\n一、总则\n为加快实施创新驱动发展战略，落实促进科技成果转化法，打通科技与经济结合的通道。\n",
        region="全国", year=2016, name="cited",
    )  # fmt: skip
    if cited.doc_number != "国发〔2016〕16号":  # the header reader may miss it: staff correct it by hand
        services.plan_update(plan=cited, doc_number="国发〔2016〕16号", manual=True)
    document.refresh_from_db()
    assert document.plan_id == cited.pk
    assert client.get(f"/plans/{c.pk}/?format=json").json()["cites"][0]["plan_id"] == cited.pk
    cited_by = client.get(f"/plans/{cited.pk}/?format=json").json()["cited_by"]
    assert [(x["plan_id"], x["region"], x["year"]) for x in cited_by] == [
        (a.pk, "湖北", 2017),
        (b.pk, "江西", 2018),
        (c.pk, "广东", 2019),
    ]
    page = client.get(f"/plans/{cited.pk}/").content.decode()
    assert "被以下文件引用" in page and f'href="/plans/{a.pk}/"' in page
    page = client.get(f"/plans/{a.pk}/").content.decode()
    assert "引用文件" in page and f'href="/plans/{cited.pk}/"' in page
    ranked = client.get("/cited/?format=json").json()
    assert ranked["count"] == 2  # the cited plan itself names 《中华人民共和国促进科技成果转化法》
    assert ranked["results"][0]["doc_number"] == "国发〔2016〕16号" and ranked["results"][0]["count"] == 3
    assert {r["region"]: r["count"] for r in ranked["results"][0]["by_region"]} == {
        "湖北": 1,
        "江西": 1,
        "广东": 1,
    }
    assert [y["year"] for y in ranked["results"][0]["by_year"]] == [2017, 2018, 2019]
    table = client.get("/cited/?format=csv").content.decode("utf-8")
    assert table.startswith("\ufeff排名,文件名称,文号,引用文件数") and "国发〔2016〕16号,3," in table
    html = client.get("/cited/").content.decode()
    assert "国发〔2016〕16号" in html and f'href="/plans/{b.pk}/"' in html
    # Deleting a citing plan updates the counts; deleting the cited plan unlinks the document.
    services.plan_delete(plan=c)
    assert client.get("/cited/?format=json").json()["results"][0]["count"] == 2
    services.plan_delete(plan=cited)
    document.refresh_from_db()
    assert document.plan_id is None


@pytest.mark.django_db
def test_title_only_citation_joins_the_numbered_document(client):
    _plan("湖北", 2017, "落实《国家创新驱动发展战略纲要》，加快创新。", "a")
    _plan("江西", 2018, "贯彻《国家创新驱动发展战略纲要》（中发〔2016〕4号），推进改革。", "b")
    _plan("广东", 2019, "实施“国家创新驱动发展战略纲要”以外的中发【2016】4号文件。", "c")
    assert list(CitedDocument.objects.values_list("title", "doc_number")) == [
        ("国家创新驱动发展战略纲要", "中发〔2016〕4号")
    ]
    assert Citation.objects.count() == 3


@pytest.mark.django_db
def test_cited_pages_bad_input_and_empty(client):
    assert client.get("/cited/").status_code == 200
    response = client.get("/cited/?page=abc&format=json")
    assert response.status_code == 200 and response.json()["notices"]
    assert client.get("/cited/?page=99").status_code == 200
    assert client.get("/cited/424242/").status_code == 404
