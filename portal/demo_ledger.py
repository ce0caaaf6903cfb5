"""Generated survey ledger for the demo and benchmarks: realistic, deterministic, in code."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from buildings.models import Alteration, Judgement, StructureType

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国秀英志强丽娟海燕文明红梅春生桂兰玉珍永刚小军淑芬德胜金凤宝山晓东俊杰"
STREETS = [
    "解放路",
    "中山路",
    "人民路",
    "河东街",
    "盐湖路",
    "禹都大道",
    "机场路",
    "学苑路",
    "红旗街",
    "圣惠路",
]
TOWNSHIPS = ["城关镇", "东街街道", "西城街道", "北城街道", "解州镇", "三路里镇", "王范镇", "龙居镇"]
VILLAGES = [
    "东关村",
    "西关村",
    "南街社区",
    "北街社区",
    "康宁社区",
    "大段家营村",
    "小李村",
    "新庄村",
]
BUSINESS_USES = [
    "餐饮",
    "住宿",
    "批发零售",
    "教育培训",
    "医疗",
    "养老",
    "文化娱乐",
    "生产加工",
    "仓储",
    "其他",
]
STRUCTURES = [
    (StructureType.BRICK_CONCRETE, 50),
    (StructureType.BRICK_WOOD, 14),
    (StructureType.FRAME, 13),
    (StructureType.EARTH_WOOD, 10),
    (StructureType.MIXED, 7),
    (StructureType.STEEL, 5),
    (StructureType.CAVE, 1),
]
JUDGEMENTS = [
    (Judgement.NONE_FOUND, 78),
    (Judgement.DOUBTFUL, 8),
    (Judgement.SOME, 11),
    (Judgement.SERIOUS, 3),
]


@dataclass(frozen=True)
class LedgerRow:
    building_no: str
    county: str
    township: str
    village: str
    address: str
    owner: str
    owner_phone: str
    structure_type: str
    floors: int
    year_built: int
    area: Decimal
    is_business: bool
    business_use: str
    alteration: str
    max_span: Decimal
    is_steel: bool
    procedures_complete: bool
    initial_judgement: str
    control_measures: str
    remarks: str


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def generate_ledger(
    counties: list[tuple[str, str]], count: int, seed: int = 2022
) -> Iterator[LedgerRow]:
    """`count` rows spread over `counties` ((code, name) pairs), numbered code-serial."""
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not secrets
    serial = {code: 0 for code, _ in counties}
    for _ in range(count):
        code, name = rng.choice(counties)
        serial[code] += 1
        structure = _pick(rng, STRUCTURES)
        floors = rng.choices([1, 2, 3, 4, 5, 6], [52, 33, 9, 3, 2, 1])[0]
        is_business = rng.random() < 0.17
        judgement = _pick(rng, JUDGEMENTS)
        township, village = rng.choice(TOWNSHIPS), rng.choice(VILLAGES)
        year = rng.randint(1965, 2023)
        yield LedgerRow(
            building_no=f"{code}-{serial[code]:06d}",
            county=name,
            township=township,
            village=village,
            address=f"{name}{township}{village}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            owner=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
            owner_phone=f"13{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}",
            structure_type=structure,
            floors=floors,
            year_built=year,
            area=Decimal(rng.randint(400, 9000)) / 10 * floors,
            is_business=is_business,
            business_use=rng.choice(BUSINESS_USES) if is_business else "",
            alteration=rng.choices(list(Alteration.values), [85, 6, 5, 4])[0],
            max_span=Decimal(rng.randint(30, 90)) / 10
            if structure != StructureType.STEEL
            else Decimal(rng.randint(90, 240)) / 10,
            is_steel=structure == StructureType.STEEL,
            procedures_complete=year >= 2015 and rng.random() < 0.6,
            initial_judgement=judgement,
            control_measures={
                Judgement.SERIOUS: "停止使用、人员撤离、设置警示标识",
                Judgement.DOUBTFUL: "待专业机构复核",
                Judgement.SOME: "减少使用荷载、加强巡查",
            }.get(judgement, ""),
            remarks=rng.choice(
                ["", "", "", "临街", "产权人外出务工，由亲属代管", "一层经营、二层以上自住"]
            ),
        )


def ledger_cells(row: LedgerRow) -> list[object]:
    """The row as a ledger file writes it (是/否, plain numbers), in the ledger's column order."""
    from buildings.ledger.columns import COLUMNS

    cells: list[object] = []
    for column in COLUMNS:
        value = row.county if column.field == "county_id" else getattr(row, column.field)
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, Decimal):
            value = float(value)
        cells.append(None if value == "" else value)
    return cells
