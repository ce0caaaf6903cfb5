"""The truth JSON a generated report should parse to (same keys and rules as samples/truth/*.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.generator.spec import ReportSpec
from reports.generator.standards import normalise_code

VALID_GRADES = ("A", "B", "C", "D")

# The order problems are listed in: the README's order of problem codes.
PROBLEM_ORDER = (
    "missing_section:seismic",
    "missing_section:recommendation",
    "missing_section:grade",
    "invalid_grade",
    "grade_recommendation_conflict",
    "inconsistent_floors",
    "needs_ocr",
)


def grade_recommendation_conflict(grade: str | None, recommendation: str | None) -> bool:
    """README rule: C or D must not say 可正常使用; D implies 停止使用 or 拆除."""
    if grade not in {"C", "D"} or not recommendation:
        return False
    if "可正常使用" in recommendation:
        return True
    return grade == "D" and "停止使用" not in recommendation and "拆除" not in recommendation


def spec_problems(spec: ReportSpec, *, scanned: bool = False) -> list[str]:
    found = set()
    if spec.seismic_intensity is None:
        found.add("missing_section:seismic")
    if spec.recommendation is None:
        found.add("missing_section:recommendation")
    if spec.grade is None:
        found.add("missing_section:grade")
    elif spec.grade not in VALID_GRADES:
        found.add("invalid_grade")
    elif grade_recommendation_conflict(spec.grade, spec.recommendation):
        found.add("grade_recommendation_conflict")
    if (
        spec.floors_in_structure_section is not None
        and spec.floors_in_structure_section != spec.floors
    ):
        found.add("inconsistent_floors")
    if scanned:
        found.add("needs_ocr")
    return [p for p in PROBLEM_ORDER if p in found]


def expected_contract(spec: ReportSpec, file: str, *, layout: str | None = None) -> dict[str, Any]:
    """The truth dict for a report rendered from `spec` and saved as `file`.

    `needs_ocr` is added when `layout == "scanned"`; without `layout`, a file name whose stem
    starts with ``scanned`` (as render_corpus names them) counts as scanned. Outdated standards are
    not computed here.
    """
    scanned = layout == "scanned" if layout is not None else Path(file).stem.startswith("scanned")
    problems = spec_problems(spec, scanned=scanned)
    seismic = None
    if spec.seismic_intensity is not None:
        seismic = {"intensity": spec.seismic_intensity, "conclusion": spec.seismic_conclusion}
    return {
        "file": Path(file).name,
        "valid": all(p == "needs_ocr" for p in problems),
        "problems": problems,
        "report_no": spec.report_no,
        "appraisal_type": spec.appraisal_type,
        "firm": spec.firm,
        "address": spec.address,
        "county": spec.county,
        "owner": spec.owner,
        "date": spec.date.isoformat(),
        "building_no": spec.building_no,
        "structure_type": spec.structure_type,
        "floors": spec.floors,
        "grade": spec.grade if spec.grade in VALID_GRADES else None,
        "load_system": spec.load_system,
        "seismic": seismic,
        "recommendation": spec.recommendation,
        "standards": [normalise_code(c) for c in spec.standards],
    }
