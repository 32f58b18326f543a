"""Citations: GB/T 7714-2015, BibTeX and RIS of a plan (plan page and downloads), and the whole result set of
/search/ as RIS or BibTeX (at most the CSV export's 20,000 rows)."""

from __future__ import annotations

import datetime
import re

import pytest

from accounts import citations
from plans.models import Plan

pytestmark = pytest.mark.django_db

ACCESSED = datetime.date(2026, 12, 2)


def _absolute(path: str) -> str:
    return "http://search.example.org" + path


def _plan(make_plan, **fields):
    defaults = dict(
        title="2017年全省科技工作要点", text="科技成果转化。", issuer="湖北省科学技术厅", region="湖北", year=2017,
        published_on=datetime.date(2017, 3, 1), doc_number="鄂科技发〔2017〕1号",
    )  # fmt: skip
    defaults.update(fields)
    return make_plan(**defaults)


def test_gbt7714_of_a_plan_with_every_field(make_plan):
    plan = _plan(make_plan)
    fields = citations.citation_fields(plan, _absolute, ACCESSED)
    assert citations.gbt7714(fields) == (
        "湖北省科学技术厅. 2017年全省科技工作要点: 鄂科技发〔2017〕1号[EB/OL]. 湖北省: 湖北省科学技术厅, "
        f"2017(2017-03-01)[2026-12-02]. http://search.example.org/plans/{plan.pk}/."
    )


def test_gbt7714_leaves_out_what_is_unknown(make_plan):
    plan = _plan(make_plan, issuer="", doc_number="", region=None, published_on=None, year=None)
    text = citations.gbt7714(citations.citation_fields(plan, _absolute, ACCESSED))
    assert text == f"2017年全省科技工作要点[EB/OL]. [2026-12-02]. http://search.example.org/plans/{plan.pk}/."


def test_a_municipal_plan_is_placed_in_its_city(make_plan):
    plan = _plan(make_plan, city="武汉市", level="municipal")
    assert citations.citation_fields(plan, _absolute, ACCESSED).place == "武汉市"


def test_bibtex_entry_fields_and_escaping(make_plan):
    plan = _plan(make_plan, title="50%的{经费}用于R&D_项目#1 ~ \\end", issuer="科技厅 & 财政厅")
    entry = citations.bibtex(citations.citation_fields(plan, _absolute, ACCESSED))
    assert entry.startswith(f"@report{{plan{plan.pk},\n")
    assert r"title = {{50\%的\{经费\}用于R\&D\_项目\#1 \textasciitilde{} \textbackslash{}end}}" in entry
    assert r"author = {{科技厅 \& 财政厅}}" in entry and r"institution = {科技厅 \& 财政厅}" in entry
    assert "number = {鄂科技发〔2017〕1号}" in entry and "date = {2017-03-01}" in entry
    assert (
        "urldate = {2026-12-02}" in entry and f"url = {{http://search.example.org/plans/{plan.pk}/}}" in entry
    )
    # Braces balance, so a BibTeX parser reads exactly one entry.
    unescaped = re.sub(r"\\[{}]", "", entry)
    assert unescaped.count("{") == unescaped.count("}")


def _ris_records(text: str) -> list[dict[str, list[str]]]:
    """A small RIS reader: records of tag -> values, checking each line's `XX  - ` shape."""
    records, current = [], {}
    for line in text.lstrip("\ufeff").split("\r\n"):
        if not line:
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, f"not an RIS line: {line!r}"
        tag, value = match.groups()
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    assert current == {}, "the last record must end with ER"
    return records


def test_ris_record(make_plan):
    plan = _plan(make_plan)
    (record,) = _ris_records(citations.ris(citations.citation_fields(plan, _absolute, ACCESSED)))
    assert (
        record["TY"] == ["RPRT"]
        and record["AU"] == ["湖北省科学技术厅"]
        and record["PB"] == ["湖北省科学技术厅"]
    )
    assert record["TI"] == ["2017年全省科技工作要点"] and record["SN"] == ["鄂科技发〔2017〕1号"]
    assert record["CY"] == ["湖北省"] and record["PY"] == ["2017"] and record["DA"] == ["2017/03/01"]
    assert record["UR"] == [f"http://search.example.org/plans/{plan.pk}/"] and record["Y2"] == ["2026/12/02"]


def test_the_plan_page_shows_the_three_citations_and_offers_downloads(client, make_plan):
    plan = _plan(make_plan)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert (
        "GB/T 7714-2015" in page
        and "湖北省科学技术厅. 2017年全省科技工作要点: 鄂科技发〔2017〕1号[EB/OL]" in page
    )
    assert f"@report{{plan{plan.pk}," in page and "TY  - RPRT" in page
    ris = client.get(f"/plans/{plan.pk}/?format=ris")
    assert ris["Content-Type"].startswith("application/x-research-info-systems")
    assert f'filename="plan-{plan.pk}.ris"' in ris["Content-Disposition"]
    assert len(_ris_records(ris.content.decode())) == 1
    bib = client.get(f"/plans/{plan.pk}/?format=bibtex")
    assert (
        bib["Content-Type"].startswith("application/x-bibtex") and bib.content.decode().count("@report{") == 1
    )


def _streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_search_exports_the_whole_result_set_as_ris_and_bibtex(client, make_plans):
    plans = make_plans(
        [dict(title=f"科技金融文件{i}", text="科技金融。", year=2000 + i % 20, region="湖北" if i % 3 else "江西")
         for i in range(130)]
        + [dict(title="农业文件", text="乡村。")]
    )  # fmt: skip
    oracle = {p.pk for p in plans if "科技金融" in p.text and p.region.name == "湖北"}
    ris = client.get("/search/?q=科技金融&region=湖北&format=ris")
    assert ris["Content-Disposition"] == 'attachment; filename="policy-search-results.ris"'
    records = _ris_records(_streamed(ris))
    assert {int(r["ID"][0].removeprefix("plan")) for r in records} == oracle and len(records) == len(oracle)
    bib = _streamed(client.get("/search/?q=科技金融&region=湖北&format=bibtex"))
    assert {int(k) for k in re.findall(r"@report\{plan(\d+),", bib)} == oracle


def test_the_exports_stop_at_the_row_cap(client, make_plans, monkeypatch):
    from searchui import views

    make_plans([dict(title=f"科技文件{i}", text="科技。") for i in range(7)])
    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 5)
    assert len(_ris_records(_streamed(client.get("/search/?q=科技&format=ris")))) == 5
    assert _streamed(client.get("/search/?q=科技&format=bibtex")).count("@report{") == 5
    assert Plan.objects.count() == 7
