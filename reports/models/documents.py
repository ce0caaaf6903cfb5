"""Reports: one per task, with every uploaded version, its parse result, corrections and photos."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from portal.roles import Role
from reports.models.audit import AppendOnly


class ReportState(models.TextChoices):
    UPLOADED = "uploaded", "已上传，待解析"
    PARSING = "parsing", "解析中"
    PARSED = "parsed", "已解析，待确认提交"
    PARSE_FAILED = "parse_failed", "解析失败"
    SUBMITTED = "submitted", "已提交，待审核"
    ACCEPTED = "accepted", "审核通过"
    RETURNED = "returned", "已退回修改"
    SUPERSEDED = "superseded", "已被新版本替代"


# A version still being worked on by the firm (a new upload supersedes it).
DRAFT_STATES = (
    ReportState.UPLOADED,
    ReportState.PARSING,
    ReportState.PARSED,
    ReportState.PARSE_FAILED,
)


@dataclass(frozen=True)
class ReportScope:
    """All that decides which reports a user may read: their role and their county (bureau)
    or firm. The rule (`within`) reads nothing else of the user, so anything built from it,
    such as search's compiled re-check (search.service), can be kept per scope."""

    role: Role | None
    county_id: int | None = None
    firm_id: int | None = None

    @classmethod
    def of(cls, user: Any) -> ReportScope:
        role = Role.of(user)
        if role == Role.BUREAU:
            return cls(role, county_id=user.county_id)
        if role == Role.FIRM:
            return cls(role, firm_id=user.firm_id)
        return cls(role)


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: Any) -> ReportQuerySet:
        """Reports a user may read: the single scoping rule for every report read path."""
        return self.within(ReportScope.of(user))

    def within(self, scope: ReportScope) -> ReportQuerySet:
        """Site admins and city-wide bureau staff: all. County staff: their county's. Firm
        members: their firm's (drafts included). Reviewers: accepted reports only."""
        if scope.role == Role.ADMIN or (scope.role == Role.BUREAU and scope.county_id is None):
            return self.all()
        if scope.role == Role.BUREAU:
            return self.filter(task__building__county_id=scope.county_id)
        if scope.role == Role.FIRM:
            return self.filter(firm_id=scope.firm_id)
        if scope.role == Role.REVIEWER:
            return self.filter(current_version__state=ReportState.ACCEPTED)
        return self.none()


# Unambiguous characters for codes people type in (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class Report(models.Model):
    """The report a task produces; each upload is a ReportVersion, the latest is current."""

    task = models.OneToOneField(
        "reports.AppraisalTask", on_delete=models.PROTECT, related_name="report"
    )
    firm = models.ForeignKey(
        "institutions.AppraisalFirm", on_delete=models.PROTECT, related_name="reports"
    )
    current_version = models.OneToOneField(
        "reports.ReportVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Stable public code for the authenticity check, given when the report is first accepted.
    verification_code = models.CharField(
        "验证码", max_length=16, unique=True, null=True, blank=True
    )
    accepted_at = models.DateTimeField("通过时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "鉴定报告"
        verbose_name_plural = "鉴定报告"

    def __str__(self) -> str:
        return f"报告 · {self.task.building.building_no}"


class ReportVersionQuerySet(models.QuerySet["ReportVersion"]):
    def visible_to(self, user: Any) -> ReportVersionQuerySet:
        """Versions of the reports a user may read; reviewers see accepted versions only."""
        return self.within(ReportScope.of(user))

    def within(self, scope: ReportScope) -> ReportVersionQuerySet:
        qs = self.filter(report__in=Report.objects.within(scope))
        if scope.role == Role.REVIEWER:
            qs = qs.filter(state=ReportState.ACCEPTED)
        return qs


class ReportVersion(models.Model):
    """One uploaded PDF of a report, kept unchanged, with what the pipeline read from it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    file = models.FileField("报告文件", max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    state = models.CharField(
        "状态", max_length=14, choices=ReportState.choices, default=ReportState.UPLOADED
    )
    # Parsing: attempts and a heartbeat, so a worker that died mid-parse is retried, not lost.
    parse_attempts = models.PositiveSmallIntegerField("解析次数", default=0)
    parse_started_at = models.DateTimeField("解析开始", null=True, blank=True)
    parsed_at = models.DateTimeField("解析完成", null=True, blank=True)
    failure_code = models.CharField("失败代码", max_length=40, blank=True)
    failure_message = models.CharField("失败原因", max_length=300, blank=True)
    page_count = models.PositiveIntegerField("页数", null=True, blank=True)
    used_ocr = models.BooleanField("经OCR识别", default=False)
    # The pipeline's full result (reports.pipeline.ParseResult.to_dict()).
    extracted = models.JSONField("解析结果", default=dict, blank=True)
    # Contract fields as they stand: extracted values overlaid by the firm's corrections.
    fields = models.JSONField("字段", default=dict, blank=True)
    # [{"code", "severity", "message", "page"}] for these fields, document and platform rules.
    problems = models.JSONField("问题", default=list, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField("审核意见", blank=True)

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        ordering = ["report", "number"]
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="report_version_number_unique"
            ),
            # The same bytes uploaded twice to one report are one version.
            models.UniqueConstraint(
                fields=["report", "sha256"], name="report_version_sha256_unique"
            ),
        ]
        indexes = [models.Index(fields=["state", "parse_started_at"], name="version_parse_idx")]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    @property
    def blocking_problems(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p.get("severity") == "blocking"]

    @property
    def is_draft(self) -> bool:
        return self.state in DRAFT_STATES


class FieldCorrection(models.Model):
    """A firm's correction of an extracted field; the extracted value stays in `original`."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField("字段", max_length=40)
    original = models.JSONField("解析值", null=True, blank=True)
    value = models.JSONField("更正值", null=True, blank=True)
    reason = models.CharField("说明", max_length=200, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        ordering = ["corrected_at", "pk"]
        verbose_name = "字段更正"
        verbose_name_plural = "字段更正"

    def __str__(self) -> str:
        return f"{self.field}: {self.original!r} → {self.value!r}"


class ReportPhoto(models.Model):
    """A site photo. The original stays private; derived images have EXIF (GPS) stripped."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="photos")
    original = models.FileField("原图", max_length=200)
    image = models.FileField("显示图", max_length=200)
    thumbnail = models.FileField("缩略图", max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["version", "pk"]
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "sha256"], name="report_photo_sha256_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ReportTransition(AppendOnly, models.Model):
    """Audit trail of report states, written in the same transaction as the change."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField("原状态", max_length=14, choices=ReportState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=14, choices=ReportState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "报告流转记录"
        verbose_name_plural = "报告流转记录"

    def __str__(self) -> str:
        return f"{self.version_id}: {self.from_state or '—'} → {self.to_state}"
