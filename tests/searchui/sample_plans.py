"""A small, deterministic sample collection for page tests and screenshots: the three seed plans plus generated
work plans (our own sentences) for several regions and years, all through the real ingest pipeline."""

from __future__ import annotations

import random
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

REGIONS = [
    ("湖北", "湖北省科学技术厅"),
    ("江西", "江西省科学技术厅"),
    ("北京", "北京市科学技术委员会"),
    ("广东", "广东省科学技术厅"),
    ("四川", "四川省科学技术厅"),
    ("浙江", "浙江省科学技术厅"),
]
YEARS = range(2016, 2024)

# (heading, sentences) — each generated plan takes some of these sections in this order.
SECTIONS = [
    (
        "深化科技体制改革",
        [
            "深化科技领域放管服改革，优化科研经费管理，赋予科研人员更大自主权。",
            "推行揭榜挂帅等项目组织方式，完善科技评价和绩效评价制度。",
            "加强科研诚信建设，健全科技计划管理。",
        ],
    ),
    (
        "加快科技成果转化",
        [
            "完善技术转移体系，促进科技成果转化和产业化。",
            "建设技术市场，扩大技术合同成交额，培育技术转移机构。",
            "支持高校院所开展成果转移转化，推动知识产权运营。",
        ],
    ),
    (
        "培育创新型企业",
        [
            "培育高新技术企业和科技型中小企业，落实研发费用加计扣除政策。",
            "支持专精特新企业加大研发投入，建设企业技术中心。",
            "实施瞪羚企业培育计划，壮大创新型企业集群。",
        ],
    ),
    (
        "发展科技金融",
        [
            "健全科技金融服务体系，扩大创业投资引导基金规模。",
            "开展知识产权质押融资和科技保险试点，推动投贷联动。",
            "支持科技型企业在科创板上市融资。",
        ],
    ),
    (
        "建设创新平台",
        [
            "建设重点实验室、技术创新中心和新型研发机构。",
            "布局重大科技基础设施，提升原始创新能力。",
            "推动产业技术研究院建设，服务重点产业发展。",
        ],
    ),
    (
        "集聚科技人才",
        [
            "引进培育高层次科技人才和创新团队。",
            "实施青年科技人才计划，完善人才评价激励机制。",
            "建设院士工作站，支持科研人员创新创业。",
        ],
    ),
]


def item_heading(sentence: str) -> str:
    """A numbered item's heading, as the real plans have them: the sentence's first clause, kept short."""
    clause = sentence.split("，")[0].rstrip("。")
    return clause if len(clause) <= 14 else clause[:12]


def plan_text(region: str, issuer: str, year: int, rng: random.Random) -> str:
    """A work plan in the shape of the real ones: title, issuer line, preamble, numbered sections."""
    chosen = sorted(rng.sample(range(len(SECTIONS)), k=rng.randint(3, 5)))
    month, day = rng.randint(1, 4), rng.randint(1, 28)
    lines = [
        f"{region}{'市' if region == '北京' else '省'}{year}年科技工作要点",
        f"发布机构 {issuer} 发文日期 {year}-{month:02d}-{day:02d}",
        "",
        f"{year}年全{'市' if region == '北京' else '省'}科技工作的总体要求是：深入实施创新驱动发展战略，加快建设创新型省份。",
        "",
    ]
    numerals = "一二三四五六七八九"
    item = 1
    for index, section in enumerate(chosen):
        heading, sentences = SECTIONS[section]
        lines.append(f"{numerals[index]}、{heading}")
        lines.append("")
        for sentence in sentences[: rng.randint(2, 3)]:
            lines.append(f"{item}.{item_heading(sentence)}。{sentence}")
            item += 1
        lines.append("")
    return "\n".join(lines)


def create_sample_plans(count: int = 24, seed: int = 7) -> list:
    """Ingest the seeds and `count` generated plans, then wait until the engine's queue has indexed them."""
    from django.db import transaction

    from plans.ingest import Overrides, ingest_bytes, ingest_path
    from plans.search import wait_for_indexing

    plans = []
    # One outer transaction: the index work queued on commit runs once for all plans, after the last write
    # (SQLite allows one writer at a time, and one index commit is much faster than one per plan).
    with transaction.atomic():
        for path in sorted(SEEDS.glob("*.txt")):
            outcome = ingest_path(path)
            assert outcome.plan is not None, outcome.reason
            plans.append(outcome.plan)
        rng = random.Random(seed)
        for number in range(count):
            region, issuer = REGIONS[number % len(REGIONS)]
            year = YEARS[(number * 3) % len(YEARS)]
            level = "municipal" if region == "北京" and number % 2 else "provincial"
            outcome = ingest_bytes(
                plan_text(region, issuer, year, rng).encode("utf-8"),
                f"sample-{number:02d}.txt",
                overrides=Overrides(region=region, year=year, level=level),
            )
            assert outcome.plan is not None, outcome.reason
            plans.append(outcome.plan)
    assert wait_for_indexing(timeout=120), "the search index did not catch up"
    return plans
