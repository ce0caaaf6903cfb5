"""Builders shared by the problem, referral and problem-view tests."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
from django.utils import timezone

from buildings.control import rectification_save, reinspection_record
from buildings.models import Problem, Referral, Reinspection
from buildings.problem_ledger import problem_register
from buildings.referrals import problem_refer, referral_handle, referral_receive
from reports.models import AppraisalTask, Report, ReportVersion
from tests.factories import AppraisalFirmFactory, BuildingFactory, county


def today() -> dt.date:
    return timezone.localdate()


def linyi_building(**kw):
    return BuildingFactory(county=county("140821"), building_no=kw.pop("no", "140821-000001"), **kw)


def register(building, user, category="fire_safety", **kw) -> Problem:
    args = {
        "description": "疏散通道堆放杂物，未配置灭火器",
        "source": "排查",
        "found_on": today() - dt.timedelta(days=2),
        "responsible_name": "张三",
        "responsible_contact": "13800000000",
        "requirement": "清理疏散通道，配齐灭火器",
        "deadline": today() + dt.timedelta(days=30),
    }
    return problem_register(building=building, category=category, actor=user, **{**args, **kw})


def refer(problem, user, department="消防救援机构", **kw) -> Referral:
    args = {
        "referred_on": today(),
        "requested_action": "依法查处并督促整改",
        "deadline": today() + dt.timedelta(days=20),
    }
    return problem_refer(problem=problem, department=department, actor=user, **{**args, **kw})


def receive(referral, user, on=None) -> Referral:
    return referral_receive(
        referral=referral, received_on=on or referral.referred_on, receiver="刘科长", actor=user
    )


def finish(referral, user, on=None) -> Referral:
    return referral_handle(
        referral=referral,
        status="已办结",
        result="已责令整改，复查合格",
        handled_on=on or referral.received_on,
        actor=user,
    )


def rectify(building, user, progress="已整治"):
    return rectification_save(
        building=building,
        measure="维修加固",
        department="盐湖区住建局",
        responsible="王五",
        deadline=today() + dt.timedelta(days=60),
        progress=progress,
        actor=user,
    )


def reinspect(building, user) -> Reinspection:
    return reinspection_record(
        building=building, inspected_on=today(), inspector="赵六", finding="整改到位", actor=user
    )


def accepted_version(building, user, grade="D") -> ReportVersion:
    firm = AppraisalFirmFactory()
    task = AppraisalTask.objects.create(
        building=building,
        appraisal_type="鉴定",
        suggested_type="鉴定",
        deadline_class="other",
        due_date=today(),
        priority=1,
        state="approved",
        firm=firm,
    )
    report = Report.objects.create(task=task, firm=firm)
    return ReportVersion.objects.create(
        report=report,
        number=1,
        file="reports/x.pdf",
        original_name="x.pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=user,
        state="accepted",
        fields={"grade": grade, "report_no": "YC-2025-001", "recommendation": "建议拆除重建"},
    )


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)
