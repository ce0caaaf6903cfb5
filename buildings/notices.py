"""Printable documents of 双通知、一报告 and 一栋一台账, as A4 PDFs (portal.printing).

- the notice to the responsible party (整改通知书), numbered from the problem's 挂号 serial;
- the referral letter to the lead department (问题移送函), copied to the co-departments;
- the monthly per-department summary of referrals (PDF; the xlsx is in problem_exports);
- the building ledger (一栋一台账).

Dates printed on a notice are the record's own (registration, referral), so a reprint is
the same document.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from reportlab.platypus import Spacer

from buildings.problem_ledger import issuer_for
from buildings.referrals import SUMMARY_HEADERS, receipt_days
from portal.printing import PrintDocument
from reports.generator.kit import grid_table

if TYPE_CHECKING:
    from buildings.models import Building, Problem, Referral
    from buildings.problem_ledger import LedgerEntry
    from buildings.referrals import MonthlySummary


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def rectify_notice_no(problem: Problem) -> str:
    template = settings.CAMPAIGN.get(
        "rectify_notice_no", "{county}自建房整改字〔{year}〕{serial}号"
    )
    return template.format(
        county=problem.building.county.name,
        year=problem.register_year,
        serial=problem.register_serial,
    )


def rectify_notice_title(problem: Problem) -> str:
    return f"{problem.category_label}整改通知书"


def _building_facts(building: Building) -> list[tuple[str, str]]:
    place = "".join(p for p in (building.county.name, building.township, building.village) if p)
    return [
        ("房屋编号", building.building_no),
        ("所在地", place),
        ("详细地址", building.address),
        ("产权人", f"{building.owner} {building.owner_phone}".strip()),
        ("结构类型及层数", f"{building.structure_type}，{building.floors}层"),
        ("初判结论", building.initial_judgement),
        ("鉴定等级", f"{building.appraisal_grade}级" if building.appraisal_grade else "未鉴定"),
    ]


def _problem_facts(problem: Problem) -> list[tuple[str, str]]:
    return [
        ("挂号编号", problem.register_no),
        ("问题类别", problem.category_label),
        ("问题描述", problem.description),
        (
            "问题来源",
            problem.source + (f"（{problem.source_note}）" if problem.source_note else ""),
        ),
        ("发现日期", cn_date(problem.found_on)),
    ]


def rectify_notice_pdf(problem: Problem) -> bytes:
    """The notice to the responsible party: problem, requirement and deadline."""
    building = problem.building
    issuer = issuer_for(building)
    doc = PrintDocument(rectify_notice_title(problem), subtitle=issuer)
    doc.paragraph(rectify_notice_no(problem), indent=False)
    doc.paragraph(f"{problem.responsible_name}：", indent=False)
    doc.paragraph(
        f"在自建房安全专项整治工作中，经{problem.source}发现，位于{building.address}的房屋"
        f"（房屋编号：{building.building_no}）存在{problem.category_label}问题。"
        "现将有关情况通知如下，请你（单位）作为责任主体，按要求落实整改。"
    )
    doc.heading("一、房屋基本情况")
    doc.fields(_building_facts(building))
    doc.heading("二、存在问题")
    doc.fields(_problem_facts(problem))
    doc.heading("三、整改要求")
    doc.paragraph(problem.requirement)
    doc.paragraph(
        f"请于{cn_date(problem.deadline)}前整改完毕，并将整改情况书面报告{issuer}。"
        "整改完成后经现场复核合格方可销号；整改期间须落实安全管控措施，严禁人员使用或进入。"
    )
    referral = getattr(problem, "referral", None)
    if referral is not None:
        doc.paragraph(
            f"该问题已同时移送{referral.department}依法依规处理（{referral.notice_no}）。"
        )
    doc.signature(issuer, cn_date(timezone.localdate(problem.registered_at)))
    doc.paragraph("责任主体签收：__________    签收日期：__________", indent=False)
    return doc.render()


def referral_notice_pdf(referral: Referral) -> bytes:
    """The referral letter (问题移送函) to the lead department, copied to co-departments."""
    problem = referral.problem
    building = problem.building
    issuer = issuer_for(building)
    doc = PrintDocument("问题移送函", subtitle=issuer)
    doc.paragraph(referral.notice_no, indent=False)
    doc.paragraph(f"{referral.department}：", indent=False)
    doc.paragraph(
        f"在自建房安全专项整治工作中，我局发现下列房屋存在{problem.category_label}问题。"
        "根据“双通知、一报告”问题移送处置制度，现将该问题移送你单位（牵头部门）依法依规处理。"
    )
    doc.heading("一、房屋基本情况")
    doc.fields(_building_facts(building))
    doc.heading("二、移送问题")
    doc.fields(
        [
            *_problem_facts(problem),
            (
                "责任主体",
                f"{problem.responsible_name} {problem.responsible_contact}".strip(),
            ),
        ]
    )
    doc.heading("三、移送事项")
    doc.paragraph(referral.requested_action)
    doc.heading("四、办理要求")
    doc.paragraph(
        f"请于收到本函后{receipt_days()}日内签收，并于{cn_date(referral.deadline)}前"
        f"将处理结果函告我局；办理期间请定期报告进展情况。"
    )
    if referral.co_departments:
        doc.paragraph(
            f"本问题涉及多个部门，已同时通知其他责任单位：{'、'.join(referral.co_departments)}。"
        )
    doc.signature(issuer, cn_date(referral.referred_on))
    if referral.co_departments:
        doc.paragraph(f"抄送：{'、'.join(referral.co_departments)}", indent=False)
    doc.paragraph(
        "接收回执：接收单位__________  接收人__________  接收日期__________", indent=False
    )
    return doc.render()


def summary_pdf(summary: MonthlySummary) -> bytes:
    doc = PrintDocument(
        summary.title, subtitle=f"{summary.scope} · 统计截至{cn_date(summary.as_of)}"
    )
    rows = [row.cells() for row in summary.rows] + [summary.total.cells()]
    doc.table(SUMMARY_HEADERS, rows, size=9.5)
    doc.paragraph(
        "说明：按牵头部门统计。本月移送、接收、办结为移送日期、接收日期、办结日期在本月的数量；"
        f"逾期未接收为移送超过{summary.receipt_days}日仍未接收的数量，月末未办结为统计截止日"
        "已移送尚未办结的数量（均按统计截止日计）。",
        indent=False,
    )
    return doc.render()


def ledger_pdf(building: Building, entries: list[LedgerEntry]) -> bytes:
    """一栋一台账: the building's facts and everything done about it, in date order."""
    doc = PrintDocument(f"房屋整治台账（{building.building_no}）", subtitle=issuer_for(building))
    doc.fields(_building_facts(building))
    doc.heading("办理记录")
    rows = [[e.day.isoformat(), e.kind, e.text, e.who] for e in entries]
    data = [["日期", "事项", "内容", "记录人"], *(rows or [["—", "—", "暂无记录", ""]])]
    # The content column needs most of the width; PrintDocument.table shares it equally.
    widths = [doc.width * w for w in (0.15, 0.13, 0.57, 0.15)]
    doc.story.append(grid_table(data, widths, size=9))
    doc.story.append(Spacer(1, 3))
    return doc.render()
