"""The data model: regions, plans, their sections, and the policy-theme taxonomy.

The database is the source of truth; the search index is derived from it and can always be rebuilt.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Administrative level of the body that issued a plan."""

    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")


# The metadata a plan carries besides its text: what ingest extracts, staff correct, and pages show.
PLAN_METADATA_FIELDS = (
    "title",
    "issuer",
    "region",
    "level",
    "city",
    "year",
    "published_on",
    "doc_number",
    "index_number",
)


class Region(models.Model):
    """A province-level unit (湖北 / 湖北省), or 全国 for national plans (国务院)."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("全国")
        PROVINCE = "province", _("省")
        MUNICIPALITY = "municipality", _("直辖市")
        AUTONOMOUS = "autonomous", _("自治区")
        SAR = "sar", _("特别行政区")

    name = models.CharField(_("简称"), max_length=16, unique=True, help_text=_("规范简称，如 湖北"))
    full_name = models.CharField(_("全称"), max_length=32, unique=True, help_text=_("如 湖北省"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("地区")
        verbose_name_plural = _("地区")

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """One plan document: cleaned full text plus the metadata extracted (or corrected) for it."""

    class IndexStatus(models.TextChoices):
        PENDING = "pending", _("待索引")
        INDEXED = "indexed", _("已索引")
        FAILED = "failed", _("索引失败")

    title = models.CharField(_("标题"), max_length=300)
    issuer = models.CharField(_("发布机构"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, blank=True)
    city = models.CharField(_("城市"), max_length=50, blank=True, help_text=_("市级文件适用的城市"))
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True, db_index=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    index_number = models.CharField(_("索引号"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=500, blank=True, help_text=_("文件名或网址"))
    text = models.TextField(_("正文"))
    original_file = models.FileField(_("原始文件"), upload_to="originals/%Y/%m/", blank=True)
    checksum = models.CharField(
        _("内容校验和"), max_length=64, unique=True, help_text=_("清洗后正文的 SHA-256")
    )
    extraction = models.JSONField(
        _("抽取说明"),
        default=dict,
        blank=True,
        help_text=_("每个字段如何得出：方法、依据与置信度"),
    )
    needs_review = models.BooleanField(_("待审核"), default=False, db_index=True)
    review_notes = models.TextField(_("审核说明"), blank=True)
    index_status = models.CharField(
        _("索引状态"), max_length=16, choices=IndexStatus.choices, default=IndexStatus.PENDING, db_index=True
    )
    indexed_at = models.DateTimeField(_("索引时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # How far the collection's average shares may move from ThemeAnchor's before this plan's themes can change
    # (plans.ingest.themes.decision_margin, less the drift when it was decided); -1: unknown, always re-decided.
    theme_margin = models.FloatField(_("主题裕度"), default=-1.0, db_index=True, editable=False)

    themes = models.ManyToManyField("Theme", through="PlanTheme", related_name="plans", blank=True)

    class Meta:
        ordering = ["-year", "-published_on", "title"]
        verbose_name = _("规划文件")
        verbose_name_plural = _("规划文件")
        indexes = [models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("searchui:plan", args=[self.pk])


class Section(models.Model):
    """One heading of a plan's outline (一、 / （一） / 1. / （1）) with the text under it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    order = models.PositiveIntegerField(_("顺序"))
    depth = models.PositiveSmallIntegerField(_("层级"), help_text=_("1 = 一、 2 = （一） 3 = 1. 4 = （1）"))
    number = models.CharField(_("编号"), max_length=20, blank=True)
    heading = models.CharField(_("标题"), max_length=500)
    text = models.TextField(_("内容"), blank=True)
    anchor = models.CharField(_("锚点"), max_length=40, help_text=_("稳定的页面锚点，如 s1-2"))
    start = models.PositiveIntegerField(_("起始位置"), default=0, help_text=_("在正文中的字符偏移"))
    end = models.PositiveIntegerField(_("结束位置"), default=0)

    themes = models.ManyToManyField("Theme", through="SectionTheme", related_name="sections", blank=True)

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("章节")
        verbose_name_plural = _("章节")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="section_unique_order"),
            models.UniqueConstraint(fields=["plan", "anchor"], name="section_unique_anchor"),
        ]

    def __str__(self) -> str:
        return f"{self.number}{self.heading}"


class Theme(models.Model):
    """A policy theme of the taxonomy, with the keywords that place a section or plan in it."""

    class Group(models.TextChoices):
        SCIENCE = "science", _("科技创新")
        ECONOMY = "economy", _("经济社会")

    name = models.CharField(_("名称"), max_length=50, unique=True)
    slug = models.SlugField(_("代码"), max_length=60, unique=True)
    group = models.CharField(_("类别"), max_length=16, choices=Group.choices, default=Group.SCIENCE)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.TextField(_("关键词"), help_text=_("每行一个关键词"))
    min_hits = models.PositiveSmallIntegerField(
        _("最少命中"), default=2, help_text=_("全文中关键词命中至少这么多次才把主题赋给整份文件")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("政策主题")
        verbose_name_plural = _("政策主题")

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, one per line, blanks dropped, order kept."""
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]


class PlanTheme(models.Model):
    """A theme assigned to a whole plan; `matched` explains it: {keyword: count}."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="plan_themes")
    score = models.FloatField(_("得分"), default=0, help_text=_("每千字关键词命中次数"))
    matched = models.JSONField(_("命中关键词"), default=dict)
    weight = models.FloatField(_("权重"), default=0, help_text=_("本文件的主题占比是全库平均文件的几倍"))
    basis = models.JSONField(_("判定依据"), default=dict, help_text=_("占比、全库平均占比与门槛"))

    class Meta:
        ordering = ["-weight", "-score"]
        constraints = [models.UniqueConstraint(fields=["plan", "theme"], name="plantheme_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.theme}"


class SectionTheme(models.Model):
    """A theme assigned to one section; `matched` explains it: {keyword: count}."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="section_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="section_themes")
    score = models.FloatField(_("得分"), default=0, help_text=_("每千字关键词命中次数"))
    matched = models.JSONField(_("命中关键词"), default=dict)
    weight = models.FloatField(_("权重"), default=0, help_text=_("本节关键词密度是门槛的几倍"))
    basis = models.JSONField(_("判定依据"), default=dict, help_text=_("是否标题点名、密度与门槛"))

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["section", "theme"], name="sectiontheme_unique")]

    def __str__(self) -> str:
        return f"{self.section_id}: {self.theme}"


class ThemeShare(models.Model):
    """What one plan holds of one theme, assigned or not: keyword counts and the share of its text in sections
    carrying the theme. The collection's average shares are one aggregate over this table (no text re-read);
    a plan's themes are decided from its rows and those averages (plans.ingest.themes)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="theme_shares")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="theme_shares")
    hits = models.PositiveIntegerField(_("命中次数"), default=0)
    share = models.FloatField(_("占比"), default=0, help_text=_("承载本主题的章节占全文的比例"))
    score = models.FloatField(_("得分"), default=0, help_text=_("每千字关键词命中次数"))
    matched = models.JSONField(_("命中关键词"), default=dict)
    headed = models.BooleanField(
        _("一级标题点名"), default=False, help_text=_("文件的一级章节标题点名本主题")
    )

    class Meta:
        verbose_name = _("主题占比")
        verbose_name_plural = _("主题占比")
        constraints = [models.UniqueConstraint(fields=["plan", "theme"], name="themeshare_unique")]
        # Covers theme_stats' sums (an index-only scan) and any query by theme and share.
        indexes = [models.Index(fields=["theme", "share", "score"], name="themeshare_theme_share_score")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.theme_id} {self.share:.0%}"


# ThemeTotal counts shares and densities in these units: whole numbers, so that the totals kept row by row equal
# a sum over the rows in any order, exactly (float sums differ in their last digits with the order).
THEME_UNITS = 2**32


class ThemeTotal(models.Model):
    """The sums over every ThemeShare row of one theme, in THEME_UNITS: the collection's statistics without an
    aggregate over every row on each save (about 1.5 million rows at 100,000 plans). Kept by database triggers
    (migration 0010) on every insert, update and delete of a ThemeShare row, whatever writes it: the ingest
    services, bulk loads, cascades."""

    theme = models.OneToOneField(Theme, on_delete=models.CASCADE, primary_key=True, related_name="total")
    share_units = models.BigIntegerField(default=0)
    score_units = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("主题合计")
        verbose_name_plural = _("主题合计")

    def __str__(self) -> str:
        return f"{self.theme_id}: {self.share_units / THEME_UNITS:.3f}"


class ThemeAnchor(models.Model):
    """The collection's average share of each theme when every plan's theme_margin was last measured (one row):
    a plan whose margin exceeds how far the averages have moved since cannot have changed its themes."""

    averages = models.JSONField(default=dict)  # {theme name: average share}
    min_hits = models.JSONField(default=dict)  # {theme name: min_hits} the margins were measured with
    redecided = models.PositiveIntegerField(
        default=0
    )  # plans re-decided by margin since (the re-anchor budget)

    class Meta:
        verbose_name = _("主题基准")
        verbose_name_plural = _("主题基准")

    def __str__(self) -> str:
        return f"anchor of {len(self.averages)} themes"


class SectionDensity(models.Model):
    """A section whose place in a theme the collection's density threshold decides (its heading does not name
    the theme; it has enough hits above the floor), with its keyword density. When the collection's average moves
    the threshold, exactly the sections it crosses are found here (and in SectionTheme.score) and re-decided."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="theme_densities")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="section_densities")
    density = models.FloatField(_("密度"), help_text=_("每千字关键词命中次数"))

    class Meta:
        verbose_name = _("章节主题密度")
        verbose_name_plural = _("章节主题密度")
        constraints = [models.UniqueConstraint(fields=["section", "theme"], name="sectiondensity_unique")]
        indexes = [models.Index(fields=["theme", "density"], name="sectiondensity_theme_density")]

    def __str__(self) -> str:
        return f"{self.section_id}: {self.theme_id} {self.density}"


class AuditEntry(models.Model):
    """Who uploaded, changed, re-indexed or deleted a plan, when, and which fields changed.

    The plan's title and the user's name are copied so that the record outlives both.
    """

    class Action(models.TextChoices):
        UPLOAD = "upload", _("上传")
        UPDATE = "update", _("上传更新")
        CHANGE = "change", _("修改")
        DELETE = "delete", _("删除")
        REINDEX = "reindex", _("重新索引")
        REPARSE = "reparse", _("重新解析")
        REASSIGN_THEMES = "reassign_themes", _("重新分配主题")
        THEME_CHANGE = "theme_change", _("修改主题")

    user = models.ForeignKey(
        "auth.User",
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("规划文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    plan_title = models.CharField(_("文件标题"), max_length=300, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    changes = models.JSONField(_("字段变化"), default=dict, blank=True, help_text=_("{字段: [原值, 新值]}"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.plan_title}"
        )


# Derived relations between plans (plans/relations/): part of this app so they share its migrations.
from plans.relations.models import (  # noqa: E402
    Citation,
    CitedDocument,
    Passage,
    PassageBand,
    PassageGroup,
    PlanKey,
)

__all__ = [
    "PLAN_METADATA_FIELDS",
    "AuditEntry",
    "Citation",
    "CitedDocument",
    "Level",
    "Passage",
    "PassageBand",
    "PassageGroup",
    "Plan",
    "PlanKey",
    "PlanTheme",
    "Region",
    "Section",
    "SectionTheme",
    "Theme",
]
