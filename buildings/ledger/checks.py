"""Data-quality rules of the ledger import (数据准不准、信息真不真、录入全不全).

Each rule is a small function `(row, ctx) -> list[Problem]`; a row with any problem is
rejected and the others go in. A rule reads the raw cell values in `row.values` and, when
they are good, puts the cleaned Building value into `row.fields`, so each cell is parsed
once. Rules for an optional column do nothing when the file has no such column: the
import then leaves that field of existing buildings alone.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from buildings.ledger import columns as col
from buildings.ledger.utils import cell_text
from buildings.models import Alteration, Judgement, StructureType

if TYPE_CHECKING:
    from buildings.ledger.reader import LedgerRow

MIN_YEAR = 1800
MAX_FLOORS = 100
YES, NO = "是", "否"


@dataclass(frozen=True)
class Problem:
    column: str
    message: str


@dataclass
class CheckContext:
    """What the rules need besides the row: today's date, the county list, the scope."""

    today: dt.date
    counties: dict[str, int]  # county name -> County.pk
    headers: frozenset[str] = field(default_factory=lambda: frozenset(col.HEADERS))
    # County bureau staff may only import their own county's rows.
    scope_county_id: int | None = None
    # building_no -> county name, for existing buildings outside the scope county.
    foreign_buildings: dict[str, str] = field(default_factory=dict)
    # building_no -> Excel row where it first appeared in this file.
    seen: dict[str, int] = field(default_factory=dict)


Check = Callable[["LedgerRow", CheckContext], list[Problem]]


def _quoted(value: Any) -> str:
    return f"“{cell_text(value)}”"


# --- 房屋编号 -------------------------------------------------------------------------


def check_building_no(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    number = cell_text(row.values.get(col.BUILDING_NO))
    if not number:
        return [Problem(col.BUILDING_NO, "房屋编号为空")]
    first = ctx.seen.setdefault(number, row.number)
    if first != row.number:
        return [Problem(col.BUILDING_NO, f"房屋编号与第{first}行重复")]
    limit = col.BY_HEADER[col.BUILDING_NO].max_length or 0
    if len(number) > limit:
        return [Problem(col.BUILDING_NO, f"房屋编号超过{limit}个字符")]
    row.fields["building_no"] = number
    return []


# --- 县区 and the importing user's scope -------------------------------------------------


def check_county(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    name = cell_text(row.values.get(col.COUNTY))
    if not name:
        return [Problem(col.COUNTY, "县区为空")]
    county_id = ctx.counties.get(name)
    if county_id is None:
        return [Problem(col.COUNTY, f"县区{_quoted(name)}不在本市县区名录中")]
    row.fields["county_id"] = county_id
    return []


def check_scope(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    """County staff: rows of another county, or moving another county's house, are refused."""
    if ctx.scope_county_id is None:
        return []
    name = cell_text(row.values.get(col.COUNTY))
    county_id = ctx.counties.get(name)
    if county_id is not None and county_id != ctx.scope_county_id:
        return [Problem(col.COUNTY, f"县区{_quoted(name)}不在您的管辖范围")]
    registered = ctx.foreign_buildings.get(cell_text(row.values.get(col.BUILDING_NO)))
    if registered is not None:
        return [Problem(col.BUILDING_NO, f"房屋编号已登记在{registered}，不在您的管辖范围")]
    return []


# --- plain text columns ----------------------------------------------------------------

_TEXT_FIELDS = {
    "township",
    "village",
    "address",
    "owner",
    "owner_phone",
    "business_use",
    "control_measures",
    "remarks",
}
_TEXT_COLUMNS = tuple(c for c in col.COLUMNS if c.field in _TEXT_FIELDS)


def check_address(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    if not cell_text(row.values.get(col.ADDRESS)):
        return [Problem(col.ADDRESS, "详细地址为空")]
    return []


def check_text_lengths(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    problems = []
    for column in _TEXT_COLUMNS:
        if column.header not in ctx.headers:
            continue
        value = cell_text(row.values.get(column.header))
        if column.max_length is not None and len(value) > column.max_length:
            problems.append(Problem(column.header, f"{column.header}超过{column.max_length}个字符"))
        else:
            row.fields[column.field] = value
    return problems


# --- choices ---------------------------------------------------------------------------


def _choice_map(choices: type[Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    mapping = {value: value for value in choices.values}
    mapping.update(extra or {})
    return {str(key): str(value) for key, value in mapping.items()}  # plain str, no enums


# "砖混" -> "砖混结构" and the like: a structure type without its “结构” suffix.
STRUCTURE_SYNONYMS = _choice_map(
    StructureType,
    {
        **{v.removesuffix("结构"): v for v in StructureType.values if v.endswith("结构")},
        "钢构": StructureType.STEEL,
        "其它": StructureType.OTHER,
        "窑洞结构": StructureType.CAVE,
    },
)
ALTERATIONS = _choice_map(Alteration)
JUDGEMENTS = _choice_map(Judgement)


def _choice_check(
    header: str, field_name: str, mapping: dict[str, str], allowed: list[str]
) -> Check:
    def check(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
        if header not in ctx.headers:
            return []
        raw = cell_text(row.values.get(header))
        if not raw:
            return [Problem(header, f"{header}为空")]
        value = mapping.get(re.sub(r"\s+", "", raw))
        if value is None:
            return [Problem(header, f"{header}{_quoted(raw)}不是可选值（{'、'.join(allowed)}）")]
        row.fields[field_name] = value
        return []

    check.__name__ = f"check_{field_name}"
    check.__doc__ = f"{header}: one of {'/'.join(allowed)}."
    return check


check_structure_type = _choice_check(
    col.STRUCTURE_TYPE, "structure_type", STRUCTURE_SYNONYMS, list(StructureType.values)
)
check_alteration = _choice_check(col.ALTERATION, "alteration", ALTERATIONS, list(Alteration.values))
check_judgement = _choice_check(
    col.INITIAL_JUDGEMENT, "initial_judgement", JUDGEMENTS, list(Judgement.values)
)


# --- 是/否 columns ------------------------------------------------------------------------

YES_NO_COLUMNS = (
    (col.IS_BUSINESS, "is_business"),
    (col.IS_STEEL, "is_steel"),
    (col.PROCEDURES_COMPLETE, "procedures_complete"),
)


def check_yes_no(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    problems = []
    for header, field_name in YES_NO_COLUMNS:
        if header not in ctx.headers:
            continue
        raw = row.values.get(header)
        if raw is True or raw == YES:
            row.fields[field_name] = True
        elif raw is False or raw == NO:
            row.fields[field_name] = False
        elif raw is None:
            problems.append(Problem(header, f"{header}为空（须填“是”或“否”）"))
        else:
            problems.append(Problem(header, f"{header}须填“是”或“否”，不能填{_quoted(raw)}"))
    return problems


def check_business_use(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    if row.values.get(col.IS_BUSINESS) in (YES, True) and not cell_text(
        row.values.get(col.BUSINESS_USE)
    ):
        return [Problem(col.BUSINESS_USE, "是否经营性为“是”，经营用途不能为空")]
    return []


# --- numbers ---------------------------------------------------------------------------

_INTEGER = re.compile(r"\d+")
_YEAR = re.compile(r"(\d{4})年?")


def _integer(value: Any) -> int | None:
    """An integer from a numeric cell or a text cell of digits; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def check_floors(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    raw = row.values.get(col.FLOORS)
    if raw is None:
        return [Problem(col.FLOORS, "层数为空")]
    if isinstance(raw, float) and math.isfinite(raw) and not raw.is_integer():
        return [Problem(col.FLOORS, f"层数须为整数，不能填{_quoted(raw)}")]
    floors = _integer(raw)
    if floors is None:
        return [Problem(col.FLOORS, f"层数须为数字，不能填{_quoted(raw)}")]
    if not 1 <= floors <= MAX_FLOORS:
        return [Problem(col.FLOORS, f"层数须在1至{MAX_FLOORS}之间，不能填{floors}")]
    row.fields["floors"] = floors
    return []


def check_year_built(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    if col.YEAR_BUILT not in ctx.headers:
        return []
    raw = row.values.get(col.YEAR_BUILT)
    if raw is None:
        row.fields["year_built"] = None
        return []
    if isinstance(raw, (dt.date, dt.datetime)):
        year: int | None = raw.year
    elif isinstance(raw, str) and (match := _YEAR.fullmatch(raw)):
        year = int(match.group(1))
    else:
        year = _integer(raw)
    if year is None:
        return [Problem(col.YEAR_BUILT, f"建造年代须为四位年份，不能填{_quoted(raw)}")]
    if year > ctx.today.year:
        return [Problem(col.YEAR_BUILT, f"建造年代{year}年晚于当前年份")]
    if year < MIN_YEAR:
        return [Problem(col.YEAR_BUILT, f"建造年代{year}年早于{MIN_YEAR}年")]
    row.fields["year_built"] = year
    return []


CENT = Decimal("0.01")
# Upper bounds from the model's DecimalFields (max_digits 10 and 6, two decimals).
DECIMAL_COLUMNS = (
    (col.AREA, "area", Decimal("99999999.99")),
    (col.MAX_SPAN, "max_span", Decimal("9999.99")),
)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def check_measures(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    """建筑面积(㎡) and 最大跨度(m): optional numbers, not negative."""
    problems = []
    for header, field_name, limit in DECIMAL_COLUMNS:
        if header not in ctx.headers:
            continue
        raw = row.values.get(header)
        if raw is None:
            row.fields[field_name] = None
            continue
        number = _decimal(raw)
        if number is None:
            problems.append(Problem(header, f"{header}须为数字，不能填{_quoted(raw)}"))
        elif number < 0:
            problems.append(Problem(header, f"{header}不能为负数"))
        elif number > limit:
            problems.append(Problem(header, f"{header}数值过大（{cell_text(raw)}）"))
        else:
            row.fields[field_name] = number.quantize(CENT)
    return problems


# In the order their problems are listed for a row.
CHECKS: list[Check] = [
    check_building_no,
    check_county,
    check_scope,
    check_address,
    check_text_lengths,
    check_structure_type,
    check_floors,
    check_year_built,
    check_measures,
    check_yes_no,
    check_business_use,
    check_alteration,
    check_judgement,
]


def run_checks(row: LedgerRow, ctx: CheckContext) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(row, ctx))
    return problems
