"""Role dashboards. Each role lands on its own; every other role gets 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from institutions.eligibility import firm_capability
from institutions.models import AppraisalFirm
from institutions.selectors import expiring_qualifications
from portal.models import User
from portal.progress import progress_for
from portal.roles import DASHBOARD_URL_NAMES, Role, role_required
from portal.views.progress import overview_charts, summary_table
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
    """The bureau's landing page: today's campaign progress of the user's scope.

    Every number comes from portal.progress, so it equals the periodic reports' exports.
    """
    user = request.user
    today = timezone.localdate()
    progress = progress_for(user, today=today)
    total = progress.total
    return render(
        request,
        "portal/dashboards/bureau.html",
        {
            "scope_label": progress.scope_label,
            "city_wide": user.county_id is None,
            "progress": progress,
            "counties": [c.name for c in progress.counties],
            "summary": summary_table(progress),
            "charts": overview_charts(progress),
            "firm_count": AppraisalFirm.objects.visible_to(user).count(),
            "building_count": total.surveyed,
            "doubtful_total": total.doubtful,
            "doubtful_open": total.doubtful_open,
            "uncontrolled": total.uncontrolled,
            "task_counts": {
                "open": total.tasks_open,
                "active": total.tasks_active,
                "submitted": total.tasks_submitted,
                "overdue": total.tasks_overdue,
            },
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
