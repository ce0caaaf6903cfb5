"""xlsx files of the problem list, the rectification list and the monthly referral summary.

Text cells are always written as strings (an entry starting with “=” stays text, never a
formula); counts are numbers so the bureau can sum them.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from buildings.problem_lists import rectification_is_overdue
from buildings.referrals import SUMMARY_HEADERS
from portal.xlsx import append_row

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from buildings.models import Problem, Rectification
    from buildings.referrals import MonthlySummary

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PROBLEM_HEADERS = (
    "挂号编号",
    "房屋编号",
    "县区",
    "乡镇（街道）",
    "村（社区）",
    "详细地址",
    "问题类别",
    "问题描述",
    "问题来源",
    "发现日期",
    "责任主体",
    "联系方式",
    "整改要求",
    "整改期限",
    "状态",
    "牵头部门",
    "其他责任单位",
    "移送函编号",
    "移送日期",
    "办理状态",
    "接收日期",
    "办结日期",
    "处理结果",
    "销号日期",
)
RECTIFICATION_HEADERS = (
    "房屋编号",
    "县区",
    "详细地址",
    "产权人",
    "鉴定等级",
    "整治措施",
    "违法建设查处",
    "措施说明",
    "责任部门",
    "责任人",
    "整治期限",
    "整治进度",
    "完成时间",
    "是否逾期",
)


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    append_row(sheet, headers)
    for row in rows:
        append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def problem_rows(problems: Iterable[Problem]) -> Iterable[list[Any]]:
    for p in problems:
        b = p.building
        r = getattr(p, "referral", None)
        yield [
            p.register_no,
            b.building_no,
            b.county.name,
            b.township,
            b.village,
            b.address,
            p.category_label,
            p.description,
            p.source,
            _day(p.found_on),
            p.responsible_name,
            p.responsible_contact,
            p.requirement,
            _day(p.deadline),
            p.status,
            r.department if r else "",
            "、".join(r.co_departments) if r else "",
            r.notice_no if r else "",
            _day(r.referred_on) if r else "",
            r.status if r else "",
            _day(r.received_on) if r else "",
            _day(r.handled_on) if r else "",
            r.handling_result if r else "",
            _day(p.closed_on),
        ]


def problems_xlsx(problems: Iterable[Problem]) -> bytes:
    return workbook("问题清单", PROBLEM_HEADERS, problem_rows(problems))


def rectification_rows(plans: Iterable[Rectification]) -> Iterable[list[Any]]:
    from django.utils import timezone

    for plan in plans:
        b = plan.building
        yield [
            b.building_no,
            b.county.name,
            b.address,
            b.owner,
            b.appraisal_grade,
            plan.measure,
            plan.illegal_action,
            plan.detail,
            plan.department,
            plan.responsible,
            _day(plan.deadline),
            plan.progress,
            timezone.localtime(plan.completed_at).strftime("%Y-%m-%d %H:%M")
            if plan.completed_at
            else "",
            "是" if rectification_is_overdue(plan) else "否",
        ]


def rectifications_xlsx(plans: Iterable[Rectification]) -> bytes:
    return workbook("整治清单", RECTIFICATION_HEADERS, rectification_rows(plans))


def summary_xlsx(summary: MonthlySummary) -> bytes:
    rows = [row.cells() for row in summary.rows] + [summary.total.cells()]
    return workbook(f"{summary.year}年{summary.month}月", SUMMARY_HEADERS, rows)
