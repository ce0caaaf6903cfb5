"""Stage 5: document rules, each on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from reports.pipeline.fields import Fields, FloorMention, Seismic
from reports.pipeline.validate import REQUIRED_SECTIONS, SectionIndex, validate

ALL = SectionIndex.of(
    [
        {"keys": [key], "pages": [n], "text": "正文"}
        for n, key in enumerate(
            [
                "overview",
                "basis",
                "inspection",
                "structure",
                "seismic",
                "conclusion",
                "recommendation",
            ],
            start=2,
        )
    ]
)
GOOD = Fields(
    appraisal_type="危险性鉴定",
    date="2022-09-15",
    floors=2,
    grade="C",
    seismic=Seismic("8度", "不满足"),
    recommendation="处理使用，局部加固或拆除危险构件",
    standards=("JGJ 125-2016", "GB 55021-2021", "GB 50023-2009"),
    floor_mentions=(
        FloorMention(2, 2, "overview", "地上二层"),
        FloorMention(2, 5, "structure", "地上二层"),
    ),
    pages={"recommendation": 8, "standards": 3, "grade": 7},
)


def without(*keys: str) -> SectionIndex:
    return SectionIndex({k: v for k, v in ALL.first_pages.items() if k not in keys})


def codes(problems, *, blocking_only=True):
    return [p.code for p in problems if p.severity == "blocking" or not blocking_only]


def test_a_good_report_has_no_problem():
    assert validate(GOOD, ALL) == ()


def test_missing_seismic_and_recommendation():
    fields = replace(GOOD, seismic=None, recommendation=None)
    problems = validate(fields, without("seismic", "recommendation"))
    assert codes(problems) == ["missing_section:seismic", "missing_section:recommendation"]
    assert all("请" in p.message_zh for p in problems)


def test_no_conclusion_is_missing_grade():
    fields = replace(GOOD, grade=None)
    problems = validate(fields, without("conclusion"))
    assert codes(problems) == ["missing_section:grade"]
    assert problems[0].field == "grade"


def test_a_conclusion_without_a_grade_is_missing_grade_at_its_page():
    problems = validate(replace(GOOD, grade=None, pages={}), ALL)
    assert codes(problems) == ["missing_section:grade"]
    assert problems[0].page == ALL.page("conclusion")


def test_invalid_grade():
    problems = validate(replace(GOOD, grade=None, printed_grade="E"), ALL)
    assert codes(problems) == ["invalid_grade"]
    assert "“E级”" in problems[0].message_zh and problems[0].page == 7


def test_assessment_is_lighter_in_descriptive_sections_only():
    fields = replace(GOOD, appraisal_type="安全评估")
    assert validate(fields, without("inspection", "structure")) == ()
    full = validate(replace(GOOD, appraisal_type="危险性鉴定"), without("inspection", "structure"))
    assert codes(full, blocking_only=False) == [
        "missing_section:inspection",
        "missing_section:structure",
    ]
    no_seismic = validate(replace(fields, seismic=None), without("seismic"))
    assert codes(no_seismic) == ["missing_section:seismic"]
    assert ("seismic", "blocking") in REQUIRED_SECTIONS["安全评估"]


def test_missing_descriptive_sections_are_warnings():
    problems = validate(GOOD, without("overview", "basis"))
    assert codes(problems) == []
    assert codes(problems, blocking_only=False) == [
        "missing_section:overview",
        "missing_section:basis",
    ]


def test_unknown_type_gets_the_full_set():
    assert codes(
        validate(replace(GOOD, appraisal_type=None, seismic=None), without("seismic"))
    ) == ["missing_section:seismic"]


def test_a_corrected_field_counts_for_its_section():
    # the parser missed the heading; the firm filled the field in
    assert validate(GOOD, without("seismic", "recommendation")) == ()


@pytest.mark.parametrize(
    ("grade", "recommendation", "conflict"),
    [
        ("C", "可正常使用", True),
        ("C", "可正常使用，定期检查维护", True),
        ("D", "正常使用", True),
        ("D", "观察使用", True),  # D implies 停止使用 or 拆除
        ("D", "立即停止使用并撤离人员，整体拆除", False),
        ("D", "停止使用，拆除重建", False),
        ("C", "处理使用，加固后可正常使用", False),  # conditional
        ("C", "不能正常使用，局部加固", False),
        ("C", "观察使用", False),
        ("A", "可正常使用", False),
        ("B", "适当维修后使用", False),
    ],
)
def test_grade_recommendation_conflict(grade, recommendation, conflict):
    problems = validate(replace(GOOD, grade=grade, recommendation=recommendation), ALL)
    assert codes(problems) == (["grade_recommendation_conflict"] if conflict else [])
    if conflict:
        assert problems[0].page == 8 and problems[0].field == "recommendation"


def test_outdated_standard_on_the_report_date():
    fields = replace(GOOD, standards=("JGJ 125-99",))
    problems = validate(fields, ALL)
    assert codes(problems) == ["outdated_standard:JGJ 125-99"]
    assert (
        problems[0].message_zh
        == "引用的JGJ 125-99已于2016年12月1日废止，请改用现行标准JGJ 125-2016。"
    )
    assert validate(replace(fields, date="2015-06-01"), ALL) == ()


def test_partial_revision_after_its_successor_is_a_warning():
    fields = replace(GOOD, date="2025-03-01", standards=("GB 50011-2010(2016年版)",))
    problems = validate(fields, ALL)
    assert codes(problems) == []
    assert codes(problems, blocking_only=False) == ["outdated_standard:GB 50011-2010(2016年版)"]
    assert "GB/T 50011-2010(2024年版)" in problems[0].message_zh


def test_unknown_and_not_yet_effective_standards_are_warnings():
    fields = replace(GOOD, date="2022-02-01", standards=("GB 99999-2020", "GB 55021-2021"))
    problems = validate(fields, ALL)
    assert codes(problems) == []
    assert codes(problems, blocking_only=False) == [
        "unknown_standard:GB 99999-2020",
        "standard_not_yet_effective:GB 55021-2021",
    ]


def test_a_missing_date_checks_against_today():
    fields = replace(GOOD, date=None, standards=("JGJ 125-99",))
    assert codes(validate(fields, ALL, today=dt.date(2010, 1, 1))) == []
    assert codes(validate(fields, ALL, today=dt.date(2020, 1, 1))) == [
        "outdated_standard:JGJ 125-99"
    ]


def test_inconsistent_floors_points_at_the_disagreeing_part():
    mentions = (
        FloorMention(3, 2, "overview", "地上三层"),
        FloorMention(2, 4, "structure", "地上二层"),
    )
    problems = validate(replace(GOOD, floors=3, floor_mentions=mentions), ALL)
    assert codes(problems) == ["inconsistent_floors"]
    assert problems[0].page == 4
    assert "地上三层" in problems[0].message_zh and "地上二层" in problems[0].message_zh
