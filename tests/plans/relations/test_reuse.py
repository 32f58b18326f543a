"""Reused passages: found across regions (exactly and nearly), boilerplate apart, incremental equal to a rebuild."""

import datetime
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
    _earliest_match_the_members()
    before = _partition()
    report = rebuild_relations()
    assert report.plans == 4 and _partition() == before
    _earliest_match_the_members()
    call_command("rebuild_relations", "--quiet")
    assert _partition() == before
    assert "4 份文件" in capsys.readouterr().out


def test_delete_and_region_change_update_counts(collection, client):
    plans, shared = collection["plans"], collection["shared"]
    services.plan_update(plan=plans["江西"], region=plans["湖北"].region)
    _counts_match_the_members()
    _earliest_match_the_members()
    data = client.get("/reuse/?region=湖北&region=广东&format=json").json()
    assert data["results"] == []
    page = client.get(f"/plans/{plans['湖北'].pk}/").content.decode()
    assert f'<span class="reused">{shared}</span>' not in page  # same region now: not reuse between regions
    services.plan_delete(plan=plans["江西"])
    assert Passage.objects.filter(plan_id=plans["江西"].pk).count() == 0
    _counts_match_the_members()
    _earliest_match_the_members()
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


def _earliest_match_the_members() -> None:
    """Every group's kept list of oldest plans (kept incrementally) equals its members' plans with a region,
    read from the plans themselves, oldest first (year, date, id; unknown ones last), cut at EARLIEST_KEPT."""
    about = {
        pk: (pk, region, year, published.isoformat() if published else None)
        for pk, region, year, published in Plan.objects.values_list("pk", "region_id", "year", "published_on")
    }
    members: dict[int, set[int]] = {}
    for group, plan_id in Passage.objects.values_list("group_id", "plan_id"):
        members.setdefault(group, set()).add(plan_id)

    def order(entry):
        pk, _region, year, published = entry
        return (year is None, year or 0, published is None, published or "", pk)

    for group, kept in PassageGroup.objects.values_list("pk", "earliest"):
        with_region = sorted((about[p] for p in members[group] if about[p][1] is not None), key=order)
        assert [tuple(item) for item in kept] == with_region[: reuse.EARLIEST_KEPT], group


def _see_also_oracle(plan: Plan) -> dict[str, tuple[list[int], int]]:
    """{passage text: (the oldest OCCURRENCES_SHOWN plans of other regions holding it, how many more)} for each
    passage of `plan` shared with another region and not boilerplate, from the passages themselves."""
    from plans.relations.selectors import OCCURRENCES_SHOWN, boilerplate_threshold

    threshold = boilerplate_threshold()
    info = {
        pk: (region, (year is None, year or 0, published is None, published or datetime.date.min, pk))
        for pk, region, year, published in Plan.objects.values_list("pk", "region_id", "year", "published_on")
    }
    expected = {}
    for passage in Passage.objects.filter(plan=plan).order_by("start"):
        plans = set(Passage.objects.filter(group_id=passage.group_id).values_list("plan_id", flat=True))
        regions = {info[p][0] for p in plans if info[p][0] is not None}
        others = sorted(
            (p for p in plans if info[p][0] is not None and info[p][0] != plan.region_id),
            key=lambda p: info[p][1],
        )
        if len(regions) < 2 or len(regions) >= threshold or not others:
            continue
        expected.setdefault(
            plan.text[passage.start : passage.end],
            (others[:OCCURRENCES_SHOWN], len(others) - OCCURRENCES_SHOWN),
        )
    return {text: (shown, max(0, more)) for text, (shown, more) in expected.items()}


def _see_also(plan: Plan) -> dict[str, tuple[list[int], int]]:
    from plans.relations.selectors import plan_reuse

    return {p.text: ([o.plan_id for o in p.others], p.more) for p in plan_reuse(plan).reused}


@pytest.mark.django_db
def test_see_also_links_match_an_oracle_when_one_region_wrote_it_first_for_years():
    """A passage 湖北 repeated for 14 years before four other regions took it up: 湖北's pages name the other
    regions (more than the 12 oldest plans kept, so the page ranks the members itself), the others' pages
    name 湖北's oldest three; a plan given an earlier date moves first, a deleted one goes."""
    rng = random.Random(11)
    passage = sentence(rng, 34)
    plans = []
    for year in range(2001, 2015):
        plans.append(
            ingest(
                render(
                    f"{year}年湖北科技工作要点",
                    "湖北省科学技术厅",
                    year,
                    [("总体要求", [sentence(rng), passage])],
                ),
                region="湖北",
                year=year,
                name=f"hb{year}",
            )
        )
    for year, region in [(2015, "江西"), (2016, "广东"), (2017, "四川"), (2018, "北京")]:
        plans.append(
            ingest(
                render(
                    f"{year}年{region}科技工作要点",
                    f"{region}科学技术厅",
                    year,
                    [("总体要求", [passage, sentence(rng)])],
                ),
                region=region,
                year=year,
                name=region,
            )
        )
    for region in ["上海", "天津", "重庆", "河北", "山西", "辽宁"]:  # the passage stays short of boilerplate
        ingest(
            render(f"2016年{region}科技工作要点", f"{region}科学技术厅", 2016, outline(rng, 2, 2)),
            region=region,
            year=2016,
            name=region,
        )
    _earliest_match_the_members()
    for plan in (plans[0], plans[13], plans[14], plans[17]):
        assert _see_also(plan) == _see_also_oracle(plan) != {}, plan.title
    assert _see_also(plans[0])[passage][0] == [p.pk for p in plans[14:17]]
    services.plan_update(plan=plans[16], year=2000)  # 四川 now wrote it first
    _earliest_match_the_members()
    for plan in (plans[0], plans[14], plans[16]):
        assert _see_also(plan) == _see_also_oracle(plan)
    assert _see_also(plans[14])[passage][0][0] == plans[16].pk
    services.plan_delete(plan=plans[1])
    _earliest_match_the_members()
    assert _see_also(plans[14]) == _see_also_oracle(plans[14])
    rebuild_relations()
    _earliest_match_the_members()
    assert _see_also(plans[14]) == _see_also_oracle(plans[14])
