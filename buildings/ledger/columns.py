"""The columns of the survey ledger (排查台账): header text, model field, limits.

Columns are found by header text, not position, so a county's file with its columns in
another order (or with extra columns) still imports. Headers are compared after
normalising whitespace, full-width brackets and the square-metre sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # Building attribute the cleaned value goes to ("county_id" for 县区)
    required: bool = False  # a file without this header is refused
    max_length: int | None = None  # for text columns


BUILDING_NO = "房屋编号"
COUNTY = "县区"
TOWNSHIP = "乡镇（街道）"
VILLAGE = "村（社区）"
ADDRESS = "详细地址"
OWNER = "产权人"
OWNER_PHONE = "联系电话"
STRUCTURE_TYPE = "结构类型"
FLOORS = "层数"
YEAR_BUILT = "建造年代"
AREA = "建筑面积(㎡)"
IS_BUSINESS = "是否经营性"
BUSINESS_USE = "经营用途"
ALTERATION = "是否改扩建"
MAX_SPAN = "最大跨度(m)"
IS_STEEL = "是否钢结构"
PROCEDURES_COMPLETE = "设计施工监理验收手续是否完备"
INITIAL_JUDGEMENT = "初判结论"
CONTROL_MEASURES = "管控措施"
REMARKS = "备注"

# In the order of the provincial ledger template.
COLUMNS: tuple[Column, ...] = (
    Column(BUILDING_NO, "building_no", required=True, max_length=32),
    Column(COUNTY, "county_id", required=True),
    Column(TOWNSHIP, "township", max_length=50),
    Column(VILLAGE, "village", max_length=50),
    Column(ADDRESS, "address", required=True, max_length=200),
    Column(OWNER, "owner", max_length=50),
    Column(OWNER_PHONE, "owner_phone", max_length=20),
    Column(STRUCTURE_TYPE, "structure_type", required=True),
    Column(FLOORS, "floors", required=True),
    Column(YEAR_BUILT, "year_built"),
    Column(AREA, "area"),
    Column(IS_BUSINESS, "is_business"),
    Column(BUSINESS_USE, "business_use", max_length=20),
    Column(ALTERATION, "alteration"),
    Column(MAX_SPAN, "max_span"),
    Column(IS_STEEL, "is_steel"),
    Column(PROCEDURES_COMPLETE, "procedures_complete"),
    Column(INITIAL_JUDGEMENT, "initial_judgement", required=True),
    Column(CONTROL_MEASURES, "control_measures", max_length=200),
    Column(REMARKS, "remarks"),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_HEADER: dict[str, Column] = {c.header: c for c in COLUMNS}
BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}

_SPACES = re.compile(r"\s+")
_FOLD = str.maketrans({"（": "(", "）": ")", "²": "2"})


def normalise_header(text: object) -> str:
    """The comparable form of a header cell: no spaces, half-width brackets, ㎡ for m²/m2."""
    folded = _SPACES.sub("", str(text)).translate(_FOLD)
    return folded.replace("(m2)", "(㎡)").replace("(M2)", "(㎡)")


_CANONICAL = {normalise_header(h): h for h in HEADERS}


def canonical_header(text: object) -> str | None:
    """The ledger header a header cell stands for, or None for a column the import ignores."""
    if text is None:
        return None
    return _CANONICAL.get(normalise_header(text))


def field_label(field: str) -> str:
    """The ledger column name of a Building field (for conflict lists); the field if none."""
    column = BY_FIELD.get(field) or BY_FIELD.get(f"{field}_id")
    return column.header if column else field
