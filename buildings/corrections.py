"""Re-survey (复核): marking buildings for re-check and recording confirmed corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from buildings.models import Building, BuildingCorrection
from reports.queue import QUEUE_FIELDS, requeue_building

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.core.files import File

    from portal.models import User


def display_value(building: Building, field: str) -> str:
    value = getattr(building, field)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


@transaction.atomic
def correction_record(
    *,
    building: Building,
    field: str,
    new_value: Any,
    confirmed_by: str,
    confirmer_kind: str,
    evidence: File,
    actor: User,
    reason: str = "",
    recheck_done: bool = True,
) -> BuildingCorrection:
    """Change one ledger field on a professional's confirmation, keeping the old value."""
    if field not in BuildingCorrection.CORRECTABLE_FIELDS:
        raise ValidationError("该字段不能通过复核修正。")
    model_field = Building._meta.get_field(field)
    value = model_field.clean(new_value, building)
    building = Building.objects.select_for_update().get(pk=building.pk)
    old = display_value(building, field)
    setattr(building, field, value)
    new = display_value(building, field)
    if old == new:
        raise ValidationError("新值与原值相同，无需修正。")
    if recheck_done:
        building.needs_recheck = False
    building.save()
    correction = BuildingCorrection.objects.create(
        building=building,
        field=field,
        old_value=old,
        new_value=new,
        confirmed_by=confirmed_by,
        confirmer_kind=confirmer_kind,
        evidence=evidence,
        reason=reason,
        recorded_by=actor,
    )
    if field in QUEUE_FIELDS:
        requeue_building(building)
    return correction


def buildings_mark_recheck(*, buildings: Iterable[Building], reason: str) -> int:
    if not reason.strip():
        raise ValidationError("标记复核须填写原因。")
    ids = [b.pk for b in buildings]
    return Building.objects.filter(pk__in=ids).update(
        needs_recheck=True, recheck_reason=reason.strip()[:200]
    )
