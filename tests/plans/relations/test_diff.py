"""The year-over-year diff: pure alignment and sentence operations, and the page (HTML and the JSON contract)."""

import random
from pathlib import Path

import pytest

from plans.ingest import ingest_path
from plans.relations.diff import Chunk, align_headings, diff_chunks, diff_sentences
from plans.relations.text import sentences
from tests.plans.relations.generated import outline, render, sentence

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def test_sentences_split_as_the_search_grammar():
    text = "第一句。第二句！第三句？第四句；fifth; sixth!\n第七句没有句号\n\n  第八句。"
    assert [s.text for s in sentences(text)] == [
        "第一句。", "第二句！", "第三句？", "第四句；", "fifth;", "sixth!", "第七句没有句号", "第八句。",
    ]  # fmt: skip
    for s in sentences(text):
        assert text[s.start : s.end] == s.text


def test_one_sentence_removed_and_one_added_is_one_deletion_and_one_insertion():
    rng = random.Random(3)
    a = [sentence(rng) for _ in range(12)]
    added = sentence(rng)
    b = a[:3] + a[4:9] + [added] + a[9:]
    ops = diff_sentences(a, b)
    assert [(o.op, o.a, o.b) for o in ops if o.op != "equal"] == [
        ("delete", a[3], None),
        ("insert", None, added),
    ]
    assert sum(o.op == "equal" for o in ops) == 11


def test_a_changed_sentence_is_a_replacement_with_character_ops():
    a = ["加快建设创新型省份，推动高质量发展。", "完全不同的另一句话在这里。"]
    b = ["加快建设科技强省，推动高质量发展。", "完全不同的另一句话在这里。"]
    ops = diff_sentences(a, b)
    assert [o.op for o in ops] == ["replace", "equal"]
    pieces = ops[0].char_ops()
    assert "".join(p[1] for p in pieces) == a[0] and "".join(p[2] for p in pieces) == b[0]
    assert pieces[0] == ("equal", "加快建设", "加快建设") and pieces[-1][0] == "equal"
    assert [p for p in pieces if p[0] != "equal"] == [("replace", "创新型", "科技强"), ("delete", "份", "")]


def test_headings_align_in_order_despite_renumbering_and_rewording():
    pairs = align_headings(
        ["", "总体要求", "加快科技成果转化", "保障措施"],
        ["", "总体要求", "加快推进科技成果转化", "新的部分", "保障措施"],
    )
    assert pairs == [(0, 0), (1, 1), (2, 2), (None, 3), (3, 4)]


def test_moved_section_keeps_its_sentences_apart():
    a = [
        Chunk("", "", ""),
        Chunk("甲部分", "s1", "甲部分\n一句甲的内容在此。"),
        Chunk("乙部分", "s2", "乙部分\n一句乙的内容。"),
    ]
    result = diff_chunks(a, a)
    assert result.unchanged and result.count("insert") == result.count("delete") == 0


@pytest.mark.django_db
def test_diff_page_json_contract_one_deletion_one_insertion(client):
    rng = random.Random(11)
    body = outline(rng)
    changed = [(h, list(s)) for h, s in body]
    removed = changed[1][1].pop(2)
    added = sentence(rng)
    changed[3][1].insert(1, added)
    from tests.plans.relations.generated import ingest

    a = ingest(
        render("2017年科技工作要点", "湖北省科学技术厅", 2017, body), region="湖北", year=2017, name="a"
    )
    # A copy (same title and header) with the two changes, filed as the next year's plan.
    b = ingest(
        render("2017年科技工作要点", "湖北省科学技术厅", 2017, changed), region="湖北", year=2018, name="b"
    )
    data = client.get(f"/plans/{a.pk}/diff/{b.pk}/?format=json").json()
    assert set(data) == {"a", "b", "inserted", "deleted", "replaced", "sections"}
    assert (data["a"], data["b"], data["inserted"], data["deleted"], data["replaced"]) == (
        a.pk,
        b.pk,
        1,
        1,
        0,
    )
    changes = [(s["heading_a"], op) for s in data["sections"] for op in s["ops"] if op["op"] != "equal"]
    assert changes == [
        ("深化科技体制改革", {"op": "delete", "a": removed, "b": None}),
        ("培育创新型企业", {"op": "insert", "a": None, "b": added}),
    ]
    for section in data["sections"]:
        assert set(section) == {"heading_a", "heading_b", "ops"}
        assert all(set(op) == {"op", "a", "b"} for op in section["ops"])
    html = client.get(f"/plans/{a.pk}/diff/{b.pk}/").content.decode()
    assert f"<ins>{added}</ins>" in html and f"<del>{removed}</del>" in html
    # The 2018 plan links to its comparison with 2017 (same region, same kind of issuer).
    page = client.get(f"/plans/{b.pk}/").content.decode()
    assert f'href="/plans/{a.pk}/diff/{b.pk}/"' in page and "与上一年对比" in page
    assert "与上一年对比" not in client.get(f"/plans/{a.pk}/").content.decode()


@pytest.mark.django_db
def test_seed_compared_with_itself_shows_no_change_and_with_a_copy_one_of_each(client):
    from plans.ingest import ingest_bytes

    seed = ingest_path(sorted(SEEDS.glob("*.txt"))[0]).plan
    data = client.get(f"/plans/{seed.pk}/diff/{seed.pk}/?format=json").json()
    assert (data["inserted"], data["deleted"], data["replaced"]) == (0, 0, 0)
    assert all(op["op"] == "equal" for s in data["sections"] for op in s["ops"])
    assert "没有变化" in client.get(f"/plans/{seed.pk}/diff/{seed.pk}/").content.decode()
    # A copy with one sentence removed and a new one added (in another section).
    body = [s for s in sentences(seed.text) if len(s.text) > 30]
    gone, after = body[5], body[-3]
    new = "这是新增加的一句话，用来检验对比页面只报告一处新增内容。"
    text = seed.text[: gone.start] + seed.text[gone.end : after.end] + new + seed.text[after.end :]
    copy = ingest_bytes(text.encode("utf-8"), "copy.txt").plan
    data = client.get(f"/plans/{seed.pk}/diff/{copy.pk}/?format=json").json()
    assert (data["inserted"], data["deleted"], data["replaced"]) == (1, 1, 0)
    ops = [op for s in data["sections"] for op in s["ops"] if op["op"] != "equal"]
    assert ops == [{"op": "delete", "a": gone.text, "b": None}, {"op": "insert", "a": None, "b": new}]


@pytest.mark.django_db
def test_diff_of_unknown_plan_is_404(client, make_plan):
    plan = make_plan(text="正文。", index=False)
    assert client.get(f"/plans/{plan.pk}/diff/999999/").status_code == 404
    assert client.get(f"/plans/999999/diff/{plan.pk}/?format=json").status_code == 404
