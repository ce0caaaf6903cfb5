"""Campaign rules for a new task: its type (鉴定 or 安全评估), deadline class and due date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from reports.models import AppraisalType
from reports.queue import get_queue_policy

if TYPE_CHECKING:
    from buildings.models import Building


def suggested_appraisal_type(building: Building, today: dt.date) -> str:
    """安全评估 for recently built houses with design/construction/supervision/acceptance complete."""
    recent = settings.CAMPAIGN["assessment_recent_years"]
    if (
        building.procedures_complete
        and building.year_built is not None
        and building.year_built >= today.year - recent
    ):
        return AppraisalType.ASSESSMENT
    return AppraisalType.APPRAISAL


@dataclass(frozen=True)
class TaskPlan:
    suggested_type: str
    deadline_class: str
    due_date: dt.date
    priority: int


def plan_task(building: Building, today: dt.date) -> TaskPlan:
    policy = get_queue_policy()
    deadline = policy.deadline_class_for(building)
    return TaskPlan(
        suggested_type=suggested_appraisal_type(building, today),
        deadline_class=deadline.code,
        due_date=deadline.due_date(today),
        priority=policy.priority(building.initial_judgement, deadline.code),
    )
