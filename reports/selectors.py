"""Reads over tasks that several screens share: lists, deadlines, loads."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q

from institutions.eligibility import firm_capability
from reports.models import FIRM_LOAD_STATES, OVERDUE_STATES, AppraisalTask, TaskState

if TYPE_CHECKING:
    from reports.models import AppraisalTaskQuerySet


def overdue(qs: AppraisalTaskQuerySet, today: dt.date) -> AppraisalTaskQuerySet:
    return qs.filter(state__in=OVERDUE_STATES, due_date__lt=today)


def due_soon(qs: AppraisalTaskQuerySet, today: dt.date) -> AppraisalTaskQuerySet:
    days = settings.CAMPAIGN["due_soon_days"]
    return qs.filter(
        state__in=OVERDUE_STATES, due_date__gte=today, due_date__lte=today + dt.timedelta(days=days)
    )


def deadline_breakdown(qs: AppraisalTaskQuerySet, today: dt.date, by: str) -> list[dict[str, Any]]:
    """Overdue and due-soon counts grouped by "building__county__name" or "firm__name"."""
    days = settings.CAMPAIGN["due_soon_days"]
    active = Q(state__in=OVERDUE_STATES)
    rows = (
        qs.filter(active)
        .values(by)
        .annotate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count(
                "pk", filter=Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=days))
            ),
            active=Count("pk"),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .order_by("-overdue", "-due_soon", by)
    )
    return [
        {"name": r[by] or "（待分派）", **{k: r[k] for k in ("overdue", "due_soon", "active")}}
        for r in rows
    ]


def task_list_qs(user: Any) -> AppraisalTaskQuerySet:
    return AppraisalTask.objects.visible_to(user).select_related("building__county", "firm")


def firm_load(firm_id: int) -> int:
    return AppraisalTask.objects.filter(firm_id=firm_id, state__in=FIRM_LOAD_STATES).count()


# What a firm still works on (its queue's "offered" and "held" lists).
CONCLUDED = (TaskState.APPROVED, TaskState.CLOSED)


def firm_queue(user: Any, scope: str, today: dt.date) -> AppraisalTaskQuerySet:
    """One list of a firm's queue, in queue order, for the web queue and the API alike:
    "offered", "held" (accepted or returned), "mine" (both) or "pool" (open tasks the firm may
    take now: the same filter that claims use)."""
    if scope == "pool":
        capability = firm_capability(user.firm, today)
        qs = AppraisalTask.objects.visible_to(user).filter(
            capability.task_filter(), state=TaskState.OPEN
        )
    else:
        qs = (
            AppraisalTask.objects.visible_to(user)
            .filter(firm_id=user.firm_id)
            .exclude(state__in=CONCLUDED)
        )
        if scope == "offered":
            qs = qs.filter(state=TaskState.OFFERED)
        elif scope == "held":
            qs = qs.exclude(state=TaskState.OFFERED)
    return qs.select_related("building__county", "firm").in_queue_order()
