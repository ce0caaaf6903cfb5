"""One row per e-mail notification sent (or tried), so no notification goes out twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    TASK_OFFERED = "task_offered", "任务派单"
    TASK_DUE_SOON = "task_due_soon", "任务即将到期"
    TASK_OVERDUE = "task_overdue", "任务已逾期"
    REPORT_RETURNED = "report_returned", "报告退回修改"
    QUALIFICATION_EXPIRING = "qualification_expiring", "资质即将到期"


class NotificationStatus(models.TextChoices):
    # Claimed by a sender that has not finished yet.
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    # The mail server refused or was down: the next `send_notifications` run tries again.
    FAILED = "failed", "发送失败"


class NotificationLog(models.Model):
    """A notification of `kind` about one object for one recipient in one period.

    The object's model follows from the kind (task, report version, qualification). The
    period tells repeated notifications about the same object apart: the task's version for
    an offer, the due date for deadlines, the expiry date for a qualification. The unique
    key is the idempotency guarantee: a second sender cannot claim the same row.
    """

    kind = models.CharField("类型", max_length=30, choices=NotificationKind.choices)
    object_id = models.PositiveBigIntegerField("对象ID")
    period = models.CharField("周期", max_length=32, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField("邮箱")
    status = models.CharField(
        "状态",
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.SENDING,
    )
    error = models.CharField("失败原因", max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "邮件通知记录"
        verbose_name_plural = "邮件通知记录"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "period", "recipient"],
                name="notification_once_per_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} → {self.email}"
