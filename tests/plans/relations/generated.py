"""Generated plans for the relation tests: sentences of random characters (so that two plans share exactly the
sentences a test gives them), numbered sections, ingested through the real pipeline."""

from __future__ import annotations

import random

from plans.ingest import Overrides, ingest_bytes

# Characters that never make a heading number, a document number or a sentence end.
POOL = "科技创新发展建设推进加快完善体系企业人才平台服务产业研究成果转化金融开放合作改革机制政策项目资源能力区域数字经济绿色生态农业"
HEADINGS = ["总体要求", "深化科技体制改革", "加快科技成果转化", "培育创新型企业", "建设创新平台", "保障措施"]


def sentence(rng: random.Random, length: int | None = None) -> str:
    return "".join(rng.choice(POOL) for _ in range(length or rng.randint(24, 40))) + "。"


def outline(rng: random.Random, sections: int = 4, per_section: int = 4) -> list[tuple[str, list[str]]]:
    return [(HEADINGS[k], [sentence(rng) for _ in range(per_section)]) for k in range(sections)]


def render(title: str, issuer: str, year: int, body: list[tuple[str, list[str]]], preamble: str = "") -> str:
    numerals = "一二三四五六七八九"
    lines = [title, f"发布机构 {issuer} 发文日期 {year}-03-01", ""]
    if preamble:
        lines += [preamble, ""]
    for index, (heading, sentences) in enumerate(body):
        lines += [f"{numerals[index]}、{heading}", "".join(sentences), ""]
    return "\n".join(lines)


def ingest(text: str, *, region: str, year: int, name: str):
    outcome = ingest_bytes(
        text.encode("utf-8"), f"{name}.txt", overrides=Overrides(region=region, year=year, level="provincial")
    )
    assert outcome.plan is not None, outcome.reason
    return outcome.plan
