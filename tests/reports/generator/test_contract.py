from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from reports.generator import DEFECTS, apply_defect, expected_contract, random_spec
from reports.generator.standards import normalise_code

TRUTH_KEYS = [
    "file", "valid", "problems", "report_no", "appraisal_type", "firm", "address", "county",
    "owner", "date", "building_no", "structure_type", "floors", "grade", "load_system", "seismic",
    "recommendation", "standards",
]  # fmt: skip


def clean_spec(**overrides):
    return random_spec(random.Random(42), **{"grade": "B", **overrides})


def test_clean_report_contract_has_the_truth_keys_and_values() -> None:
    spec = clean_spec(standards=["JGJ125-2016", "GB 50011-2010（2016年版）", "GB/T50344-2019"])
    c = expected_contract(spec, "out/corpus/numbered_cn_000.pdf")
    assert list(c) == TRUTH_KEYS
    assert c["file"] == "numbered_cn_000.pdf"
    assert c["valid"] is True and c["problems"] == []
    assert c["date"] == spec.date.isoformat()
    assert c["grade"] == "B"
    assert c["seismic"] == {
        "intensity": spec.seismic_intensity,
        "conclusion": spec.seismic_conclusion,
    }
    assert c["standards"] == ["JGJ 125-2016", "GB 50011-2010(2016年版)", "GB/T 50344-2019"]


def test_no_grade_means_missing_grade_section() -> None:
    c = expected_contract(clean_spec(grade=None), "a.pdf")
    assert c["grade"] is None
    assert c["problems"] == ["missing_section:grade"]
    assert c["valid"] is False


def test_grade_outside_a_to_d_is_invalid_and_null() -> None:
    c = expected_contract(clean_spec(grade="E"), "a.pdf")
    assert c["grade"] is None
    assert c["problems"] == ["invalid_grade"]


def test_missing_seismic_and_recommendation_sections() -> None:
    c = expected_contract(clean_spec(seismic_intensity=None, recommendation=None), "a.pdf")
    assert c["seismic"] is None and c["recommendation"] is None
    assert c["problems"] == ["missing_section:seismic", "missing_section:recommendation"]


@pytest.mark.parametrize(
    ("grade", "recommendation", "conflict"),
    [
        ("C", "可正常使用", True),
        ("D", "可正常使用", True),
        ("D", "观察使用", True),
        ("D", "停止使用，整体拆除", False),
        ("D", "拆除重建", False),
        ("C", "处理使用", False),
        ("A", "可正常使用", False),
        ("B", "适当维修后使用", False),
    ],
)
def test_grade_recommendation_conflict(grade: str, recommendation: str, conflict: bool) -> None:
    c = expected_contract(clean_spec(grade=grade, recommendation=recommendation), "a.pdf")
    assert ("grade_recommendation_conflict" in c["problems"]) is conflict


def test_structure_section_storeys_differing_is_inconsistent() -> None:
    spec = clean_spec(floors=3, floors_in_structure_section=2)
    c = expected_contract(spec, "a.pdf")
    assert c["floors"] == 3
    assert c["problems"] == ["inconsistent_floors"]
    same = expected_contract(clean_spec(floors=3, floors_in_structure_section=3), "a.pdf")
    assert same["problems"] == []


def test_scanned_needs_ocr_but_stays_valid() -> None:
    spec = clean_spec()
    c = expected_contract(spec, "x.pdf", layout="scanned")
    assert c["problems"] == ["needs_ocr"] and c["valid"] is True
    assert expected_contract(spec, "scanned_003.pdf")["problems"] == ["needs_ocr"]
    assert expected_contract(spec, "scanned_003.pdf", layout="form_table")["problems"] == []


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_yields_exactly_its_problem(defect: str) -> None:
    expected = {
        "missing_seismic": "missing_section:seismic",
        "missing_recommendation": "missing_section:recommendation",
        "no_grade": "missing_section:grade",
        "invalid_grade": "invalid_grade",
        "grade_recommendation_conflict": "grade_recommendation_conflict",
        "inconsistent_floors": "inconsistent_floors",
    }[defect]
    for seed in range(20):
        spec = apply_defect(random_spec(random.Random(seed)), defect, random.Random(seed))
        assert expected_contract(spec, "a.pdf")["problems"] == [expected]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("GB50023-2009", "GB 50023-2009"),
        ("GB 50011-2010（2016年版）", "GB 50011-2010(2016年版)"),
        ("GB/T50344-2019", "GB/T 50344-2019"),
        ("JGJ/T 23-2011", "JGJ/T 23-2011"),
        (" JGJ  125-99 ", "JGJ 125-99"),
    ],
)
def test_normalise_code(raw: str, normalised: str) -> None:
    assert normalise_code(raw) == normalised


def test_contract_does_not_alias_the_spec() -> None:
    spec = clean_spec()
    c = expected_contract(spec, "a.pdf")
    c["standards"].append("X")
    assert "X" not in spec.standards
    assert dataclasses.replace(spec).date == dt.date.fromisoformat(c["date"])
