"""Platform rules: what only the portal knows (the ledger, the task, the firm's standing).

The pipeline's document rules (sections, grade, standards, internal consistency) travel with
the parse result; these rules compare the report's fields with the database. Each rule is a
small function returning problems in the pipeline's shape.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from institutions.eligibility import firm_capability
from reports.models import AppraisalType

if TYPE_CHECKING:
    from collections.abc import Callable

    from reports.models import ReportVersion

Problem = dict[str, Any]

BLOCKING = "blocking"
WARNING = "warning"

# Report wording of the appraisal type → the task type it fulfils.
REPORT_TYPES = {"危险性鉴定": AppraisalType.APPRAISAL, "安全评估": AppraisalType.ASSESSMENT}


def problem(
    code: str, severity: str, message: str, field: str | None = None, page: int | None = None
) -> Problem:
    return {"code": code, "severity": severity, "message": message, "field": field, "page": page}


def field_pages(version: ReportVersion) -> dict[str, int]:
    """Where the pipeline read each field (page numbers, 1-based)."""
    return version.extracted.get("field_pages") or {}


def _page(version: ReportVersion, field: str) -> int | None:
    return field_pages(version).get(field)


def _compact(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def check_building(version: ReportVersion, fields: dict[str, Any]) -> list[Problem]:
    building = version.report.task.building
    number = fields.get("building_no")
    if not number:
        return [
            problem(
                "missing_field:building_no",
                BLOCKING,
                "未识别到房屋编号，请在字段中填写封面上的房屋编号。",
                "building_no",
            )
        ]
    if _compact(number) != building.building_no:
        return [
            problem(
                "building_mismatch",
                BLOCKING,
                f"报告的房屋编号 {number} 与本任务的房屋 {building.building_no} 不一致，请确认是否上传错了报告。",
                "building_no",
                _page(version, "building_no"),
            )
        ]
    return []


def check_ledger(version: ReportVersion, fields: dict[str, Any]) -> list[Problem]:
    """Floors, structure type and address against the ledger: warnings, since either may be wrong."""
    building = version.report.task.building
    found: list[Problem] = []
    floors = fields.get("floors")
    if floors is not None and floors != building.floors:
        found.append(
            problem(
                "ledger_mismatch:floors",
                WARNING,
                f"报告层数为{floors}层，台账为{building.floors}层。如台账有误，请联系住建局复核修正。",
                "floors",
                _page(version, "floors"),
            )
        )
    structure = fields.get("structure_type")
    if structure and _compact(structure) != building.structure_type:
        found.append(
            problem(
                "ledger_mismatch:structure_type",
                WARNING,
                f"报告结构类型为“{structure}”，台账为“{building.structure_type}”。",
                "structure_type",
                _page(version, "structure_type"),
            )
        )
    address = _compact(fields.get("address"))
    if address and not address.endswith(_compact(building.address)):
        found.append(
            problem(
                "ledger_mismatch:address",
                WARNING,
                f"报告地址“{fields.get('address')}”与台账地址“{building.address}”不一致。",
                "address",
                _page(version, "address"),
            )
        )
    return found


def check_firm(version: ReportVersion, fields: dict[str, Any]) -> list[Problem]:
    report = version.report
    found: list[Problem] = []
    name = fields.get("firm")
    if name and _compact(name) != _compact(report.firm.name):
        found.append(
            problem(
                "firm_mismatch",
                BLOCKING,
                f"报告署名机构“{name}”不是本机构（{report.firm.name}）。",
                "firm",
                _page(version, "firm"),
            )
        )
    on = _date(fields.get("date"))
    if on is not None:
        refusals = firm_capability(report.firm, on).refusals(
            report.task.building, count_capacity=False
        )
        if refusals:
            reasons = "；".join(r.message for r in refusals)
            found.append(
                problem(
                    "firm_not_eligible",
                    BLOCKING,
                    f"报告日期{on:%Y-%m-%d}本机构不具备承接条件：{reasons}。",
                    "date",
                    _page(version, "date"),
                )
            )
    return found


def check_type(version: ReportVersion, fields: dict[str, Any]) -> list[Problem]:
    task = version.report.task
    kind = REPORT_TYPES.get(fields.get("appraisal_type") or "")
    if kind == AppraisalType.ASSESSMENT and task.appraisal_type == AppraisalType.APPRAISAL:
        return [
            problem(
                "type_mismatch",
                BLOCKING,
                "本任务要求安全鉴定，报告为安全评估，请提交危险性鉴定报告。",
                "appraisal_type",
                _page(version, "appraisal_type"),
            )
        ]
    return []


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


PLATFORM_RULES: list[Callable[[ReportVersion, dict[str, Any]], list[Problem]]] = [
    check_building,
    check_ledger,
    check_firm,
    check_type,
]


def platform_problems(version: ReportVersion, fields: dict[str, Any]) -> list[Problem]:
    return [p for rule in PLATFORM_RULES for p in rule(version, fields)]
