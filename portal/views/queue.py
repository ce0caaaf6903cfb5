"""Firm task screens: tasks offered and held, the open pool in queue order, claims."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from institutions.eligibility import firm_capability
from portal.roles import Role, role_required
from reports.assignments import TaskError, task_accept, task_claim, task_claim_next, task_decline
from reports.models import AppraisalTask, ReportVersion, TaskState
from reports.selectors import firm_queue

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

POOL_PAGE_SIZE = 30


@role_required(Role.FIRM)
def firm_tasks(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    capability = firm_capability(user.firm, today)
    mine = list(firm_queue(user, "mine", today))
    offered = [t for t in mine if t.state == TaskState.OFFERED]
    held = [t for t in mine if t.state != TaskState.OFFERED]
    page = Paginator(firm_queue(user, "pool", today), POOL_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/queue/firm_tasks.html",
        {
            "offered": offered,
            "held": held,
            "pool": page,
            "capability": capability,
            "firm_refusals": capability.firm_refusals,
            "today": today,
        },
    )


def _visible_task(request: HttpRequest, pk: int) -> AppraisalTask:
    return get_object_or_404(
        AppraisalTask.objects.visible_to(request.user).select_related("building__county", "firm"),
        pk=pk,
    )


@role_required(Role.FIRM)
def firm_task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    # Pool tasks may carry other firms' history (decline reasons): show it only to the holder.
    own = task.firm_id == request.user.firm_id
    transitions = task.transitions.select_related("actor") if own else []
    versions = (
        ReportVersion.objects.visible_to(request.user).filter(report__task=task).order_by("-number")
        if own
        else []
    )
    return render(
        request,
        "portal/queue/firm_task_detail.html",
        {
            "task": task,
            "building": task.building,
            "transitions": transitions,
            "report_versions": versions,
            "report_upload_states": [TaskState.ACCEPTED, TaskState.RETURNED],
        },
    )


@require_POST
@role_required(Role.FIRM)
def firm_task_accept(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    try:
        task_accept(task=task, user=request.user)
        messages.success(request, "已接受任务。")
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("firm_task_detail", pk=task.pk)


@require_POST
@role_required(Role.FIRM)
def firm_task_decline(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    try:
        task_decline(task=task, user=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "已拒绝任务，任务已退回任务池。")
        return redirect("firm_tasks")
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("firm_task_detail", pk=task.pk)


@require_POST
@role_required(Role.FIRM)
def firm_task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    try:
        task_claim(task=task, user=request.user)
        messages.success(request, "已领取任务。")
        return redirect("firm_task_detail", pk=task.pk)
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("firm_tasks")


@require_POST
@role_required(Role.FIRM)
def firm_claim_next(request: HttpRequest) -> HttpResponse:
    try:
        task = task_claim_next(user=request.user)
    except TaskError as e:
        messages.error(request, str(e))
        return redirect("firm_tasks")
    if task is None:
        messages.info(request, "任务池中暂无您的机构可承接的任务。")
        return redirect("firm_tasks")
    messages.success(request, f"已领取任务：{task.building.building_no}")
    return redirect("firm_task_detail", pk=task.pk)
