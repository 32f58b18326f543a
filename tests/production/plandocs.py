"""Generated plan documents for the production tests: each carries a token found in no other document, so a
search for it must return exactly that plan."""

from __future__ import annotations

import random
from dataclasses import dataclass

REGIONS = ["湖北", "江西", "浙江", "四川", "广东", "河南"]
# Rare characters, so that a token never occurs by chance in another document.
TOKEN_ALPHABET = "鑫淼犇骉羴焱垚昍暠瞐"


@dataclass(frozen=True)
class PlanDoc:
    filename: str
    title: str
    token: str
    text: str

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def make_docs(count: int, *, seed: int, sections: int = 12) -> list[PlanDoc]:
    """`count` distinct plan documents (UTF-8 .txt) with a title, issuer, date, numbered sections and a token."""
    rng = random.Random(seed)
    tokens: set[str] = set()
    docs = []
    for number in range(count):
        token = ""
        while not token or token in tokens:
            token = "".join(rng.choice(TOKEN_ALPHABET) for _ in range(6))
        tokens.add(token)
        region = REGIONS[number % len(REGIONS)]
        year = 2015 + number % 10
        title = f"{year}年{region}省科技工作要点（第{seed}-{number}号）"
        body = [
            title,
            f"{region}省科学技术厅",
            f"发布日期：{year}-03-{1 + number % 28:02d}",
            f"编号{token}。",
        ]
        for index in range(1, sections + 1):
            body.append(f"{'一二三四五六七八九十'[(index - 1) % 10]}、第{index}项重点任务")
            body.append(
                f"加快科技成果转化，建设创新平台，发展科技金融，培育高新技术企业。任务{index}的措施编号{token}。"
                * 3
            )
        docs.append(PlanDoc(f"{region}{year}科技工作要点-{seed}-{number}.txt", title, token, "\n".join(body)))
    return docs
