"""Referral (移送) of registered problems to departments, and the departments' report (一报告).

双通知: the responsible party and the lead department are notified (co-departments get the
letter too); the lead department's receipt and handling are recorded here. Every change is
logged as a ProblemEvent in the same transaction. Refusals are ProblemError.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from buildings.models import (
    County,
    HandlingStatus,
    Problem,
    ProblemAction,
    ProblemStatus,
    Referral,
)
from buildings.problem_ledger import ProblemError, log, not_future, required_text

if TYPE_CHECKING:
    from collections.abc import Iterable

# A referral not received within this many days of being sent counts as 逾期未接收.
RECEIPT_DAYS = 3


def receipt_days() -> int:
    return int(settings.CAMPAIGN.get("referral_receipt_days", RECEIPT_DAYS))


def departments() -> list[str]:
    return list(settings.CAMPAIGN["departments"])


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update()
        .select_related("problem__building__county")
        .get(pk=referral.pk)
    )


def _notice_no(county: County, referred_on: dt.date) -> tuple[int, int, str]:
    County.objects.select_for_update().filter(pk=county.pk).first()
    year = referred_on.year
    last = Referral.objects.filter(problem__building__county=county, notice_year=year).aggregate(
        n=Max("notice_serial")
    )["n"]
    serial = (last or 0) + 1
    template = settings.CAMPAIGN.get("referral_notice_no", "{county}自建房移字〔{year}〕{serial}号")
    return year, serial, template.format(county=county.name, year=year, serial=serial)


def problem_refer(
    *,
    problem: Problem,
    department: str,
    referred_on: dt.date,
    requested_action: str,
    deadline: dt.date,
    actor: Any,
    co_departments: Iterable[str] = (),
) -> Referral:
    """Refer a problem to its lead department (牵头部门) and notify the co-departments."""
    known = departments()
    if department not in known:
        raise ProblemError("请选择平台列出的牵头部门。")
    co = []
    for name in co_departments:
        if name not in known:
            raise ProblemError(f"“{name}”不是平台列出的部门。")
        if name != department and name not in co:
            co.append(name)
    requested_action = required_text(requested_action, "请填写移送事项（要求部门办理的内容）。")
    not_future(referred_on, "移送日期")
    if deadline < referred_on:
        raise ProblemError("办结期限不能早于移送日期。")
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update()
            .select_related("building__county")
            .get(pk=problem.pk)
        )
        if problem.is_closed:
            raise ProblemError("该问题已销号，不能移送。")
        existing = Referral.objects.filter(problem=problem).first()
        if existing is not None:
            raise ProblemError(
                f"该问题已移送{existing.department}（{existing.notice_no}），不能重复移送。"
            )
        if referred_on < problem.found_on:
            raise ProblemError("移送日期不能早于问题发现日期。")
        year, serial, notice_no = _notice_no(problem.building.county, referred_on)
        referral = Referral.objects.create(
            problem=problem,
            department=department,
            co_departments=co,
            referred_on=referred_on,
            notice_year=year,
            notice_serial=serial,
            notice_no=notice_no,
            requested_action=requested_action,
            deadline=deadline,
            referred_by=actor,
        )
        problem.status = ProblemStatus.REFERRED
        problem.save(update_fields=["status"])
        also = f"，同时通知{'、'.join(co)}" if co else ""
        log(problem, ProblemAction.REFER, actor, f"{notice_no}：移送{department}{also}")
    return referral


def referral_receive(
    *, referral: Referral, received_on: dt.date, receiver: str, actor: Any
) -> Referral:
    """Record the department's receipt (接收) of a referral."""
    receiver = required_text(receiver, "请填写接收人。")
    not_future(received_on, "接收日期")
    with transaction.atomic():
        referral = _locked(referral)
        if referral.status != HandlingStatus.PENDING:
            raise ProblemError(f"该移送已登记接收（{referral.received_on:%Y-%m-%d}）。")
        if received_on < referral.referred_on:
            raise ProblemError("接收日期不能早于移送日期。")
        referral.status = HandlingStatus.RECEIVED
        referral.received_on = received_on
        referral.receiver = receiver
        referral.updated_at = timezone.now()
        referral.save(update_fields=["status", "received_on", "receiver", "updated_at"])
        log(
            referral.problem,
            ProblemAction.RECEIVE,
            actor,
            f"{referral.department}于{received_on:%Y-%m-%d}接收，接收人：{receiver}",
        )
    return referral


def referral_handle(
    *,
    referral: Referral,
    status: str,
    result: str,
    actor: Any,
    handled_on: dt.date | None = None,
) -> Referral:
    """Record the department's handling: 处理中 (with a progress note) or 已办结 (result, date)."""
    if status not in (HandlingStatus.HANDLING, HandlingStatus.DONE):
        raise ProblemError("请选择办理状态（处理中或已办结）。")
    result = (result or "").strip()
    if status == HandlingStatus.DONE:
        result = required_text(result, "办结须填写处理结果。")
        if handled_on is None:
            raise ProblemError("办结须填写办结日期。")
        not_future(handled_on, "办结日期")
    with transaction.atomic():
        referral = _locked(referral)
        if referral.status == HandlingStatus.PENDING:
            raise ProblemError("部门尚未接收该移送，请先登记接收。")
        if referral.status == HandlingStatus.DONE:
            raise ProblemError("该移送已办结，不能再变更办理状态。")
        if status == HandlingStatus.DONE and handled_on < referral.received_on:
            raise ProblemError("办结日期不能早于接收日期。")
        referral.status = status
        if result:
            referral.handling_result = result[:1000]
        referral.handled_on = handled_on if status == HandlingStatus.DONE else None
        referral.updated_at = timezone.now()
        referral.save(update_fields=["status", "handling_result", "handled_on", "updated_at"])
        detail = (
            f"{referral.department}于{handled_on:%Y-%m-%d}办结：{result}"
            if status == HandlingStatus.DONE
            else f"{referral.department}处理中{('：' + result) if result else ''}"
        )
        log(referral.problem, ProblemAction.HANDLE, actor, detail)
    return referral


# ---------------------------------------------------------------- monthly report (一报告)


@dataclass
class SummaryRow:
    department: str
    referred: int = 0
    received: int = 0
    handled: int = 0
    overdue_receipt: int = 0
    open_at_end: int = 0

    def cells(self) -> list[object]:
        return [
            self.department,
            self.referred,
            self.received,
            self.handled,
            self.overdue_receipt,
            self.open_at_end,
        ]


SUMMARY_HEADERS = ("部门", "本月移送", "本月接收", "本月办结", "逾期未接收", "月末未办结")


@dataclass
class MonthlySummary:
    year: int
    month: int
    scope: str
    as_of: dt.date
    receipt_days: int
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月问题移送处置情况"

    @property
    def total(self) -> SummaryRow:
        total = SummaryRow("合计")
        for row in self.rows:
            total.referred += row.referred
            total.received += row.received
            total.handled += row.handled
            total.overdue_receipt += row.overdue_receipt
            total.open_at_end += row.open_at_end
        return total


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ProblemError("月份不正确。")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def monthly_summary(
    *, user: Any, year: int, month: int, county: County | None = None
) -> MonthlySummary:
    """Per lead department for one month: referred, received, handled in the month; not
    received within receipt_days and not handled, both as of the month's end (or today)."""
    start, end = month_bounds(year, month)
    as_of = min(end, timezone.localdate())
    days = receipt_days()
    qs = Referral.objects.visible_to(user)
    if county is not None:
        qs = qs.filter(problem__building__county=county)
    late = as_of - dt.timedelta(days=days)
    counts = (
        qs.values("department")
        .annotate(
            referred=Count("pk", filter=Q(referred_on__range=(start, end))),
            received=Count("pk", filter=Q(received_on__range=(start, end))),
            handled=Count("pk", filter=Q(handled_on__range=(start, end))),
            overdue_receipt=Count(
                "pk",
                filter=Q(referred_on__lt=late)
                & (Q(received_on__isnull=True) | Q(received_on__gt=as_of)),
            ),
            open_at_end=Count(
                "pk",
                filter=Q(referred_on__lte=as_of)
                & (Q(handled_on__isnull=True) | Q(handled_on__gt=as_of)),
            ),
        )
        .order_by("department")
    )
    found = {c["department"]: c for c in counts}
    names = departments() + sorted(set(found) - set(departments()))
    rows = []
    for name in names:
        c = found.get(name, {})
        rows.append(
            SummaryRow(
                name,
                c.get("referred", 0),
                c.get("received", 0),
                c.get("handled", 0),
                c.get("overdue_receipt", 0),
                c.get("open_at_end", 0),
            )
        )
    if county is not None:
        scope = county.name
    elif getattr(user, "county_id", None):
        scope = user.county.name
    else:
        scope = "全市"
    return MonthlySummary(year, month, scope, as_of, days, rows)
