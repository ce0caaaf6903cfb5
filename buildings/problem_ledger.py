"""Registered problems (挂号) and their closing (销号): the problem list of 两清单一台账.

Every change is written together with a ProblemEvent naming who did it and when. A refusal is
a ProblemError whose message is shown to bureau staff as is.

Rules:
- A category is one of settings.CAMPAIGN["problem_categories"]; the code is stored.
- One open problem per building and category (挂号制); closing frees the slot.
- Whether a problem may be closed is decided by close_refusal only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from buildings.models import (
    Building,
    County,
    Problem,
    ProblemAction,
    ProblemEvent,
    ProblemSource,
    ProblemStatus,
    Rectification,
    RectificationProgress,
)

if TYPE_CHECKING:
    from reports.models import ReportVersion

# The category code whose closing also needs the building's rectification 已整治.
HOUSE_SAFETY = "house_safety"
REPORT_GRADES = ("C", "D")
# Defaults for problems registered from an accepted C/D report; CAMPAIGN may override.
REPORT_DEADLINE_DAYS = 90
REPORT_REQUIREMENTS = {
    "C": "立即停止使用或采取局部排险措施，按鉴定处理意见维修加固，整治完成后申请复核。",
    "D": "立即停止使用、撤离人员、封闭处置，按鉴定处理意见拆除或整体加固，整治完成后申请复核。",
}


class ProblemError(Exception):
    """A problem or referral action refused; the message is for bureau staff."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


def categories() -> list[dict[str, str]]:
    return list(settings.CAMPAIGN["problem_categories"])


def category_choices() -> list[tuple[str, str]]:
    return [(c["code"], c["label"]) for c in categories()]


def default_department(code: str) -> str:
    return next((c.get("department", "") for c in categories() if c["code"] == code), "")


def issuer_for(building: Building) -> str:
    """The bureau that issues a building's notices: the county's, by territorial duty (属地)."""
    template = settings.CAMPAIGN.get("notice_issuer", "{county}住房和城乡建设局")
    return template.format(county=building.county.name)


def required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ProblemError(message)
    return value


def not_future(day: dt.date, label: str) -> None:
    if day > timezone.localdate():
        raise ProblemError(f"{label}不能晚于今天。")


def log(problem: Problem, action: str, actor: Any, detail: str = "") -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem, action=action, actor=actor, detail=detail[:1000]
    )


def _next_serial(county: County, year: int) -> int:
    # Locking the county row serialises numbering within it (SQLite serialises writes anyway).
    County.objects.select_for_update().filter(pk=county.pk).first()
    last = Problem.objects.filter(building__county=county, register_year=year).aggregate(
        n=Max("register_serial")
    )["n"]
    return (last or 0) + 1


def _open_duplicate(building: Building, category: str) -> Problem | None:
    return Problem.objects.open().filter(building=building, category=category).first()


def problem_register(
    *,
    building: Building,
    category: str,
    description: str,
    source: str,
    found_on: dt.date,
    responsible_name: str,
    requirement: str,
    deadline: dt.date,
    actor: Any,
    responsible_contact: str = "",
    source_note: str = "",
) -> Problem:
    """Register (挂号) a problem of a building; one open problem per building and category."""
    if category not in dict(category_choices()):
        raise ProblemError("请选择平台列出的问题类别。")
    if source not in ProblemSource.values:
        raise ProblemError("请选择问题来源。")
    description = required_text(description, "请填写问题描述。")
    responsible_name = required_text(responsible_name, "请填写责任主体。")
    requirement = required_text(requirement, "请填写整改要求。")
    not_future(found_on, "发现日期")
    if deadline < found_on:
        raise ProblemError("整改期限不能早于发现日期。")
    now = timezone.now()
    try:
        with transaction.atomic():
            year = timezone.localdate(now).year
            serial = _next_serial(building.county, year)
            duplicate = _open_duplicate(building, category)
            if duplicate is not None:
                raise ProblemError(
                    f"该房屋已有未销号的“{duplicate.category_label}”问题（挂号编号 "
                    f"{duplicate.register_no}），请在原问题上办理。"
                )
            problem = Problem.objects.create(
                building=building,
                category=category,
                description=description,
                source=source,
                source_note=(source_note or "").strip()[:200],
                found_on=found_on,
                register_year=year,
                register_serial=serial,
                register_no=f"{building.county.code}-{year}-{serial:04d}",
                registered_by=actor,
                registered_at=now,
                responsible_name=responsible_name,
                responsible_contact=(responsible_contact or "").strip(),
                requirement=requirement,
                deadline=deadline,
            )
            log(problem, ProblemAction.REGISTER, actor, f"{problem.category_label}：{description}")
    except IntegrityError as e:
        # A concurrent registration of the same building and category won the race.
        raise ProblemError("该房屋同类问题刚刚已被挂号，请刷新后查看。") from e
    return problem


def register_from_report(version: ReportVersion, actor: Any) -> Problem | None:
    """Register the 房屋安全隐患 problem of an accepted C or D report; idempotent.

    Returns the building's open house-safety problem (new or existing), or None when the
    grade needs no registration or the campaign has no house-safety category.
    """
    grade = str((version.fields or {}).get("grade") or "").strip().upper()[:1]
    if grade not in REPORT_GRADES or HOUSE_SAFETY not in dict(category_choices()):
        return None
    building = Building.objects.select_related("county").get(pk=version.report.task.building_id)
    existing = _open_duplicate(building, HOUSE_SAFETY)
    if existing is not None:
        return existing
    fields = version.fields or {}
    description = f"经安全鉴定，房屋安全性等级为{grade}级。"
    if fields.get("recommendation"):
        description += f"处理意见：{str(fields['recommendation'])[:300]}"
    today = timezone.localdate()
    days = settings.CAMPAIGN.get("report_problem_deadline_days", REPORT_DEADLINE_DAYS)
    report_no = fields.get("report_no") or ""
    try:
        return problem_register(
            building=building,
            category=HOUSE_SAFETY,
            description=description[:500],
            source=ProblemSource.APPRAISAL,
            source_note=f"鉴定报告{report_no}（第{version.number}版）审核通过",
            found_on=today,
            responsible_name=building.owner or "产权人",
            responsible_contact=building.owner_phone,
            requirement=REPORT_REQUIREMENTS[grade],
            deadline=today + dt.timedelta(days=days),
            actor=actor,
        )
    except ProblemError:
        # Lost a race to another registration: that one is the building's open problem.
        return _open_duplicate(building, HOUSE_SAFETY)


def close_refusal(problem: Problem) -> str | None:
    """Why the problem cannot be closed (销号) now, or None when it can: THE rule.

    Referred problems need the department's handling 已办结; 房屋安全隐患 problems need the
    building's rectification 已整治; every problem needs a re-inspection (复核) recorded after
    its registration (for 房屋安全隐患, after the rectification was completed as well).
    """
    if problem.is_closed:
        return "该问题已销号。"
    referral = getattr(problem, "referral", None)
    if referral is not None and not referral.is_done:
        return f"不能销号：移送{referral.department}的问题尚未办结（当前：{referral.status}）。"
    since = problem.registered_at
    if problem.category == HOUSE_SAFETY:
        plan = Rectification.objects.filter(building_id=problem.building_id).first()
        if plan is None:
            return "不能销号：房屋安全隐患尚未制定整治方案。"
        if plan.progress != RectificationProgress.DONE:
            return f"不能销号：房屋整治尚未完成（当前进度：{plan.progress}）。"
        since = max(since, plan.completed_at or since)
        missing = "不能销号：整治完成后尚未录入复核记录。"
    else:
        missing = "不能销号：挂号后尚未录入复核记录。"
    building = Building(pk=problem.building_id)
    if not building.reinspections.filter(recorded_at__gte=since).exists():
        return missing
    return None


def problem_close(
    *, problem: Problem, actor: Any, closed_on: dt.date | None = None, note: str = ""
) -> Problem:
    """Close (销号) a problem once close_refusal allows it."""
    closed_on = closed_on or timezone.localdate()
    not_future(closed_on, "销号日期")
    with transaction.atomic():
        problem = Problem.objects.select_for_update().select_related("building").get(pk=problem.pk)
        reason = close_refusal(problem)
        if reason:
            raise ProblemError(reason)
        if closed_on < timezone.localdate(problem.registered_at):
            raise ProblemError("销号日期不能早于挂号日期。")
        problem.status = ProblemStatus.CLOSED
        problem.closed_on = closed_on
        problem.closed_by = actor
        problem.closed_at = timezone.now()
        problem.closing_note = (note or "").strip()[:500]
        problem.save(
            update_fields=["status", "closed_on", "closed_by", "closed_at", "closing_note"]
        )
        log(problem, ProblemAction.CLOSE, actor, problem.closing_note or "复核后销号")
    return problem


# ---------------------------------------------------------------- 一栋一台账


@dataclass(frozen=True)
class LedgerEntry:
    day: dt.date
    kind: str
    text: str
    who: str = ""
    # When it was recorded: orders entries of the same day (None sorts last).
    at: dt.datetime | None = None


def _who(user: Any) -> str:
    return str(user) if user else ""


def building_timeline(building: Building) -> list[LedgerEntry]:
    """Everything recorded about a building's appraisal, problems, control, rectification and
    re-inspection, by the dates things happened (the recording time breaks ties)."""
    from reports.models import Report

    entries: list[LedgerEntry] = []

    def add(
        day: dt.date | dt.datetime | None,
        kind: str,
        text: str,
        who: Any = "",
        at: dt.datetime | None = None,
    ) -> None:
        if day is None:
            return
        if isinstance(day, dt.datetime):
            at = at or day
            day = timezone.localdate(day)
        entries.append(LedgerEntry(day, kind, text, _who(who), at))

    reports = (
        Report.objects.filter(task__building=building, accepted_at__isnull=False)
        .select_related("firm", "current_version")
        .order_by("accepted_at")
    )
    for report in reports:
        version = report.current_version
        grade = (version.fields or {}).get("grade", "") if version else ""
        add(
            report.accepted_at,
            "鉴定",
            f"{report.firm.name}鉴定报告审核通过，鉴定等级：{grade or '—'}级",
        )
    problems = (
        building.problems.select_related("registered_by", "closed_by", "referral__referred_by")
        .prefetch_related("events__actor")
        .order_by("registered_at", "pk")
    )
    for p in problems:
        last = {e.action: e for e in p.events.all()}
        add(
            p.registered_at,
            "挂号",
            f"{p.register_no} {p.category_label}：{p.description}（{p.source}，"
            f"{p.found_on:%Y-%m-%d}发现；责任主体：{p.responsible_name}；整改期限："
            f"{p.deadline:%Y-%m-%d}）",
            p.registered_by,
        )
        r = getattr(p, "referral", None)
        if r is not None:
            co = f"，同时通知{'、'.join(r.co_departments)}" if r.co_departments else ""
            add(r.referred_on, "移送", f"{p.register_no} {r.notice_no} 移送{r.department}{co}",
                r.referred_by, r.referred_at)  # fmt: skip
            received = last.get(ProblemAction.RECEIVE)
            add(r.received_on, "接收", f"{p.register_no} {r.department}接收（接收人：{r.receiver}）",
                received and received.actor, received and received.at)  # fmt: skip
            handled = last.get(ProblemAction.HANDLE)
            add(r.handled_on, "办结", f"{p.register_no} {r.department}办结：{r.handling_result}",
                handled and handled.actor, handled and handled.at)  # fmt: skip
        note = f"：{p.closing_note}" if p.closing_note else ""
        add(p.closed_on, "销号", f"{p.register_no} 销号{note}", p.closed_by, p.closed_at)
    for m in building.measures.select_related("recorded_by", "lifted_by"):
        detail = f"：{m.detail}" if m.detail else ""
        add(m.started_on, "管控", f"{m.kind}{detail}（责任人：{m.responsible}）", m.recorded_by,
            m.recorded_at)  # fmt: skip
        add(m.ended_on, "解除管控", m.kind, m.lifted_by, m.lifted_at)
    for patrol in building.patrols.select_related("recorded_by"):
        add(patrol.patrolled_on, "巡查", f"{patrol.inspector}：{patrol.finding}",
            patrol.recorded_by, patrol.recorded_at)  # fmt: skip
    plan = (
        Rectification.objects.filter(building=building)
        .select_related("created_by", "updated_by")
        .first()
    )
    if plan is not None:
        action = f"；违法建设查处：{plan.illegal_action}" if plan.illegal_action else ""
        add(
            plan.created_at,
            "整治方案",
            f"{plan.measure}{action}（责任部门：{plan.department}；责任人：{plan.responsible}；"
            f"期限：{plan.deadline:%Y-%m-%d}；当前进度：{plan.progress}）",
            plan.created_by,
        )
        add(plan.completed_at, "整治完成", f"{plan.measure}已整治", plan.updated_by)
    for r in building.reinspections.select_related("recorded_by"):
        add(r.inspected_on, "复核", f"{r.inspector}：{r.finding}", r.recorded_by, r.recorded_at)
    # Stable sort: same-day entries without a recording time keep their relative order, last.
    return sorted(entries, key=lambda e: (e.day, e.at is None, e.at.timestamp() if e.at else 0))
