"""Control (管控) and rectification (整治) of unsafe buildings.

Every change is a row that names who recorded it and when. A refusal is a ControlError whose
message is shown to bureau staff as is.

Rules:
- Which buildings require control is decided by BuildingQuerySet.requiring_control only.
- Control is lifted only after the rectification is 已整治 and a re-inspection (复核) was
  recorded after that completion; lifting ends every active measure and clears
  Building.control_required.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from buildings.models import (
    Building,
    ControlKind,
    ControlMeasure,
    IllegalBuildingAction,
    Patrol,
    Rectification,
    RectificationMeasure,
    RectificationProgress,
    Reinspection,
)
from reports.uploads import UploadRejected, process_photo

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.core.files.uploadedfile import UploadedFile

    from buildings.models import BuildingQuerySet

MAX_PHOTOS = 10


class ControlError(Exception):
    """A control/rectification action refused; the message is for bureau staff."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


def uncontrolled(qs: BuildingQuerySet) -> BuildingQuerySet:
    """Buildings of qs that require control and have no active measure (需管控未落实)."""
    active = ControlMeasure.objects.filter(building=OuterRef("pk"), ended_on__isnull=True)
    return qs.requiring_control().exclude(Exists(active))


def _locked(building: Building) -> Building:
    return Building.objects.select_for_update().get(pk=building.pk)


def _not_future(day: dt.date, label: str) -> None:
    if day > timezone.localdate():
        raise ControlError(f"{label}不能晚于今天。")


def _required(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ControlError(message)
    return value


def _photos(files: Iterable[UploadedFile], building: Building) -> list[dict[str, str]]:
    files = list(files)
    if len(files) > MAX_PHOTOS:
        raise ControlError(f"照片最多{MAX_PHOTOS}张。")
    stored = []
    for f in files:
        try:
            p = process_photo(f, folder=f"control/{building.pk}")
        except UploadRejected as e:
            raise ControlError(str(e)) from e
        stored.append({"image": p.image_key, "thumb": p.thumbnail_key, "name": p.name})
    return stored


def measure_record(
    *,
    building: Building,
    kind: str,
    started_on: dt.date,
    responsible: str,
    photos: Iterable[UploadedFile],
    actor: Any,
    detail: str = "",
) -> ControlMeasure:
    """Record one control measure in force from started_on; at least one photo is required."""
    if kind not in ControlKind.values:
        raise ControlError("请选择平台列出的管控措施。")
    detail = (detail or "").strip()
    if kind == ControlKind.OTHER and not detail:
        raise ControlError("选择“其他”管控措施时须填写措施说明。")
    responsible = _required(responsible, "请填写管控责任人。")
    _not_future(started_on, "管控起始日")
    photos = list(photos)
    if not photos:
        raise ControlError("请上传至少一张管控现场照片。")
    if not Building.objects.requiring_control().filter(pk=building.pk).exists():
        raise ControlError("该房屋未列入管控范围（无C、D级鉴定结论或严重安全隐患初判），无需管控。")
    stored = _photos(photos, building)
    return ControlMeasure.objects.create(
        building=building,
        kind=kind,
        detail=detail,
        started_on=started_on,
        responsible=responsible,
        photos=stored,
        recorded_by=actor,
    )


def patrol_record(
    *,
    building: Building,
    patrolled_on: dt.date,
    inspector: str,
    finding: str,
    photos: Iterable[UploadedFile],
    actor: Any,
) -> Patrol:
    """Record a patrol against people moving back in (人员回流)."""
    inspector = _required(inspector, "请填写巡查人。")
    finding = _required(finding, "请填写巡查情况。")
    _not_future(patrolled_on, "巡查日期")
    return Patrol.objects.create(
        building=building,
        patrolled_on=patrolled_on,
        inspector=inspector,
        finding=finding,
        photos=_photos(photos, building),
        recorded_by=actor,
    )


def rectification_save(
    *,
    building: Building,
    measure: str,
    department: str,
    responsible: str,
    deadline: dt.date,
    progress: str,
    actor: Any,
    illegal_action: str = "",
    detail: str = "",
) -> Rectification:
    """Create or update the building's rectification plan; 已整治 stamps the completion time."""
    if measure not in RectificationMeasure.values:
        raise ControlError("请选择整治措施。")
    if illegal_action and illegal_action not in IllegalBuildingAction.values:
        raise ControlError("请选择平台列出的违法建设查处方式。")
    if progress not in RectificationProgress.values:
        raise ControlError("请选择整治进度。")
    detail = (detail or "").strip()
    if (measure == RectificationMeasure.OTHER or illegal_action == "其他") and not detail:
        raise ControlError("选择“其他”时须填写措施说明。")
    department = _required(department, "请填写责任部门。")
    responsible = _required(responsible, "请填写责任人。")
    now = timezone.now()
    with transaction.atomic():
        _locked(building)
        plan = Rectification.objects.filter(building=building).first()
        if plan is None:
            plan = Rectification(building=building, created_by=actor, created_at=now)
        was_done = plan.progress == RectificationProgress.DONE and plan.pk is not None
        plan.measure = measure
        plan.illegal_action = illegal_action
        plan.detail = detail
        plan.department = department
        plan.responsible = responsible
        plan.deadline = deadline
        plan.progress = progress
        plan.updated_by = actor
        plan.updated_at = now
        if progress == RectificationProgress.DONE:
            if not was_done:
                plan.completed_at = now
        else:
            plan.completed_at = None
        plan.save()
    return plan


def reinspection_record(
    *, building: Building, inspected_on: dt.date, inspector: str, finding: str, actor: Any
) -> Reinspection:
    """Record a re-inspection (复核); only after the rectification is 已整治."""
    inspector = _required(inspector, "请填写复核人。")
    finding = _required(finding, "请填写复核意见。")
    _not_future(inspected_on, "复核日期")
    plan = Rectification.objects.filter(building=building).first()
    if plan is None or plan.progress != RectificationProgress.DONE:
        raise ControlError("整治尚未完成（进度须为“已整治”），不能录入复核。")
    if inspected_on < timezone.localdate(plan.completed_at):
        raise ControlError("复核日期不能早于整治完成日期。")
    return Reinspection.objects.create(
        building=building,
        inspected_on=inspected_on,
        inspector=inspector,
        finding=finding,
        recorded_by=actor,
    )


def lift_refusal(building: Building) -> str | None:
    """Why control cannot be lifted now, or None when it can."""
    active = building.measures.filter(ended_on__isnull=True)
    if not active.exists():
        return "该房屋没有在控的管控措施，无需解除。"
    plan = Rectification.objects.filter(building=building).first()
    if plan is None:
        return "不能解除管控：尚未制定整治方案。"
    if plan.progress != RectificationProgress.DONE:
        return f"不能解除管控：整治尚未完成（当前进度：{plan.progress}）。"
    if not building.reinspections.filter(recorded_at__gte=plan.completed_at).exists():
        return "不能解除管控：整治完成后尚未录入复核记录。"
    return None


def control_lift(*, building: Building, actor: Any) -> int:
    """End every active measure and clear control_required; returns the measures ended."""
    with transaction.atomic():
        building = _locked(building)
        reason = lift_refusal(building)
        if reason:
            raise ControlError(reason)
        now = timezone.now()
        ended = building.measures.filter(ended_on__isnull=True).update(
            ended_on=timezone.localdate(now), lifted_by=actor, lifted_at=now
        )
        building.control_required = False
        building.save(update_fields=["control_required", "updated_at"])
    return ended
