from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.roles import Role
from reports.models.audit import AppendOnly


class AppraisalType(models.TextChoices):
    APPRAISAL = "鉴定", "安全鉴定"
    ASSESSMENT = "安全评估", "安全评估"


class TaskState(models.TextChoices):
    OPEN = "open", "待分派"
    OFFERED = "offered", "已派单待接受"
    ACCEPTED = "accepted", "鉴定中"
    SUBMITTED = "submitted", "报告已提交"
    RETURNED = "returned", "报告退回修改"
    APPROVED = "approved", "报告已通过"
    CLOSED = "closed", "已办结"


# States in which the task is work the firm holds: they count against its capacity.
FIRM_LOAD_STATES = (TaskState.OFFERED, TaskState.ACCEPTED, TaskState.RETURNED)
# Before a conclusion, a task past its due date is overdue whatever state it is in.
OVERDUE_STATES = (TaskState.OPEN, TaskState.OFFERED, TaskState.ACCEPTED, TaskState.RETURNED)
# States without a conclusion yet (for 动态清零 progress).
UNCONCLUDED_STATES = (
    TaskState.OPEN,
    TaskState.OFFERED,
    TaskState.ACCEPTED,
    TaskState.SUBMITTED,
    TaskState.RETURNED,
)


class AppraisalTaskQuerySet(models.QuerySet["AppraisalTask"]):
    def visible_to(self, user: Any) -> AppraisalTaskQuerySet:
        """Tasks a user may read: the single scoping rule for every task read path.

        Site admins and city-wide bureau staff: all. County staff: their county's. Firm
        members: their firm's, plus open pool tasks in the counties the firm serves.
        Reviewers: none (they read accepted reports).
        """
        role = Role.of(user)
        if role == Role.ADMIN or (role == Role.BUREAU and user.county_id is None):
            return self.all()
        if role == Role.BUREAU:
            return self.filter(building__county_id=user.county_id)
        if role == Role.FIRM:
            pool = Q(state=TaskState.OPEN, firm__isnull=True, building__county__firms=user.firm_id)
            return self.filter(Q(firm_id=user.firm_id) | pool).distinct()
        return self.none()

    def in_queue_order(self) -> AppraisalTaskQuerySet:
        from reports.queue import get_queue_policy

        return self.order_by(*get_queue_policy().ordering)

    def unconcluded(self) -> AppraisalTaskQuerySet:
        return self.filter(state__in=UNCONCLUDED_STATES)


class AppraisalTask(models.Model):
    """An appraisal (鉴定) or safety assessment (安全评估) of one building, for one firm."""

    building = models.ForeignKey(
        "buildings.Building", verbose_name="房屋", on_delete=models.PROTECT, related_name="tasks"
    )
    appraisal_type = models.CharField("类型", max_length=4, choices=AppraisalType.choices)
    suggested_type = models.CharField("系统建议类型", max_length=4, choices=AppraisalType.choices)
    type_override_reason = models.CharField("类型调整理由", max_length=200, blank=True)
    deadline_class = models.CharField("时限类别", max_length=20)
    due_date = models.DateField("完成时限")
    # Denormalised queue rank from the queue policy (reports/queue.py), so the queue is an
    # index scan instead of a sort of every open task on each claim.
    priority = models.PositiveIntegerField("排队优先级")
    state = models.CharField(
        "状态", max_length=10, choices=TaskState.choices, default=TaskState.OPEN
    )
    firm = models.ForeignKey(
        "institutions.AppraisalFirm",
        verbose_name="鉴定机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Optimistic concurrency: every transition bumps it; a stale form is refused.
    version = models.PositiveIntegerField("版本", default=1)

    objects = AppraisalTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "鉴定任务"
        verbose_name_plural = "鉴定任务"
        indexes = [
            models.Index(
                fields=["state", "priority", "due_date", "created_at", "id"], name="task_queue_idx"
            ),
            models.Index(fields=["firm", "state"], name="task_firm_state_idx"),
            models.Index(fields=["state", "due_date"], name="task_due_idx"),
        ]
        constraints = [
            # A building has at most one task that is still being worked on.
            models.UniqueConstraint(
                fields=["building"],
                condition=~Q(state__in=["approved", "closed"]),
                name="task_one_active_per_building",
            ),
            models.CheckConstraint(
                name="task_firm_matches_state",
                condition=Q(state="open", firm__isnull=True)
                | (~Q(state="open") & Q(firm__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_appraisal_type_display()} · {self.building.building_no}"

    @property
    def is_overdue(self) -> bool:
        return self.state in OVERDUE_STATES and self.due_date < timezone.localdate()


class TaskTransition(AppendOnly, models.Model):
    """Audit trail of every task state change; written in the same transaction as the change."""

    task = models.ForeignKey(AppraisalTask, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField("原状态", max_length=10, choices=TaskState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=10, choices=TaskState.choices)
    firm = models.ForeignKey(
        "institutions.AppraisalFirm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "任务流转记录"
        verbose_name_plural = "任务流转记录"

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_state or '—'} → {self.to_state}"
