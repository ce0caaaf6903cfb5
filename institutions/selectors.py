"""Read paths for firms, qualifications and engineers.

Every read that depends on who is asking starts from a `visible_to(user)` queryset; the
public registry starts from `publicly_listed(on)`. Each function returns a queryset whose
query count does not grow with the number of firms (annotations and prefetches, no loops).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from institutions.models import AppraisalFirm, AppraisalFirmQuerySet, Engineer, Qualification

if TYPE_CHECKING:
    from portal.models import User


def _count_per_firm(qs: QuerySet) -> Coalesce:
    """A correlated COUNT of `qs` rows for the outer firm (0 when none).

    A subquery per figure instead of Count() over joins, so that several counts on one row
    do not multiply each other.
    """
    counted = (
        qs.filter(firm=OuterRef("pk"))
        .order_by()
        .values("firm")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def search_firms(qs: AppraisalFirmQuerySet, search: str) -> AppraisalFirmQuerySet:
    """Filter by part of the firm's name or of its credit code."""
    search = (search or "").strip()
    if not search:
        return qs
    return qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))


def firms_for_management(user: User, on: dt.date, search: str = "") -> AppraisalFirmQuerySet:
    """The bureau's firm list: each firm with its qualification summary and open-task load.

    Annotations: `in_force_count`, `is_barred`, `nearest_expiry` (earliest `valid_to` among
    qualifications in force on `on`, or None) and `open_tasks` (tasks in FIRM_LOAD_STATES).
    Counties served are prefetched.
    """
    from reports.models import FIRM_LOAD_STATES, AppraisalTask

    in_force = Qualification.objects.in_force(on)
    nearest = in_force.filter(firm=OuterRef("pk")).order_by("valid_to").values("valid_to")[:1]
    qs = (
        AppraisalFirm.objects.visible_to(user)
        .annotate(
            in_force_count=_count_per_firm(in_force),
            is_barred=Exists(Qualification.objects.barring(on).filter(firm=OuterRef("pk"))),
            nearest_expiry=Subquery(nearest),
            open_tasks=_count_per_firm(AppraisalTask.objects.filter(state__in=FIRM_LOAD_STATES)),
        )
        .prefetch_related("counties")
        .order_by("name")
    )
    return search_firms(qs, search)


def registry_firms(on: dt.date, search: str = "") -> AppraisalFirmQuerySet:
    """The public registry (公示名录): listed firms with their in-force qualifications.

    Each firm carries `listed_qualifications` (in force on `on`) and its counties, prefetched.
    """
    qs = (
        AppraisalFirm.objects.publicly_listed(on)
        .prefetch_related(
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.in_force(on).order_by("kind", "valid_to"),
                to_attr="listed_qualifications",
            ),
            "counties",
        )
        .order_by("name")
    )
    return search_firms(qs, search)


def expiring_qualifications(user: User, on: dt.date) -> QuerySet[Qualification]:
    """Qualifications in force on `on` that expire within the campaign's warning window.

    Scoped by `visible_to(user)`: bureau staff and admins see every firm's, a firm member
    only its own firm's. Soonest expiry first; the firm is selected along.
    """
    days = settings.CAMPAIGN["qualification_expiry_warning_days"]
    return (
        Qualification.objects.visible_to(user)
        .expiring(on, days)
        .select_related("firm")
        .order_by("valid_to", "firm__name", "kind")
    )


def engineers_visible_to(user: User) -> QuerySet[Engineer]:
    """Engineers of the firms a user may read."""
    return Engineer.objects.filter(firm__in=AppraisalFirm.objects.visible_to(user))
