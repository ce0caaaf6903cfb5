"""Demo rows for the progress dashboards: control, patrols, rectification, re-inspection.

The base demo leaves every building that requires control without a measure, so the funnel
would stop at 需管控. This walks a deterministic share of them through the real services
(buildings.control), spread over the past weeks so day/week/旬/month reports differ.

Idempotent: a building that already has a measure or a plan is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from buildings.control import (
    control_lift,
    measure_record,
    patrol_record,
    rectification_save,
    reinspection_record,
)
from buildings.models import Building, ControlKind, Rectification, RectificationProgress

if TYPE_CHECKING:
    from portal.models import User

CONTROLLED_PERCENT = 70  # of the buildings requiring control
PLANNED_PERCENT = 60  # of those, with a rectification plan
KINDS = [ControlKind.STOP_USE, ControlKind.SEAL, ControlKind.EVACUATE, ControlKind.STOP_BUSINESS]
PROGRESS = [
    RectificationProgress.PENDING,
    RectificationProgress.IN_PROGRESS,
    RectificationProgress.DONE,
    RectificationProgress.IN_PROGRESS,
    RectificationProgress.DONE,
]


def _bucket(building_no: str) -> int:
    """A stable 0–99 per building, so the same buildings are chosen on every run."""
    return int(hashlib.sha256(building_no.encode()).hexdigest()[:8], 16) % 100


def _photo(n: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    shade = 90 + (n * 37) % 120
    Image.new("RGB", (96, 72), (shade, shade - 40, 60)).save(out, "PNG")
    return SimpleUploadedFile(f"管控现场{n}.png", out.getvalue(), content_type="image/png")


@transaction.atomic
def seed_demo(*, bureau: User, today: dt.date | None = None) -> dict[str, int]:
    """Add control measures, patrols, plans, re-inspections and lifts; returns what it added."""
    today = today or timezone.localdate()
    added = {"measures": 0, "patrols": 0, "plans": 0, "completed": 0, "lifted": 0}
    candidates = list(
        Building.objects.requiring_control()
        .filter(measures__isnull=True, rectification__isnull=True)
        .select_related("county")
        .order_by("building_no")
    )
    for n, building in enumerate(candidates):
        bucket = _bucket(building.building_no)
        if bucket >= CONTROLLED_PERCENT:
            continue
        started = today - dt.timedelta(days=bucket % 28)
        measure_record(
            building=building,
            kind=KINDS[bucket % len(KINDS)],
            started_on=started,
            responsible=["村网格员 李强", "包村干部 王芳", "社区主任 赵磊"][bucket % 3],
            photos=[_photo(n)],
            actor=bureau,
        )
        added["measures"] += 1
        if bucket % 3 == 0:
            patrol_record(
                building=building,
                patrolled_on=min(started + dt.timedelta(days=3), today),
                inspector="网格员 周敏",
                finding="封房到位，警示标志完好，无人员回流。",
                photos=[],
                actor=bureau,
            )
            added["patrols"] += 1
        if bucket * 100 // CONTROLLED_PERCENT >= PLANNED_PERCENT:
            continue
        progress = PROGRESS[bucket % len(PROGRESS)]
        plan = rectification_save(
            building=building,
            measure="维修加固" if bucket % 4 else "拆除重建",
            department=f"{building.county.name}住房和城乡建设局",
            responsible=building.owner or "产权人",
            deadline=today + dt.timedelta(days=60 + bucket),
            progress=progress,
            actor=bureau,
        )
        added["plans"] += 1
        if progress != RectificationProgress.DONE:
            continue
        # Completions spread over the days since the measure started, not all "now".
        done_day = started + dt.timedelta(days=(today - started).days // 2)
        done_at = timezone.make_aware(dt.datetime.combine(done_day, dt.time(16, 30)))
        Rectification.objects.filter(pk=plan.pk).update(completed_at=done_at)
        added["completed"] += 1
        if bucket % 2 == 0:
            reinspection_record(
                building=building,
                inspected_on=today,
                inspector="市住建局 复核组",
                finding="加固完成，经现场复核符合安全使用要求。",
                actor=bureau,
            )
            control_lift(building=building, actor=bureau)
            added["lifted"] += 1
    return added
