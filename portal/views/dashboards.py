"""Role dashboards. Each role lands on its own; every other role gets 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from buildings.models import County
from institutions.models import AppraisalFirm
from portal.models import User
from portal.roles import DASHBOARD_URL_NAMES, Role, role_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    role = Role.of(request.user)
    if role is None:
        raise PermissionDenied("您的账号尚未分配角色，请联系系统管理员。")
    return redirect(DASHBOARD_URL_NAMES[role])


@role_required(Role.FIRM)
def firm_dashboard(request: HttpRequest) -> HttpResponse:
    firm = AppraisalFirm.objects.visible_to(request.user).prefetch_related("counties").get()
    colleagues = User.objects.visible_to(request.user).filter(is_active=True).order_by("name")
    return render(
        request,
        "portal/dashboards/firm.html",
        {"firm": firm, "colleagues": colleagues},
    )


@role_required(Role.BUREAU)
def bureau_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    counties = (
        County.objects.all() if user.county_id is None else County.objects.filter(pk=user.county_id)
    )
    return render(
        request,
        "portal/dashboards/bureau.html",
        {
            "scope_label": "全市" if user.county_id is None else user.county.name,
            "counties": counties,
            "firm_count": AppraisalFirm.objects.visible_to(user).count(),
        },
    )


@role_required(Role.REVIEWER)
def reviewer_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/dashboards/reviewer.html")


@role_required(Role.ADMIN)
def admin_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/dashboards/admin.html",
        {
            "user_count": User.objects.visible_to(request.user).count(),
            "firm_count": AppraisalFirm.objects.visible_to(request.user).count(),
        },
    )
