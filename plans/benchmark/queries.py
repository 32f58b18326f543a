"""The fixed query mix of the benchmark: what researchers type, by length and form, with and without filters.

Every query is run with facet counts and highlighted snippets. Filters use region and year only, because the
peers have only those two facets; theme filters are exercised by the engine's own tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: the text as typed plus optional region/year filters."""

    kind: str  # 1char / 2char / 4char / 6+char / phrase / and / filtered / browse
    q: str
    regions: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    year_from: int | None = None

    @property
    def label(self) -> str:
        parts = [self.q or "（全部）"]
        if self.regions:
            parts.append("region=" + ",".join(self.regions))
        if self.years:
            parts.append("year=" + ",".join(map(str, self.years)))
        if self.year_from:
            parts.append(f"year>={self.year_from}")
        return " ".join(parts)

    @property
    def filtered(self) -> bool:
        return bool(self.regions or self.years or self.year_from)

    def url_params(self) -> list[tuple[str, str]]:
        """The GET parameters of the results page for this query (searchui's grammar)."""
        params = [("q", self.q)] if self.q else []  # an empty q is not canonical: the page redirects
        params += [("region", region) for region in self.regions]
        params += [("year", str(year)) for year in self.years]
        if self.year_from:
            params.append(("year_from", str(self.year_from)))
        return params


QUERY_MIX: tuple[BenchQuery, ...] = (
    BenchQuery("1char", "税"),
    BenchQuery("1char", "县"),
    BenchQuery("1char", "港"),
    BenchQuery("2char", "创新"),
    BenchQuery("2char", "旅游"),
    BenchQuery("2char", "扶贫"),
    BenchQuery("4char", "科技金融"),
    BenchQuery("4char", "数字经济"),
    BenchQuery("4char", "乡村振兴"),
    BenchQuery("4char", "众创空间"),
    BenchQuery("6+char", "科技成果转化"),
    BenchQuery("6+char", "高新技术企业"),
    BenchQuery("6+char", "战略性新兴产业"),
    BenchQuery("6+char", "供给侧结构性改革"),
    BenchQuery("phrase", '"高新技术企业"'),
    BenchQuery("phrase", '"创新型省份"'),
    BenchQuery("phrase", '"一带一路"'),
    BenchQuery("and", "科技金融 孵化器"),
    BenchQuery("and", "人工智能 集成电路"),
    BenchQuery("and", "生态 旅游"),
    BenchQuery("filtered", "创新", regions=("湖北",)),
    BenchQuery("filtered", "科技成果转化", years=(2017,)),
    BenchQuery("filtered", "数字经济", regions=("广东", "浙江"), year_from=2019),
    BenchQuery("filtered", "税", regions=("江西",), years=(2010, 2011, 2012)),
    BenchQuery("browse", "", regions=("湖北",)),
)


# The search syntax (issue 13) beside plain AND of the same two terms: OR, same sentence, same paragraph, within
# 20 characters. Pairs from frequent to rare, so the ratios hold for the heavy cases too.
SYNTAX_PAIRS: tuple[tuple[str, str], ...] = (
    ("科技", "金融"),
    ("创新", "人才"),
    ("改革", "开放"),
    ("科技成果转化", "知识产权"),
    ("数字经济", "人工智能"),
    ("生态", "旅游"),
    ("扶贫", "产业"),
    ("高新技术企业", "研发"),
)
SYNTAX_FORMS: dict[str, str] = {
    "and": "{a} {b}",
    "or": "{a} OR {b}",
    "sentence": "{a} /s {b}",
    "paragraph": "{a} /p {b}",
    "near20": "{a} /20 {b}",
}
SYNTAX_MIX: tuple[BenchQuery, ...] = tuple(
    BenchQuery(kind, form.format(a=a, b=b)) for a, b in SYNTAX_PAIRS for kind, form in SYNTAX_FORMS.items()
)


# Fifty queries for the search-quality evaluation (scripts/eval_search.py): policy terms of 1 to 8 characters,
# quoted phrases and AND pairs, as a researcher of science-and-technology policy would type them.
EVAL_QUERIES: tuple[BenchQuery, ...] = tuple(
    [BenchQuery("1char", q) for q in ("税", "县", "港", "煤", "茶", "桥")]
    + [
        BenchQuery("2char", q)
        for q in ("创新", "旅游", "扶贫", "环保", "物流", "养老", "棚改", "高铁", "口岸", "雾霾")
    ]
    + [BenchQuery("3char", q) for q in ("孵化器", "自贸区", "加速器", "新能源", "互联网", "城镇化")]
    + [
        BenchQuery("4char", q)
        for q in ("科技金融", "数字经济", "乡村振兴", "众创空间", "专精特新", "营商环境", "精准扶贫")
    ]
    + [BenchQuery("4char", q) for q in ("碳达峰", "河长制", "双创")]  # short policy slogans
    + [
        BenchQuery("5-8char", q)
        for q in (
            "科技成果转化",
            "高新技术企业",
            "战略性新兴产业",
            "供给侧结构性改革",
            "粤港澳大湾区",
            "创新型省份",
            "研发费用加计扣除",
            "长江经济带",
        )
    ]
    + [
        BenchQuery("phrase", f'"{q}"')
        for q in ("高新技术企业", "创新型省份", "一带一路", "放管服", "科技特派员")
    ]
    + [
        BenchQuery("and", q)
        for q in ("科技金融 孵化器", "人工智能 集成电路", "生态 旅游", "乡村振兴 电商", "5G 数字经济")
    ]
)
