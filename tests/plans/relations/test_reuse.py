"""Reused passages: found across regions (exactly and nearly), boilerplate apart, incremental equal to a rebuild."""

import random
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from plans import services
from plans.models import Passage, PassageGroup, Plan
from plans.relations import reuse
from plans.relations.services import rebuild_relations
from plans.relations.text import content
from tests.plans.relations.generated import ingest, outline, render, sentence

REGIONS = ["湖北", "江西", "广东", "四川"]


def _near(text: str) -> str:
    """The same sentence with one character changed in the middle (still above the similarity threshold)."""
    middle = len(text) // 2
    return text[:middle] + ("业" if text[middle] != "业" else "科") + text[middle + 1 :]


@pytest.fixture
def collection(db):
    """Four plans of four regions: `shared` in 湖北 2017 and (nearly) 江西 2019, `everywhere` in all four."""
    rng = random.Random(5)
    shared, everywhere = sentence(rng, 36), sentence(rng, 30)
    plans = {}
    for index, region in enumerate(REGIONS):
        body = outline(rng)
        body[0][1].insert(1, everywhere)
        if region == "湖北":
            body[2][1].insert(2, shared)
        if region == "江西":
            body[1][1].append(_near(shared))
        year = 2017 + index * 2 if region != "江西" else 2019
        text = render(f"{year}年{region}科技工作要点", f"{region}省科学技术厅", year, body)
        plans[region] = ingest(text, region=region, year=year, name=region)
    return {"plans": plans, "shared": shared, "everywhere": everywhere}


def _groups_of(plan: Plan) -> dict[str, int]:
    return {plan.text[p.start : p.end]: p.group_id for p in Passage.objects.filter(plan=plan)}


def _partition() -> set[frozenset[tuple[int, int]]]:
    """The grouping of all passages as sets of (plan id, start): comparable across rebuilds (ids change)."""
    groups: dict[int, set] = {}
    for plan_id, start, group in Passage.objects.values_list("plan_id", "start", "group_id"):
        groups.setdefault(group, set()).add((plan_id, start))
    return {frozenset(members) for members in groups.values()}


def _counts_match_the_members() -> None:
    """Every group's plan and region counts (kept incrementally) equal a count of its members' plans and their
    regions read from the plans themselves; no group is left empty."""
    members: dict[int, set[int]] = {}
    for group, plan_id in Passage.objects.values_list("group_id", "plan_id"):
        members.setdefault(group, set()).add(plan_id)
    region_of = dict(Plan.objects.values_list("pk", "region_id"))
    for plan_id, region in Passage.objects.values_list("plan_id", "region_id"):
        assert region == region_of[plan_id]  # the copy follows the plan's region
    kept = {g: (p, r) for g, p, r in PassageGroup.objects.values_list("pk", "plan_count", "region_count")}
    expected = {
        g: (len(plans), len({region_of[p] for p in plans if region_of[p] is not None}))
        for g, plans in members.items()
    }
    assert kept == expected


def test_passages_are_sentences_of_twenty_letters_or_more():
    text = (
        "短句。"
        + "这是一句足够长的句子，它有二十个以上的汉字和标点符号。"
        + "\n十九个字的句子还差一个字就够二十个字了。"
    )
    found = reuse.passages(text)
    assert [p.text for p in found] == ["这是一句足够长的句子，它有二十个以上的汉字和标点符号。"]
    assert len(found[0].content) >= reuse.MIN_PASSAGE_CHARS


def test_similarity_and_lsh_find_a_near_copy():
    rng = random.Random(1)
    text = content(sentence(rng, 30))
    near = _near(text)
    assert reuse.similarity(text, near) >= reuse.SIMILARITY_THRESHOLD
    keys_a, keys_b = reuse.band_keys_many([text, near])
    assert set(keys_a) & set(keys_b)  # shares at least one band, so it is a candidate


def test_shared_passage_found_and_everywhere_is_boilerplate(collection, client):
    plans, shared, everywhere = collection["plans"], collection["shared"], collection["everywhere"]
    hubei, jiangxi = plans["湖北"], plans["江西"]
    assert _groups_of(hubei)[shared] == _groups_of(jiangxi)[_near(shared)]
    # /reuse/: the shared passage, oldest first (湖北 2017 wrote it, 江西 2019 has it nearly).
    data = client.get("/reuse/?region=湖北&region=江西&format=json").json()
    assert [p["text"] for p in data["results"]] == [shared]
    first = data["results"][0]
    assert [(o["region"], o["year"]) for o in first["occurrences"]] == [("湖北", 2017), ("江西", 2019)]
    assert first["occurrences"][1]["text"] == _near(shared)
    assert [p["text"] for p in data["boilerplate"]] == [everywhere] and data["boilerplate_count"] == 1
    table = client.get("/reuse/?region=湖北&region=江西&format=csv").content.decode("utf-8").splitlines()
    assert table[0] == "\ufeff类别,段落,地区数,出现顺序,地区,年份,文件标题,该文件中的原文,链接"
    assert [row.split(",")[:6] for row in table[1:]] == [
        ["共有", shared, "2", "1", "湖北", "2017"],
        ["共有", shared, "2", "2", "江西", "2019"],
        ["套话", everywhere, "4", "1", "湖北", "2017"],
        ["套话", everywhere, "4", "2", "江西", "2019"],
    ]  # fmt: skip (occurrences in the chosen regions only)
    html = client.get("/reuse/?region=湖北&region=江西", follow=True).content.decode()
    assert shared in html and "常见套话" in html
    # The plan page marks it, linking to the other region's plan; boilerplate is listed apart.
    page = client.get(f"/plans/{hubei.pk}/").content.decode()
    assert f'<span class="reused">{shared}</span>' in page
    assert "另见" in page and f'href="/plans/{jiangxi.pk}/?q=' in page and ">江西 2019</a>" in page
    assert f'<span class="reused">{everywhere}</span>' not in page and "常见套话" in page
    # Regions that share nothing but the boilerplate.
    data = client.get("/reuse/?region=广东&region=四川&format=json").json()
    assert data["results"] == [] and data["boilerplate_count"] == 1


def test_found_passages_match_a_brute_force_oracle(collection):
    """Every passage whose exact content occurs in plans of two regions is in one group with the others."""
    by_content: dict[str, set[tuple[int, int]]] = {}
    regions: dict[str, set[str]] = {}
    for plan in Plan.objects.select_related("region"):
        for passage in reuse.passages(plan.text):
            by_content.setdefault(passage.content, set()).add((plan.pk, passage.start))
            regions.setdefault(passage.content, set()).add(plan.region.name)
    partition = _partition()
    for core, members in by_content.items():
        if len(regions[core]) >= 2:
            assert any(members <= group for group in partition), core


def test_incremental_equals_rebuild_and_command(collection, capsys):
    _counts_match_the_members()
    before = _partition()
    report = rebuild_relations()
    assert report.plans == 4 and _partition() == before
    call_command("rebuild_relations", "--quiet")
    assert _partition() == before
    assert "4 份文件" in capsys.readouterr().out


def test_delete_and_region_change_update_counts(collection, client):
    plans, shared = collection["plans"], collection["shared"]
    services.plan_update(plan=plans["江西"], region=plans["湖北"].region)
    _counts_match_the_members()
    data = client.get("/reuse/?region=湖北&region=广东&format=json").json()
    assert data["results"] == []
    page = client.get(f"/plans/{plans['湖北'].pk}/").content.decode()
    assert f'<span class="reused">{shared}</span>' not in page  # same region now: not reuse between regions
    services.plan_delete(plan=plans["江西"])
    assert Passage.objects.filter(plan_id=plans["江西"].pk).count() == 0
    _counts_match_the_members()
    assert client.get("/reuse/?region=湖北&format=json").json()["results"] == []


@pytest.mark.django_db
def test_reuse_page_bad_input_and_canonical_redirect(client):
    assert client.get("/reuse/").status_code == 200
    response = client.get("/reuse/?region=火星&page=x&format=json")
    assert response.status_code == 200 and len(response.json()["notices"]) == 2
    response = client.get("/reuse/?region=湖北&region=江西省")  # a full name, not in the national order
    assert response.status_code == 302 and response["Location"] == "/reuse/?" + urlencode(
        [("region", "江西"), ("region", "湖北")]
    )
