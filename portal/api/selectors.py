"""The API's reads. Each starts from a model's `visible_to(user)`; the firm task lists are
reports.selectors.firm_queue, as on the firm's web queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch

from buildings.selectors import building_list
from reports.models import AppraisalTask, Report, ReportState, ReportVersion, TaskState

if TYPE_CHECKING:
    from buildings.models import BuildingQuerySet
    from reports.models import AppraisalTaskQuerySet, ReportQuerySet

# The bureau-facing report resource: what was handed in and what was accepted.
LISTED_REPORT_STATES = (ReportState.SUBMITTED, ReportState.ACCEPTED)


def _task_rows(qs: AppraisalTaskQuerySet) -> AppraisalTaskQuerySet:
    return qs.select_related("building__county", "firm")


def visible_task(user: Any, pk: int) -> AppraisalTask:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(_task_rows(AppraisalTask.objects.visible_to(user)), pk=pk)


def task_history(user: Any, task: AppraisalTask) -> tuple[list[Any], list[ReportVersion]]:
    """Transitions and report versions of a task, for the firm holding it only: pool tasks may
    carry other firms' history (decline reasons)."""
    if task.firm_id is None or task.firm_id != user.firm_id:
        return [], []
    versions = ReportVersion.objects.visible_to(user).filter(report__task=task).order_by("-number")
    return list(task.transitions.all()), list(versions)


def task_actions(user: Any, task: AppraisalTask) -> list[str]:
    """What the firm screen offers on this task (portal/queue/firm_task_detail.html)."""
    own = task.firm_id is not None and task.firm_id == user.firm_id
    if task.state == TaskState.OFFERED and own:
        return ["accept", "decline"]
    if own and task.state in (TaskState.ACCEPTED, TaskState.RETURNED):
        return ["upload"]
    if task.state == TaskState.OPEN:
        return ["claim"]
    return []


def uploadable_task(user: Any, pk: int) -> AppraisalTask:
    """A task of the user's own firm, as the web upload screen looks it up."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        AppraisalTask.objects.visible_to(user).select_related("building"),
        pk=pk,
        firm_id=user.firm_id,
    )


def visible_version(user: Any, pk: int) -> ReportVersion:
    from django.shortcuts import get_object_or_404

    qs = (
        ReportVersion.objects.visible_to(user)
        .select_related("report")
        .annotate(photo_count=Count("photos"))
    )
    return get_object_or_404(qs, pk=pk)


def reports(user: Any, filters: dict[str, Any] | None = None) -> ReportQuerySet:
    """Submitted and accepted reports the user may read, newest first."""
    filters = filters or {}
    qs = Report.objects.visible_to(user).filter(
        current_version__state__in=[filters["state"]]
        if filters.get("state")
        else LISTED_REPORT_STATES
    )
    if filters.get("building_no"):
        qs = qs.filter(task__building__building_no=filters["building_no"])
    if filters.get("county"):
        qs = qs.filter(task__building__county__code=filters["county"])
    return qs.select_related("task__building__county", "firm", "current_version").order_by("-pk")


def report_detail(user: Any, pk: int) -> Report:
    """One listed report with the versions the user may read (reviewers: accepted ones)."""
    from django.shortcuts import get_object_or_404

    versions = ReportVersion.objects.visible_to(user).order_by("-number")
    return get_object_or_404(
        reports(user).prefetch_related(
            Prefetch("versions", queryset=versions, to_attr="versions_list")
        ),
        pk=pk,
    )


def buildings(user: Any, filters: dict[str, Any] | None = None) -> BuildingQuerySet:
    """The bureau building list (buildings.selectors.building_list) with the API's filters."""
    filters = filters or {}
    _, qs = building_list(user, None)
    if filters.get("building_no"):
        qs = qs.filter(building_no=filters["building_no"])
    if filters.get("county"):
        qs = qs.filter(county__code=filters["county"])
    if filters.get("judgement"):
        qs = qs.filter(initial_judgement=filters["judgement"])
    return qs


def building_detail(user: Any, pk: int) -> Any:
    from django.shortcuts import get_object_or_404

    building = get_object_or_404(buildings(user), pk=pk)
    building.tasks_list = list(
        AppraisalTask.objects.visible_to(user)
        .filter(building=building)
        .select_related("firm")
        .order_by("-created_at", "-pk")
    )
    return building
