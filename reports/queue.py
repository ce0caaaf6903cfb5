"""The queue policy (DESIGN "Queue order"): one object built from settings.CAMPAIGN.

Rules, each a tie-breaker for the one before: initial judgement (初判存疑 first), the seed's
deadline classes, earlier due date, older task. Every queue view and every claim orders by
`QueuePolicy.ordering`; tasks carry `priority` computed by `QueuePolicy.priority`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from buildings.models import Alteration

if TYPE_CHECKING:
    from buildings.models import Building


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
