"""Role dashboards. Each role lands on its own; every other role gets 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from buildings.control import uncontrolled
from buildings.models import Building, County, Judgement
from buildings.selectors import doubtful_without_conclusion
from institutions.eligibility import firm_capability
from institutions.models import AppraisalFirm
from institutions.selectors import expiring_qualifications
from portal.models import User
from portal.roles import DASHBOARD_URL_NAMES, Role, role_required
from reports.models import OVERDUE_STATES, AppraisalTask, TaskState

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
    user = request.user
    today = timezone.localdate()
    firm = AppraisalFirm.objects.visible_to(user).prefetch_related("counties").get()
    colleagues = User.objects.visible_to(user).filter(is_active=True).order_by("name")
    counts = (
        AppraisalTask.objects.visible_to(user)
        .filter(firm_id=user.firm_id)
        .aggregate(
            offered=Count("pk", filter=Q(state=TaskState.OFFERED)),
            held=Count("pk", filter=Q(state__in=[TaskState.ACCEPTED, TaskState.RETURNED])),
            overdue=Count("pk", filter=Q(state__in=OVERDUE_STATES, due_date__lt=today)),
        )
    )
    return render(
        request,
        "portal/dashboards/firm.html",
        {
            "firm": firm,
            "colleagues": colleagues,
            "counts": counts,
            "capability": firm_capability(firm, today),
            "expiring": expiring_qualifications(user, today),
        },
    )


@role_required(Role.BUREAU)
def bureau_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    counties = County.objects.filter(pk=user.county_id) if user.county_id else County.objects.all()
    buildings = Building.objects.visible_to(user)
    tasks = AppraisalTask.objects.visible_to(user)
    return render(
        request,
        "portal/dashboards/bureau.html",
        {
            "scope_label": user.county.name if user.county_id else "全市",
            "counties": counties,
            "firm_count": AppraisalFirm.objects.visible_to(user).count(),
            "building_count": buildings.count(),
            "doubtful_total": buildings.filter(initial_judgement=Judgement.DOUBTFUL).count(),
            "doubtful_open": doubtful_without_conclusion(buildings).count(),
            "uncontrolled": uncontrolled(buildings).count(),
            "task_counts": tasks.aggregate(
                open=Count("pk", filter=Q(state=TaskState.OPEN)),
                active=Count("pk", filter=Q(state__in=OVERDUE_STATES)),
                submitted=Count("pk", filter=Q(state=TaskState.SUBMITTED)),
                overdue=Count("pk", filter=Q(state__in=OVERDUE_STATES, due_date__lt=today)),
            ),
            "expiring": expiring_qualifications(user, today),
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
