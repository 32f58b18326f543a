"""A researcher's own things: saved searches (with a private feed token and alert bookkeeping) and collections.

Every row belongs to one user; selectors and services always filter by that user, so another user's id is
simply not found (404).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import Plan

NAME_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 2000
FEED_TOKEN_BYTES = 32  # 256 random bits, URL-safe base64 (43 characters)


def new_feed_token() -> str:
    """An unguessable token for a private feed URL."""
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


class SavedSearch(models.Model):
    """A search state kept under a name: `query` is the canonical query string of /search/ (page 1, no format)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("名称"), max_length=NAME_MAX_LENGTH)
    query = models.TextField(_("检索条件"), blank=True)
    feed_token = models.CharField(_("订阅令牌"), max_length=64, default=new_feed_token)
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    last_opened_at = models.DateTimeField(_("上次打开"))
    # Alerts consider plans added to the database after this moment; it only moves forward once a digest has
    # been delivered (or there was nothing to deliver), so a failed send is retried on the next run.
    alerts_since = models.DateTimeField(_("提醒起点"))
    alerts_enabled = models.BooleanField(_("邮件提醒"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("保存的检索")
        verbose_name_plural = _("保存的检索")

    def __str__(self) -> str:
        return self.name


class AlertDigest(models.Model):
    """One attempt to e-mail a user their digest: what it covered and whether it went out."""

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_digests")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    plan_count = models.PositiveIntegerField(_("文件数"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("提醒邮件")
        verbose_name_plural = _("提醒邮件")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.status} ({self.plan_count})"


class SentAlert(models.Model):
    """A plan that a delivered digest announced for a saved search: never announced again for that search."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="sent_alerts")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    digest = models.ForeignKey(AlertDigest, on_delete=models.CASCADE, related_name="items")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_search", "plan"], name="sent_alert_once")]

    def __str__(self) -> str:
        return f"{self.saved_search_id} -> {self.plan_id}"


class Collection(models.Model):
    """A named reading list of plans, private to its owner."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(_("名称"), max_length=NAME_MAX_LENGTH)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("收藏夹")
        verbose_name_plural = _("收藏夹")

    def __str__(self) -> str:
        return self.name


class CollectionItem(models.Model):
    """A plan in a collection, with the owner's note and its place in the list (position 1, 2, …)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("笔记"), max_length=NOTE_MAX_LENGTH, blank=True)
    position = models.PositiveIntegerField(_("顺序"))
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["collection", "plan"], name="collection_plan_once")]

    def __str__(self) -> str:
        return f"{self.collection_id} #{self.position}: {self.plan_id}"
