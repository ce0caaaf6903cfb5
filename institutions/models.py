from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from institutions.credit_code import validate_credit_code
from portal.roles import Role

if TYPE_CHECKING:
    from portal.models import User


class AppraisalFirmQuerySet(models.QuerySet["AppraisalFirm"]):
    def visible_to(self, user: User) -> AppraisalFirmQuerySet:
        """Firms a user may read: the single scoping rule for every firm read path.

        Bureau staff (any county), reviewers and site admins see every firm; a firm member
        sees only their own firm; anonymous users see none (the public registry has its
        own, narrower listing: `publicly_listed`).
        """
        role = Role.of(user)
        if role in (Role.ADMIN, Role.BUREAU, Role.REVIEWER):
            return self.all()
        if role == Role.FIRM:
            return self.filter(pk=user.firm_id)
        return self.none()

    def publicly_listed(self, on: dt.date) -> AppraisalFirmQuerySet:
        """Firms shown as qualified in the public registry (公示名录) on a date."""
        valid = Qualification.objects.in_force(on)
        barred = Qualification.objects.barring(on)
        return self.filter(pk__in=valid.values("firm_id")).exclude(pk__in=barred.values("firm_id"))


class AppraisalFirm(models.Model):
    name = models.CharField("机构名称", max_length=100, unique=True)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    address = models.CharField("注册地址", max_length=200, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    technical_staff_count = models.PositiveIntegerField("技术人员数", default=0)
    counties = models.ManyToManyField(
        "buildings.County", verbose_name="服务县区", blank=True, related_name="firms"
    )
    max_open_tasks = models.PositiveIntegerField(
        "在办任务上限", null=True, blank=True, help_text="留空则使用系统默认上限。"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AppraisalFirmQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "鉴定机构"
        verbose_name_plural = "鉴定机构"

    def __str__(self) -> str:
        return self.name

    @property
    def capacity(self) -> int:
        if self.max_open_tasks is not None:
            return self.max_open_tasks
        return settings.CAMPAIGN["default_firm_capacity"]


class QualificationQuerySet(models.QuerySet["Qualification"]):
    def in_force(self, on: dt.date) -> QualificationQuerySet:
        return self.filter(status=Qualification.Status.VALID, valid_from__lte=on, valid_to__gte=on)

    def barring(self, on: dt.date) -> QualificationQuerySet:
        """Listing entries that bar the whole firm: a 名录 entry suspended or removed."""
        return self.filter(
            kind=Qualification.Kind.REGISTRY,
            status__in=[Qualification.Status.SUSPENDED, Qualification.Status.REMOVED],
        ).filter(Q(barred_until__isnull=True) | Q(barred_until__gte=on))

    def expiring(self, on: dt.date, days: int) -> QualificationQuerySet:
        return self.in_force(on).filter(valid_to__lte=on + dt.timedelta(days=days))

    def visible_to(self, user: User) -> QualificationQuerySet:
        return self.filter(firm__in=AppraisalFirm.objects.visible_to(user))


class Qualification(models.Model):
    """One certificate or listing entry of a firm (资质)."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", "鉴定机构名录/公布备案"
        TESTING = "testing", "建设工程质量检测机构资质"
        CMA = "cma", "检验检测机构资质认定(CMA)"
        DESIGN = "design", "工程设计资质"

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        SUSPENDED = "suspended", "暂停"
        REMOVED = "removed", "移出名录"

    firm = models.ForeignKey(AppraisalFirm, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField("资质类型", max_length=10, choices=Kind.choices)
    certificate_no = models.CharField("证书编号", max_length=60)
    level = models.CharField("等级/类别", max_length=40, blank=True)
    issuer = models.CharField("发证机关", max_length=100)
    valid_from = models.DateField("发证日期")
    valid_to = models.DateField("有效期至")
    # Keys of settings.CAMPAIGN["qualification_scopes"], e.g. ["主体结构", "地基基础"].
    scopes = models.JSONField("业务范围", default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField("暂停/移出原因", max_length=200, blank=True)
    barred_until = models.DateField("不得重新列入截止日", null=True, blank=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["firm", "kind", "-valid_to"]
        verbose_name = "资质"
        verbose_name_plural = "资质"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "certificate_no"], name="qualification_unique_certificate"
            ),
            models.CheckConstraint(
                name="qualification_dates_ordered",
                condition=Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.certificate_no}"

    def clean(self) -> None:
        super().clean()
        known = settings.CAMPAIGN["qualification_scopes"]
        unknown = [s for s in self.scopes or [] if s not in known]
        if unknown:
            raise ValidationError({"scopes": f"未知的业务范围：{'、'.join(unknown)}"})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "有效期至不能早于发证日期。"})
        if self.status != self.Status.VALID and not self.status_reason:
            raise ValidationError({"status_reason": "暂停或移出名录须填写原因。"})


class Engineer(models.Model):
    class Role(models.TextChoices):
        APPRAISER = "appraiser", "鉴定人"
        REVIEWER = "reviewer", "审核人"
        APPROVER = "approver", "批准人"
        PROJECT_LEAD = "lead", "项目负责人"

    firm = models.ForeignKey(AppraisalFirm, on_delete=models.CASCADE, related_name="engineers")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("岗位", max_length=10, choices=Role.choices)
    title = models.CharField("职称", max_length=30, blank=True)
    registration_type = models.CharField(
        "注册类别", max_length=40, blank=True, help_text="如：一级注册结构工程师"
    )
    registration_no = models.CharField("注册证书编号", max_length=60, blank=True)
    registration_valid_to = models.DateField("注册有效期至", null=True, blank=True)
    is_active = models.BooleanField("在职", default=True)

    class Meta:
        ordering = ["firm", "role", "name"]
        verbose_name = "技术人员"
        verbose_name_plural = "技术人员"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"
