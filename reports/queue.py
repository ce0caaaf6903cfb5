"""The queue policy (DESIGN "Queue order"): one object built from settings.CAMPAIGN.

Rules, each a tie-breaker for the one before: initial judgement (初判存疑 first), the seed's
deadline classes, earlier due date, older task. Every queue view and every claim orders by
`QueuePolicy.ordering`; tasks carry `priority` computed by `QueuePolicy.priority`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from buildings.models import Alteration, Building

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

# Building fields the queue policy reads: a change in any of them may move an open task.
QUEUE_FIELDS = frozenset(
    {"initial_judgement", "is_business", "alteration", "floors", "max_span", "is_steel"}
)


@dataclass(frozen=True)
class DeadlineClass:
    code: str
    label: str
    due: str | None  # "MM-DD" in the task's year
    grace_days: int

    def due_date(self, created_on: dt.date) -> dt.date:
        if self.due:
            month, day = (int(part) for part in self.due.split("-"))
            campaign_date = dt.date(created_on.year, month, day)
            if created_on <= campaign_date:
                return campaign_date
        return created_on + dt.timedelta(days=self.grace_days)


@dataclass(frozen=True)
class QueuePolicy:
    judgement_order: tuple[str, ...]
    deadline_classes: tuple[DeadlineClass, ...]
    large_floors: int
    large_span_m: Decimal

    ordering = ("priority", "due_date", "created_at", "id")

    def deadline_class_for(self, building: Building) -> DeadlineClass:
        by_code = {c.code: c for c in self.deadline_classes}
        if building.is_business and building.alteration != Alteration.NONE:
            return by_code["business_alteration"]
        large = (
            building.floors >= self.large_floors
            or (building.max_span is not None and Decimal(building.max_span) >= self.large_span_m)
            or building.is_steel
        )
        if building.is_business and large:
            return by_code["business_large"]
        return by_code["other"]

    def priority(self, judgement: str, deadline_code: str) -> int:
        """Smaller runs first. Unknown judgements sort after every known one."""
        codes = [c.code for c in self.deadline_classes]
        j = (
            self.judgement_order.index(judgement)
            if judgement in self.judgement_order
            else len(self.judgement_order)
        )
        return j * 100 + codes.index(deadline_code)


@cache
def get_queue_policy() -> QueuePolicy:
    campaign = settings.CAMPAIGN
    return QueuePolicy(
        judgement_order=tuple(campaign["judgement_order"]),
        deadline_classes=tuple(DeadlineClass(**c) for c in campaign["deadline_classes"]),
        large_floors=int(campaign["large_floors"]),
        large_span_m=Decimal(str(campaign["large_span_m"])),
    )


@receiver(setting_changed)
def _reset_policy(*, setting: str, **kwargs: object) -> None:
    if setting == "CAMPAIGN":
        get_queue_policy.cache_clear()


def requeue_open_tasks(facts: Mapping[int, Mapping[str, Any]]) -> int:
    """Re-rank the open tasks of buildings whose ledger facts changed; returns tasks moved.

    `facts` maps a building pk to its current values of (at least) QUEUE_FIELDS. One SELECT
    per chunk of buildings and one UPDATE per distinct new rank, so an import that changes
    thousands of buildings stays cheap. Due dates are kept.
    """
    from reports.models import AppraisalTask, TaskState

    policy = get_queue_policy()
    moves: dict[tuple[int, str], list[int]] = defaultdict(list)
    for chunk in _chunks(list(facts), 900):
        open_tasks = AppraisalTask.objects.filter(
            building_id__in=chunk, state=TaskState.OPEN
        ).values_list("pk", "building_id", "priority", "deadline_class")
        for task_id, building_id, priority, deadline_class in open_tasks:
            values = facts[building_id]
            building = Building(pk=building_id, **{name: values[name] for name in QUEUE_FIELDS})
            deadline = policy.deadline_class_for(building)
            rank = (policy.priority(building.initial_judgement, deadline.code), deadline.code)
            if rank != (priority, deadline_class):
                moves[rank].append(task_id)
    moved = 0
    for (priority, deadline_class), task_ids in moves.items():
        for chunk in _chunks(task_ids, 900):
            moved += AppraisalTask.objects.filter(pk__in=chunk, state=TaskState.OPEN).update(
                priority=priority, deadline_class=deadline_class
            )
    return moved


def requeue_building(building: Building) -> int:
    return requeue_open_tasks(
        {building.pk: {name: getattr(building, name) for name in QUEUE_FIELDS}}
    )


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
