from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.roles import Role


class PortalUserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: Any) -> PortalUserQuerySet:
        """Accounts a user may read.

        Site admins see everyone. City-wide bureau staff see every account; county staff see
        their county's staff and all firm members (firms work across counties). Firm members
        see their colleagues. Reviewers and everyone else see only themselves.
        """
        role = Role.of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.BUREAU:
            if user.county_id is None:
                return self.all()
            return self.filter(
                Q(role=Role.FIRM) | Q(role=Role.BUREAU, county_id=user.county_id) | Q(pk=user.pk)
            )
        if role == Role.FIRM:
            return self.filter(firm_id=user.firm_id)
        if role is not None:
            return self.filter(pk=user.pk)
        return self.none()


class PortalUserManager(UserManager.from_queryset(PortalUserQuerySet)):  # type: ignore[misc]
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A portal account. The role decides the dashboard and the scope of every read path."""

    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    role = models.CharField("角色", max_length=16, choices=Role.choices, blank=True)
    firm = models.ForeignKey(
        "institutions.AppraisalFirm",
        verbose_name="所属鉴定机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    county = models.ForeignKey(
        "buildings.County",
        verbose_name="负责县区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="住建局工作人员：留空表示市级（全市范围）。",
    )

    objects = PortalUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                name="user_firm_iff_firm_role",
                condition=(Q(role=Role.FIRM) & Q(firm__isnull=False))
                | (~Q(role=Role.FIRM) & Q(firm__isnull=True)),
                violation_error_message="鉴定机构人员必须且只能属于一个鉴定机构；其他角色不得关联机构。",
            ),
            models.CheckConstraint(
                name="user_county_only_for_bureau",
                condition=Q(role=Role.BUREAU) | Q(county__isnull=True),
                violation_error_message="只有住建局工作人员可以指定负责县区。",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == Role.FIRM and self.firm_id is None:
            raise ValidationError({"firm": "鉴定机构人员必须选择所属机构。"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Django admin is for site admins only: the staff flag follows the role.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)

    @property
    def is_city_wide(self) -> bool:
        return self.role == Role.BUREAU and self.county_id is None
