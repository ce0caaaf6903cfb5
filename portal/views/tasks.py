"""Bureau task screens: list, detail with assignment, creation, deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from buildings.models import Building, County
from institutions.eligibility import eligible_firms
from institutions.models import AppraisalFirm
from portal.roles import BUREAU_ROLES, role_required
from reports.assignments import (
    CONFLICT_MESSAGE,
    TaskConflict,
    TaskError,
    task_assign,
    task_create,
    task_edit,
    task_withdraw,
)
from reports.models import AppraisalTask, TaskState
from reports.selectors import deadline_breakdown, due_soon, overdue, task_list_qs

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

BUREAU = BUREAU_ROLES
PAGE_SIZE = 50


class TaskFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *TaskState.choices], required=False
    )
    county = forms.ModelChoiceField(
        label="县区", queryset=County.objects.all(), required=False, empty_label="全部"
    )
    firm = forms.ModelChoiceField(
        label="鉴定机构", queryset=AppraisalFirm.objects.all(), required=False, empty_label="全部"
    )
    deadline = forms.ChoiceField(
        label="时限",
        choices=[("", "全部"), ("overdue", "已逾期"), ("soon", "即将到期")],
        required=False,
    )


@role_required(*BUREAU)
def task_list(request: HttpRequest) -> HttpResponse:
    form = TaskFilterForm(request.GET or None)
    if request.user.county_id:
        form.fields["county"].queryset = County.objects.filter(pk=request.user.county_id)
    qs = task_list_qs(request.user)
    today = timezone.localdate()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["state"]:
            qs = qs.filter(state=d["state"])
        if d["county"]:
            qs = qs.filter(building__county=d["county"])
        if d["firm"]:
            qs = qs.filter(firm=d["firm"])
        if d["deadline"] == "overdue":
            qs = overdue(qs, today)
        elif d["deadline"] == "soon":
            qs = due_soon(qs, today)
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs.in_queue_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/tasks/list.html",
        {"form": form, "page_obj": page, "query": query.urlencode(), "today": today},
    )


def _task_for(request: HttpRequest, pk: int) -> AppraisalTask:
    return get_object_or_404(task_list_qs(request.user), pk=pk)


@role_required(*BUREAU)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    today = timezone.localdate()
    candidates = eligible_firms(task.building, today) if task.state == TaskState.OPEN else []
    return render(
        request,
        "portal/tasks/detail.html",
        {
            "task": task,
            "transitions": task.transitions.select_related("actor", "firm"),
            "candidates": candidates,
            "today": today,
        },
    )


@require_POST
@role_required(*BUREAU)
def task_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    firm = (
        AppraisalFirm.objects.visible_to(request.user).filter(pk=request.POST.get("firm")).first()
    )
    if firm is None:
        messages.error(request, "请选择鉴定机构。")
        return redirect("task_detail", pk=task.pk)
    try:
        _check_version(request, task)
        task_assign(task=task, firm=firm, actor=request.user)
        messages.success(request, f"已派单给{firm.name}，等待机构接受。")
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("task_detail", pk=task.pk)


@require_POST
@role_required(*BUREAU)
def task_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    try:
        _check_version(request, task)
        task_withdraw(task=task, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "已撤回派单，任务回到任务池。")
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("task_detail", pk=task.pk)


class TaskEditForm(forms.Form):
    due_date = forms.DateField(label="完成时限", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", max_length=200, required=False)
    reason = forms.CharField(label="调整理由", max_length=100, required=False)


@require_POST
@role_required(*BUREAU)
def task_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    form = TaskEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的完成时限（备注不超过200字）。")
        return redirect("task_detail", pk=task.pk)
    try:
        _check_version(request, task)
        task_edit(task=task, actor=request.user, **form.cleaned_data)
        messages.success(request, "任务信息已保存。")
    except TaskError as e:
        messages.error(request, str(e))
    return redirect("task_detail", pk=task.pk)


def _check_version(request: HttpRequest, task: AppraisalTask) -> None:
    """Refuse a form whose page showed an older version of the task (a lost update).

    Checked before the state so the user reads "changed meanwhile", not a state refusal the
    page they are looking at cannot explain. The service's conditional UPDATE on the same
    version still catches a change that lands between this check and the save.
    """
    try:
        posted = int(request.POST.get("version", task.version))
    except ValueError:
        posted = -1
    if posted != task.version:
        raise TaskConflict(CONFLICT_MESSAGE)
    task.version = posted


@require_POST
@role_required(*BUREAU)
def task_create_view(request: HttpRequest, building_pk: int) -> HttpResponse:
    building = get_object_or_404(Building.objects.visible_to(request.user), pk=building_pk)
    try:
        task = task_create(
            building=building,
            actor=request.user,
            appraisal_type=request.POST.get("appraisal_type") or None,
            override_reason=request.POST.get("override_reason", ""),
        )
    except TaskError as e:
        messages.error(request, str(e))
        return redirect("building_detail", pk=building.pk)
    messages.success(request, "任务已创建。")
    return redirect("task_detail", pk=task.pk)


@role_required(*BUREAU)
def task_deadlines(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = AppraisalTask.objects.visible_to(request.user)
    return render(
        request,
        "portal/tasks/deadlines.html",
        {
            "today": today,
            "by_county": deadline_breakdown(qs, today, "building__county__name"),
            "by_firm": deadline_breakdown(qs.exclude(firm=None), today, "firm__name"),
        },
    )
