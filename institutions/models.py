from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from institutions.credit_code import validate_credit_code
from portal.roles import Role

if TYPE_CHECKING:
    from portal.models import User


class AppraisalFirmQuerySet(models.QuerySet["AppraisalFirm"]):
    def visible_to(self, user: User) -> AppraisalFirmQuerySet:
        """Firms a user may read: the single scoping rule for every firm read path.

        Bureau staff (any county), reviewers and site admins see every firm; a firm member
        sees only their own firm; anonymous users see none (the public registry has its
        own, narrower listing).
        """
        role = Role.of(user)
        if role in (Role.ADMIN, Role.BUREAU, Role.REVIEWER):
            return self.all()
        if role == Role.FIRM:
            return self.filter(pk=user.firm_id)
        return self.none()


class AppraisalFirm(models.Model):
    name = models.CharField("机构名称", max_length=100, unique=True)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    counties = models.ManyToManyField(
        "buildings.County", verbose_name="服务县区", blank=True, related_name="firms"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AppraisalFirmQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "鉴定机构"
        verbose_name_plural = "鉴定机构"

    def __str__(self) -> str:
        return self.name
