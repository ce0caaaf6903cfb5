"""Accepted reports built directly in the database (no PDF): fields and extracted sections."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from buildings.models import County
from reports.models import AppraisalTask, Report, ReportPhoto, ReportVersion
from tests.factories import AppraisalFirmFactory, BuildingFactory, FirmMemberFactory

_serial = itertools.count(1)

STANDARDS = ["JGJ 125-2016", "GB 50292-2015", "GB/T 50344-2019", "GB 55021-2021"]


def make_report(
    *,
    firm=None,
    building=None,
    county: str = "140802",
    grade: str = "B",
    state: str = "accepted",
    structure_type: str = "砖混结构",
    floors: int = 2,
    year_built: int | None = 1998,
    business_use: str = "",
    conclusion: str = "",
    recommendation: str = "适当维修后使用",
    inspection: str = "主要承重构件未见明显损伤。",
    captions: tuple[str, ...] = (),
    standards: list[str] | None = None,
    date: dt.date = dt.date(2023, 5, 10),
    appraisal_type: str = "危险性鉴定",
    extracted: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> ReportVersion:
    n = next(_serial)
    firm = firm or AppraisalFirmFactory()
    if building is None:
        building = BuildingFactory(
            building_no=f"{county}-9{n:05d}",
            county=County.objects.get(code=county),
            structure_type=structure_type,
            floors=floors,
            year_built=year_built,
            is_business=bool(business_use),
            business_use=business_use,
        )
    uploader = firm.members.first() if hasattr(firm, "members") else None
    uploader = uploader or FirmMemberFactory(firm=firm)
    task = AppraisalTask.objects.create(
        building=building,
        appraisal_type="鉴定",
        suggested_type="鉴定",
        deadline_class="other",
        due_date=dt.date(2026, 12, 31),
        priority=1,
        state="approved" if state == "accepted" else "submitted",
        firm=firm,
    )
    report = Report.objects.create(task=task, firm=firm)
    report_fields = {
        "report_no": f"TEST-JD-{n:05d}",
        "appraisal_type": appraisal_type,
        "firm": firm.name,
        "address": building.address,
        "county": building.county.name,
        "owner": building.owner,
        "date": date.isoformat(),
        "building_no": building.building_no,
        "structure_type": structure_type,
        "floors": floors,
        "grade": grade,
        "load_system": "纵横墙混合承重",
        "seismic": {"intensity": "8度", "conclusion": "局部不满足"},
        "recommendation": recommendation,
        "standards": standards if standards is not None else list(STANDARDS),
        **(fields or {}),
    }
    sections = [
        {
            "key": "overview",
            "text": f"{building.address}，{floors}层{structure_type}，建于{year_built}年。",
        },
        {"key": "inspection", "text": inspection},
        {"key": "conclusion", "text": conclusion or f"综合评定该房屋危险性等级为{grade}级。"},
        {"key": "recommendation", "text": recommendation},
    ]
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        file=f"reports/test/{n}.pdf",
        original_name=f"{n}.pdf",
        size=1000,
        sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        uploaded_by=uploader,
        state=state,
        fields=report_fields,
        extracted=extracted if extracted is not None else {"sections": sections},
    )
    for i, caption in enumerate(captions):
        ReportPhoto.objects.create(
            version=version,
            original=f"p/{n}-{i}.jpg",
            image=f"p/{n}-{i}-m.jpg",
            thumbnail=f"p/{n}-{i}-t.jpg",
            original_name=f"{i}.jpg",
            sha256=hashlib.sha256(f"{n}-{i}".encode()).hexdigest(),
            width=100,
            height=100,
            caption=caption,
        )
    report.current_version = version
    report.save(update_fields=["current_version"])
    return version
