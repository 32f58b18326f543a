"""Rows derived from plans: cited documents and citations, passage groups and their LSH bands, plan keys.

Everything here is recomputed from Plan rows (`manage.py rebuild_relations`); plans.models imports these
classes so that they belong to the `plans` app and its migrations.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PlanKey(models.Model):
    """A name a plan is known by when another plan cites it: its document number or its title."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="relation_keys")
    key = models.CharField(max_length=320, db_index=True)

    class Meta:
        app_label = "plans"
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="plankey_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.key}"


class CitedDocument(models.Model):
    """A document named by at least one plan (《title》 and/or its number), one row however it is written."""

    title = models.CharField(_("文件名称"), max_length=300, blank=True)
    doc_number = models.CharField(
        _("文号"), max_length=100, blank=True, help_text=_("规范写法，如 国发〔2016〕43号")
    )
    number_key = models.CharField(max_length=120, blank=True, db_index=True)
    title_key = models.CharField(max_length=320, blank=True, db_index=True)
    plan = models.ForeignKey(
        "plans.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="cited_as"
    )

    class Meta:
        app_label = "plans"
        verbose_name = _("被引文件")
        verbose_name_plural = _("被引文件")
        constraints = [
            models.UniqueConstraint(
                fields=["number_key"], condition=~Q(number_key=""), name="citeddocument_unique_number"
            ),
            models.UniqueConstraint(
                fields=["title_key"], condition=Q(number_key=""), name="citeddocument_unique_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.doc_number


class Citation(models.Model):
    """One plan naming one document: as written the first time, where, and how often."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="citations")
    document = models.ForeignKey(CitedDocument, on_delete=models.CASCADE, related_name="citations")
    title = models.CharField(max_length=300, blank=True)
    doc_number = models.CharField(max_length=100, blank=True)
    offset = models.PositiveIntegerField(default=0)
    mentions = models.PositiveIntegerField(default=1)

    class Meta:
        app_label = "plans"
        ordering = ["offset"]
        constraints = [models.UniqueConstraint(fields=["plan", "document"], name="citation_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} -> {self.document_id}"


class PassageGroup(models.Model):
    """Passages that are the same sentence, exactly or nearly; `text` is the first one seen (the oldest in a
    rebuild), against which later passages are confirmed. Counts are kept for the boilerplate test."""

    text = models.TextField()
    text_hash = models.CharField(max_length=32, db_index=True)
    plan_count = models.PositiveIntegerField(default=0)
    region_count = models.PositiveIntegerField(default=0, db_index=True)
    # The oldest plans with a region holding the passage, oldest first, at most EARLIEST_KEPT of them, each
    # [plan id, region id, year, published_on as ISO date]: what a plan page's 另见 links read without ranking
    # every member of the group (plans.relations.services keeps it; None: not worked out yet, the page ranks
    # the members itself).
    earliest = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        app_label = "plans"

    def __str__(self) -> str:
        return self.text[:40]


class PassageBand(models.Model):
    """One LSH band of a group's MinHash signature: groups sharing a band key are candidates."""

    key = models.BigIntegerField(db_index=True)
    group = models.ForeignKey(PassageGroup, on_delete=models.CASCADE, related_name="bands")

    class Meta:
        app_label = "plans"

    def __str__(self) -> str:
        return f"{self.key} -> {self.group_id}"


class Passage(models.Model):
    """A sentence of a plan (character offsets into Plan.text) and the group it belongs to."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="passages")
    group = models.ForeignKey(PassageGroup, on_delete=models.CASCADE, related_name="passages")
    # The plan's region, copied so that "does another plan of this region share the group" is one probe of
    # the (group, region, plan) index: a new plan updates its groups' counts without counting their members.
    region = models.ForeignKey(
        "plans.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        app_label = "plans"
        ordering = ["plan_id", "start"]
        # (group, region, plan) also answers every lookup by group alone; a second index would only slow the
        # rebuild's inserts.
        indexes = [models.Index(fields=["group", "region", "plan"])]

    def __str__(self) -> str:
        return f"{self.plan_id}[{self.start}:{self.end}]"
