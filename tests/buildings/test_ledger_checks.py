"""Each data-quality rule of the ledger import on its own (no database, no workbook)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from buildings.ledger import checks
from buildings.ledger.checks import CHECKS, CheckContext, Problem, run_checks
from buildings.ledger.columns import HEADERS
from buildings.ledger.reader import LedgerRow
from tests.buildings.test_ledger_import import ledger_row

TODAY = dt.date(2026, 11, 29)
COUNTIES = {"盐湖区": 1, "临猗县": 2}


def context(**kwargs: Any) -> CheckContext:
    return CheckContext(today=TODAY, counties=COUNTIES, **kwargs)


def row(changes: dict[str, Any] | None = None, number: int = 2, n: int = 1) -> LedgerRow:
    values = {
        k: (v.strip() or None) if isinstance(v, str) else v
        for k, v in ledger_row(n, changes).items()
    }
    return LedgerRow(number, values)


def problems(
    check, changes: dict[str, Any] | None = None, ctx: CheckContext | None = None
) -> list[Problem]:
    return check(row(changes), ctx or context())


def messages(check, changes=None, ctx=None) -> list[str]:
    return [p.message for p in problems(check, changes, ctx)]


def cleaned(check, changes=None, ctx=None) -> dict[str, Any]:
    r = row(changes)
    assert check(r, ctx or context()) == []
    return r.fields


def test_a_valid_row_passes_every_check_and_is_fully_cleaned():
    r = row()
    assert run_checks(r, context()) == []
    assert r.fields == {
        "building_no": "140802-000001",
        "county_id": 1,
        "township": "中城街道",
        "village": "康宁社区",
        "address": "盐湖区中城街道康宁社区解放路1号",
        "owner": "闫峰秀",
        "owner_phone": "137****5969",
        "structure_type": "砖混结构",
        "floors": 2,
        "year_built": 1995,
        "area": Decimal("205.10"),
        "is_business": False,
        "business_use": "",
        "alteration": "否",
        "max_span": Decimal("5.40"),
        "is_steel": False,
        "procedures_complete": False,
        "initial_judgement": "未发现安全隐患",
        "control_measures": "",
        "remarks": "临街",
    }


def test_checks_are_small_functions_in_a_list():
    assert len(CHECKS) >= 12
    assert all(callable(check) and check.__name__.startswith("check_") for check in CHECKS)


# 房屋编号


def test_building_no_must_be_present():
    assert messages(checks.check_building_no, {"房屋编号": None}) == ["房屋编号为空"]


def test_building_no_must_be_unique_in_the_file_and_the_first_row_wins():
    ctx = context()
    assert checks.check_building_no(LedgerRow(2, {"房屋编号": "140802-000001"}), ctx) == []
    assert checks.check_building_no(LedgerRow(3, {"房屋编号": "140802-000002"}), ctx) == []
    later = checks.check_building_no(LedgerRow(9, {"房屋编号": "140802-000001"}), ctx)
    assert later == [Problem("房屋编号", "房屋编号与第2行重复")]


def test_building_no_has_a_length_limit():
    assert messages(checks.check_building_no, {"房屋编号": "1" * 33}) == ["房屋编号超过32个字符"]


# 县区 and scope


def test_county_must_be_present_and_known():
    assert messages(checks.check_county, {"县区": None}) == ["县区为空"]
    assert messages(checks.check_county, {"县区": "太原市"}) == ["县区“太原市”不在本市县区名录中"]
    assert cleaned(checks.check_county, {"县区": "临猗县"})["county_id"] == 2


def test_county_staff_may_not_import_another_county():
    scoped = context(scope_county_id=1)
    assert messages(checks.check_scope, {"县区": "临猗县"}, scoped) == [
        "县区“临猗县”不在您的管辖范围"
    ]
    assert messages(checks.check_scope, {"县区": "盐湖区"}, scoped) == []
    assert messages(checks.check_scope, {"县区": "临猗县"}, context()) == []  # city-wide


def test_county_staff_may_not_take_over_another_countys_house():
    scoped = context(scope_county_id=1, foreign_buildings={"140802-000001": "临猗县"})
    assert messages(checks.check_scope, None, scoped) == [
        "房屋编号已登记在临猗县，不在您的管辖范围"
    ]


# text


def test_address_must_be_present():
    assert messages(checks.check_address, {"详细地址": None}) == ["详细地址为空"]
    assert messages(checks.check_address, {"详细地址": "   "}) == ["详细地址为空"]


def test_text_columns_have_the_model_length_limits():
    assert messages(checks.check_text_lengths, {"产权人": "张" * 51, "联系电话": "1" * 21}) == [
        "产权人超过50个字符",
        "联系电话超过20个字符",
    ]
    assert (
        cleaned(checks.check_text_lengths, {"联系电话": 13800001234.0})["owner_phone"]
        == "13800001234"
    )


# choices


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("砖混结构", "砖混结构"),
        ("砖混", "砖混结构"),
        ("框架", "框架结构"),
        ("钢", "钢结构"),
        ("钢构", "钢结构"),
        ("窑洞", "窑洞"),
        ("其它", "其他"),
        ("砖 混", "砖混结构"),
    ],
)
def test_structure_type_takes_the_choices_and_short_names(given, stored):
    assert cleaned(checks.check_structure_type, {"结构类型": given})["structure_type"] == stored
    assert type(cleaned(checks.check_structure_type, {"结构类型": given})["structure_type"]) is str


def test_structure_type_refuses_anything_else():
    assert messages(checks.check_structure_type, {"结构类型": "木结构"}) == [
        "结构类型“木结构”不是可选值（砖混结构、砖木结构、框架结构、土木结构、石木结构、混合结构、钢结构、窑洞、其他）"
    ]
    assert messages(checks.check_structure_type, {"结构类型": None}) == ["结构类型为空"]


def test_alteration_is_one_of_the_choices():
    assert cleaned(checks.check_alteration, {"是否改扩建": "扩建"})["alteration"] == "扩建"
    assert messages(checks.check_alteration, {"是否改扩建": "是"}) == [
        "是否改扩建“是”不是可选值（否、加建、改建、扩建）"
    ]


def test_initial_judgement_is_one_of_the_choices():
    assert (
        cleaned(checks.check_judgement, {"初判结论": "初判存疑"})["initial_judgement"] == "初判存疑"
    )
    assert messages(checks.check_judgement, {"初判结论": "存疑"}) == [
        "初判结论“存疑”不是可选值（未发现安全隐患、初判存疑、存在一定安全隐患、存在严重安全隐患）"
    ]
    assert messages(checks.check_judgement, {"初判结论": None}) == ["初判结论为空"]


# 是/否


def test_yes_no_columns_take_only_yes_or_no():
    fields = cleaned(
        checks.check_yes_no,
        {"是否经营性": "是", "是否钢结构": True, "设计施工监理验收手续是否完备": "否"},
    )
    assert (fields["is_business"], fields["is_steel"], fields["procedures_complete"]) == (
        True,
        True,
        False,
    )
    assert messages(
        checks.check_yes_no, {"是否钢结构": "有", "设计施工监理验收手续是否完备": None}
    ) == [
        "是否钢结构须填“是”或“否”，不能填“有”",
        "设计施工监理验收手续是否完备为空（须填“是”或“否”）",
    ]


def test_business_use_is_required_for_business_houses():
    assert messages(checks.check_business_use, {"是否经营性": "是", "经营用途": None}) == [
        "是否经营性为“是”，经营用途不能为空"
    ]
    assert messages(checks.check_business_use, {"是否经营性": "是", "经营用途": "餐饮"}) == []
    assert messages(checks.check_business_use, {"是否经营性": "否", "经营用途": None}) == []


# numbers


@pytest.mark.parametrize(("given", "stored"), [(1, 1), (2.0, 2), ("3", 3), (100, 100)])
def test_floors_takes_whole_numbers(given, stored):
    assert cleaned(checks.check_floors, {"层数": given})["floors"] == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("一层", "层数须为数字，不能填“一层”"),
        ("3层", "层数须为数字，不能填“3层”"),
        (True, "层数须为数字，不能填“True”"),
        (2.5, "层数须为整数，不能填“2.5”"),
        (0, "层数须在1至100之间，不能填0"),
        (101, "层数须在1至100之间，不能填101"),
        (None, "层数为空"),
    ],
)
def test_floors_refuses_text_fractions_and_out_of_range(given, message):
    assert messages(checks.check_floors, {"层数": given}) == [message]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (1995, 1995),
        ("1995", 1995),
        ("1995年", 1995),
        (2026, 2026),
        (1800, 1800),
        (None, None),
        (dt.date(2001, 5, 1), 2001),
    ],
)
def test_year_built_takes_years_up_to_now(given, stored):
    assert cleaned(checks.check_year_built, {"建造年代": given})["year_built"] == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (2027, "建造年代2027年晚于当前年份"),
        (2099, "建造年代2099年晚于当前年份"),
        (1799, "建造年代1799年早于1800年"),
        ("九十年代", "建造年代须为四位年份，不能填“九十年代”"),
    ],
)
def test_year_built_refuses_the_future_and_the_implausible(given, message):
    assert messages(checks.check_year_built, {"建造年代": given}) == [message]


def test_the_current_year_comes_from_the_injected_today():
    assert (
        messages(
            checks.check_year_built,
            {"建造年代": 2027},
            CheckContext(today=dt.date(2027, 1, 1), counties=COUNTIES),
        )
        == []
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (0, Decimal("0.00")),
        (120.456, Decimal("120.46")),
        ("1,200.5", Decimal("1200.50")),
        (None, None),
    ],
)
def test_area_and_span_are_optional_non_negative_numbers(given, stored):
    fields = cleaned(checks.check_measures, {"建筑面积(㎡)": given, "最大跨度(m)": given})
    assert fields["area"] == fields["max_span"] == stored


def test_area_and_span_refuse_negative_text_and_huge_values():
    assert messages(checks.check_measures, {"建筑面积(㎡)": -1, "最大跨度(m)": "约6米"}) == [
        "建筑面积(㎡)不能为负数",
        "最大跨度(m)须为数字，不能填“约6米”",
    ]
    assert messages(
        checks.check_measures, {"建筑面积(㎡)": float("nan"), "最大跨度(m)": 10000}
    ) == [
        "建筑面积(㎡)须为数字，不能填“nan”",
        "最大跨度(m)数值过大（10000）",
    ]


def test_optional_columns_missing_from_the_file_are_not_checked():
    ctx = context(
        headers=frozenset(h for h in HEADERS if h not in ("建造年代", "是否改扩建", "建筑面积(㎡)"))
    )
    r = row({"建造年代": "bad", "是否改扩建": "bad", "建筑面积(㎡)": "bad"})
    assert run_checks(r, ctx) == []
    assert not {"year_built", "alteration", "area"} & set(r.fields)


def test_every_message_names_its_column():
    bad = {
        "房屋编号": None,
        "县区": "外市",
        "详细地址": None,
        "产权人": "张" * 60,
        "结构类型": "木",
        "层数": "一层",
        "建造年代": 2099,
        "建筑面积(㎡)": -5,
        "是否经营性": "是",
        "经营用途": None,
        "是否改扩建": "是",
        "是否钢结构": "不详",
        "初判结论": "安全",
    }
    found = run_checks(row(bad), context())
    assert len(found) == 12
    for problem in found:
        assert problem.column in HEADERS
        assert problem.column in problem.message
