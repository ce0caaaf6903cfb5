"""Supervision (督导) of the counties and accountability records (约谈/通报/警示/曝光).

City inspectors record a supervision round per county with its findings and required
actions (整改要求); the county records the follow-up. Who may read what is decided by
`supervision_scope` only; who may write is decided in portal.supervision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.roles import Role


def supervision_scope(user: Any, county_field: str = "county") -> Q | None:
    """The one read rule of this area, as a filter on the record's county.

    Site admins and city-wide bureau staff: every county. County staff: their county.
    Everyone else: nothing (None).
    """
    role = Role.of(user)
    if role == Role.ADMIN or (role == Role.BUREAU and user.county_id is None):
        return Q()
    if role == Role.BUREAU:
        return Q(**{f"{county_field}_id": user.county_id})
    return None


class _ScopedQuerySet(models.QuerySet):
    county_field = "county"

    def visible_to(self, user: Any) -> Any:
        scope = supervision_scope(user, self.county_field)
        return self.none() if scope is None else self.filter(scope)


class SupervisionKind(models.TextChoices):
    CITY = "city", "市级包县督导"
    COUNTY = "county", "县级包片督导"
    SPECIAL = "special", "专项督导"


class SupervisionRoundQuerySet(_ScopedQuerySet):
    pass


class SupervisionRound(models.Model):
    """One supervision visit (督导) to a county: who went, when, and what they found."""

    county = models.ForeignKey(
        "buildings.County",
        verbose_name="督导县区",
        on_delete=models.PROTECT,
        related_name="supervision_rounds",
    )
    held_on = models.DateField("督导日期")
    kind = models.CharField("督导类型", max_length=10, choices=SupervisionKind.choices)
    team = models.TextField("督导组成员", max_length=500)
    findings = models.TextField("发现问题", max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = SupervisionRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = "督导记录"
        verbose_name_plural = "督导记录"
        indexes = [models.Index(fields=["county", "held_on"], name="supervision_county_date_idx")]

    def __str__(self) -> str:
        return f"{self.county} · {self.get_kind_display()} · {self.held_on:%Y-%m-%d}"


class ActionStatus(models.TextChoices):
    PENDING = "待整改", "待整改"
    DONE = "已整改", "已整改"


class RequiredActionQuerySet(_ScopedQuerySet):
    county_field = "supervision__county"

    def overdue(self, today: dt.date) -> RequiredActionQuerySet:
        """Deadline passed and not yet 已整改: THE overdue rule (the property below mirrors it)."""
        return self.filter(status=ActionStatus.PENDING, deadline__lt=today)


class RequiredAction(models.Model):
    """A rectification requirement (整改要求) from a supervision round, with its follow-up."""

    supervision = models.ForeignKey(
        SupervisionRound,
        verbose_name="督导记录",
        on_delete=models.CASCADE,
        related_name="actions",
    )
    text = models.TextField("整改要求", max_length=2000)
    deadline = models.DateField("整改期限")
    responsible_unit = models.CharField("责任单位", max_length=100)
    status = models.CharField(
        "整改状态", max_length=4, choices=ActionStatus.choices, default=ActionStatus.PENDING
    )
    # The latest follow-up; every follow-up is also kept in RequiredActionFollowUp.
    follow_up = models.TextField("整改情况", max_length=2000, blank=True)
    followed_up_on = models.DateField("整改情况日期", null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="整改情况录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = RequiredActionQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = "整改要求"
        verbose_name_plural = "整改要求"
        indexes = [models.Index(fields=["status", "deadline"], name="supervision_action_due_idx")]
        constraints = [
            models.CheckConstraint(
                name="supervision_action_done_has_follow_up",
                condition=Q(status="待整改") | Q(followed_up_on__isnull=False),
                violation_error_message="标记为已整改须填写整改情况日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.responsible_unit}：{self.text[:30]}"

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.PENDING and self.deadline < timezone.localdate()


class RequiredActionFollowUp(models.Model):
    """Audit trail of follow-ups on a required action: the action keeps only the latest."""

    action = models.ForeignKey(RequiredAction, on_delete=models.CASCADE, related_name="follow_ups")
    status = models.CharField("整改状态", max_length=4, choices=ActionStatus.choices)
    note = models.TextField("整改情况", max_length=2000)
    followed_up_on = models.DateField("日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "整改跟踪记录"
        verbose_name_plural = "整改跟踪记录"

    def __str__(self) -> str:
        return f"{self.action_id} · {self.status} · {self.followed_up_on:%Y-%m-%d}"


class AccountabilityKind(models.TextChoices):
    INTERVIEW = "interview", "约谈"
    CIRCULAR = "circular", "通报"
    WARNING = "warning", "警示"
    EXPOSURE = "exposure", "曝光"


class AccountabilityRecordQuerySet(_ScopedQuerySet):
    pass


class AccountabilityRecord(models.Model):
    """An accountability measure (约谈、通报、警示、曝光) taken against a county's unit or person."""

    county = models.ForeignKey(
        "buildings.County",
        verbose_name="县区",
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    held_on = models.DateField("日期")
    kind = models.CharField("类型", max_length=10, choices=AccountabilityKind.choices)
    target = models.CharField("对象（单位或个人）", max_length=200)
    reason = models.TextField("事由", max_length=2000)
    content = models.TextField("内容", max_length=5000)
    supervision = models.ForeignKey(
        SupervisionRound,
        verbose_name="相关督导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accountability_records",
    )
    follow_up = models.TextField("后续情况", max_length=2000, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="后续情况录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    followed_up_at = models.DateTimeField("后续情况录入时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = AccountabilityRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = "问责记录"
        verbose_name_plural = "问责记录（约谈/通报/警示/曝光）"
        indexes = [models.Index(fields=["county", "held_on"], name="accountability_county_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target} · {self.held_on:%Y-%m-%d}"
