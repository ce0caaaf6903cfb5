"""Roles of portal users and the one place that decides which dashboard a role lands on."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse


class Role(models.TextChoices):
    FIRM = "firm", "鉴定机构人员"
    BUREAU = "bureau", "住建局工作人员"
    REVIEWER = "reviewer", "审查专家"
    ADMIN = "admin", "系统管理员"

    @classmethod
    def of(cls, user: Any) -> Role | None:
        """The role of a user, or None for anonymous and inactive users and users without one."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return None
        if user.is_superuser:
            return cls.ADMIN
        return cls(user.role) if user.role else None


# The bureau's back office is open to its staff and to site admins.
BUREAU_ROLES = (Role.BUREAU, Role.ADMIN)

DASHBOARD_URL_NAMES = {
    Role.FIRM: "firm_dashboard",
    Role.BUREAU: "bureau_dashboard",
    Role.REVIEWER: "reviewer_dashboard",
    Role.ADMIN: "admin_dashboard",
}


def role_required(
    *roles: Role,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let only users of the given roles through; anonymous users go to login, others get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if Role.of(request.user) not in roles:
                raise PermissionDenied("您的账号无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
