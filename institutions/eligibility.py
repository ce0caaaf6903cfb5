"""The one rule: may this firm take this task on this date?

A firm may take a building's task when, on that date, it holds a qualification in force
whose scope covers the building's structure type, is not suspended or removed from the
registry (名录), serves the building's county, and holds fewer open tasks than its capacity.

`firm_capability` evaluates the firm once; `refusals` explains a single building in Chinese
and `task_filter` turns the same facts into a queryset filter for queues and claims.
Every assignment, claim and report submission goes through here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Q

from institutions.models import AppraisalFirm, Qualification

if TYPE_CHECKING:
    from collections.abc import Iterable

    from buildings.models import Building


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class FirmCapability:
    firm: AppraisalFirm
    on: dt.date
    structure_types: frozenset[str]
    county_ids: frozenset[int]
    open_tasks: int
    capacity: int
    firm_refusals: tuple[Refusal, ...] = field(default=())

    @property
    def has_capacity(self) -> bool:
        return self.open_tasks < self.capacity

    def refusals(self, building: Building, *, count_capacity: bool = True) -> list[Refusal]:
        """Why the firm may not take this building's task; empty when it may.

        count_capacity=False is for work the firm already holds (submitting its report).
        """
        found = list(self.firm_refusals)
        if not self.structure_types:
            found.append(Refusal("no_qualification", f"{self.on:%Y-%m-%d} 无有效资质"))
        elif building.structure_type not in self.structure_types:
            found.append(Refusal("scope", f"有效资质的业务范围不涵盖“{building.structure_type}”"))
        if building.county_id not in self.county_ids:
            found.append(Refusal("county", f"机构未登记服务{building.county}"))
        if count_capacity and not self.has_capacity:
            found.append(
                Refusal("capacity", f"在办任务已达上限（{self.open_tasks}/{self.capacity}）")
            )
        return found

    def task_filter(self, prefix: str = "", *, count_capacity: bool = True) -> Q:
        """A Q selecting AppraisalTask rows (or `prefix`-related ones) this firm may take.

        count_capacity=False leaves the capacity check to the caller (the claim statement
        checks it against the live count inside its own transaction).
        """
        if (
            self.firm_refusals
            or not self.structure_types
            or (count_capacity and not self.has_capacity)
        ):
            return Q(pk__in=[])
        return Q(
            **{
                f"{prefix}building__structure_type__in": sorted(self.structure_types),
                f"{prefix}building__county_id__in": sorted(self.county_ids),
            }
        )


def firm_capabilities(firms: Iterable[AppraisalFirm], on: dt.date) -> list[FirmCapability]:
    """Capabilities of many firms in a fixed number of queries (assignment lists, queues)."""
    from reports.models import FIRM_LOAD_STATES, AppraisalTask

    firms = list(firms)
    ids = [f.pk for f in firms]
    scope_map = settings.CAMPAIGN["qualification_scopes"]
    covered: dict[int, set[str]] = defaultdict(set)
    for firm_id, scopes in (
        Qualification.objects.filter(firm_id__in=ids).in_force(on).values_list("firm_id", "scopes")
    ):
        for scope in scopes or []:
            covered[firm_id].update(scope_map.get(scope, []))
    barred: dict[int, list[Refusal]] = defaultdict(list)
    for q in Qualification.objects.filter(firm_id__in=ids).barring(on):
        barred[q.firm_id].append(
            Refusal(
                "barred", f"机构已被{q.get_status_display()}（{q.status_reason or '未注明原因'}）"
            )
        )
    counties: dict[int, set[int]] = defaultdict(set)
    for firm_id, county_id in AppraisalFirm.counties.through.objects.filter(
        appraisalfirm_id__in=ids
    ).values_list("appraisalfirm_id", "county_id"):
        counties[firm_id].add(county_id)
    load = dict(
        AppraisalTask.objects.filter(firm_id__in=ids, state__in=FIRM_LOAD_STATES)
        .values("firm_id")
        .annotate(n=Count("pk"))
        .values_list("firm_id", "n")
    )
    return [
        FirmCapability(
            firm=f,
            on=on,
            structure_types=frozenset(covered[f.pk]),
            county_ids=frozenset(counties[f.pk]),
            open_tasks=load.get(f.pk, 0),
            capacity=f.capacity,
            firm_refusals=tuple(barred[f.pk]),
        )
        for f in firms
    ]


def firm_capability(firm: AppraisalFirm, on: dt.date) -> FirmCapability:
    return firm_capabilities([firm], on)[0]


# Claim loops ask for the same firm's facts many times a second; qualifications, counties and
# bars change rarely. Entries live CAPABILITY_CACHE_SECONDS and are dropped at once in this
# process when a firm or qualification is saved (institutions.signals).
_capability_cache: dict[tuple[int, dt.date], tuple[float, FirmCapability]] = {}


def cached_firm_capability(firm: AppraisalFirm, on: dt.date) -> FirmCapability:
    """firm_capability reused for a few seconds. Its open_tasks may be stale: only for callers
    that enforce capacity against the live count themselves."""
    key = (firm.pk, on)
    now = time.monotonic()
    hit = _capability_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    capability = firm_capability(firm, on)
    _capability_cache[key] = (
        now + settings.CAMPAIGN.get("capability_cache_seconds", 5),
        capability,
    )
    return capability


def forget_capabilities(firm_id: int | None = None) -> None:
    for key in [k for k in _capability_cache if firm_id is None or k[0] == firm_id]:
        _capability_cache.pop(key, None)


def eligible_firms(building: Building, on: dt.date) -> list[tuple[FirmCapability, list[Refusal]]]:
    """Every firm with its refusals for one building: eligible first, then by lighter load."""
    result = [
        (cap, cap.refusals(building)) for cap in firm_capabilities(AppraisalFirm.objects.all(), on)
    ]
    result.sort(key=lambda item: (bool(item[1]), item[0].open_tasks, item[0].firm.name))
    return result
