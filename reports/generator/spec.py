"""What a generated report says (`ReportSpec`) and realistic random specs for Yuncheng.

People, firms, report numbers and house numbers are invented; counties and their GB/T 2260 codes
are real, townships are real names as far as known. Seismic intensities per county are best
knowledge ([K] in DOMAIN.md §4): 8度 (0.20g) for most of the city.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reports.generator.standards import current_standards


@dataclass
class ReportSpec:
    report_no: str
    appraisal_type: str  # "危险性鉴定" | "安全评估"
    firm: str
    address: str  # as printed on the cover
    county: str
    owner: str
    date: dt.date  # report date
    inspection_date: dt.date  # site inspection, earlier than date
    building_no: str
    structure_type: str
    floors: int  # as stated in 概况
    grade: str | None  # "A".."D"; None = no conclusion section; anything else printed as-is
    load_system: str
    seismic_intensity: str | None  # None = no seismic section
    seismic_conclusion: str | None  # "满足" | "不满足" | "局部不满足"
    recommendation: str | None  # None = no recommendation section
    standards: list[str]  # normalised codes in 鉴定依据 order
    floors_in_structure_section: int | None = None
    photos: list[bytes] = field(default_factory=list)
    extra_pages: int = 0


COUNTIES: dict[str, str] = {
    "盐湖区": "140802",
    "临猗县": "140821",
    "万荣县": "140822",
    "闻喜县": "140823",
    "稷山县": "140824",
    "新绛县": "140825",
    "绛县": "140826",
    "垣曲县": "140827",
    "夏县": "140828",
    "平陆县": "140829",
    "芮城县": "140830",
    "永济市": "140881",
    "河津市": "140882",
}

# (towns and townships, urban sub-districts)
TOWNSHIPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "盐湖区": (
        ("解州镇", "北相镇", "龙居镇", "泓芝驿镇", "陶村镇", "东郭镇", "三路里镇", "上郭乡"),
        ("安邑街道", "北城街道", "中城街道", "南城街道", "西城街道", "姚孟街道"),
    ),
    "临猗县": (
        ("临晋镇", "嵋阳镇", "七级镇", "东张镇", "孙吉镇", "三管镇", "牛杜镇", "庙上乡", "北辛乡"),
        ("猗氏镇",),
    ),
    "万荣县": (
        ("通化镇", "汉薛镇", "荣河镇", "万泉乡", "里望乡", "西村乡", "南张乡", "皇甫乡"),
        ("解店镇",),
    ),
    "闻喜县": (
        ("东镇", "礼元镇", "河底镇", "郭家庄镇", "阳隅乡", "神柏乡", "后宫乡", "裴社乡"),
        ("桐城镇",),
    ),
    "稷山县": (("西社镇", "化峪镇", "翟店镇", "清河镇", "蔡村乡", "太阳乡"), ("稷峰镇",)),
    "新绛县": (("三泉镇", "泽掌镇", "北张镇", "古交镇", "万安镇", "阳王镇"), ("龙兴镇",)),
    "绛县": (
        ("横水镇", "陈村镇", "卫庄镇", "南樊镇", "大交镇", "安峪镇", "冷口乡", "宋村乡"),
        ("古绛镇",),
    ),
    "垣曲县": (
        ("古城镇", "王茅镇", "毛家湾镇", "历山镇", "皋落乡", "英言乡", "长直乡"),
        ("新城镇",),
    ),
    "夏县": (
        ("庙前镇", "裴介镇", "水头镇", "泗交镇", "禹王镇", "胡张乡", "尉郭乡", "祁家河乡"),
        ("瑶峰镇",),
    ),
    "平陆县": (
        ("常乐镇", "张店镇", "张村镇", "洪池乡", "杜马乡", "部官乡", "三门镇", "坡底乡"),
        ("圣人涧镇",),
    ),
    "芮城县": (
        ("风陵渡镇", "陌南镇", "西陌镇", "永乐镇", "大王镇", "阳城镇", "东垆乡", "南卫乡"),
        ("古魏镇",),
    ),
    "永济市": (
        ("虞乡镇", "卿头镇", "开张镇", "栲栳镇", "蒲州镇", "韩阳镇", "张营镇"),
        ("城东街道", "城西街道", "城北街道"),
    ),
    "河津市": (
        ("樊村镇", "僧楼镇", "小梁乡", "柴家乡", "赵家庄乡", "下化乡", "阳村乡"),
        ("城区街道", "清涧街道"),
    ),
}

SEISMIC_BY_COUNTY: dict[str, tuple[str, str]] = dict.fromkeys(COUNTIES, ("8度", "0.20g"))
SEISMIC_BY_COUNTY["垣曲县"] = ("7度", "0.15g")  # [K]

ROADS = (
    "人民路",
    "解放路",
    "河东街",
    "中山路",
    "建设路",
    "红旗街",
    "府前街",
    "新华路",
    "禹都大道",
    "学苑路",
)
COMMUNITIES = ("红旗", "东关", "西关", "南街", "北街", "康宁", "和平", "新城", "盐池", "文化")
VILLAGE_HEAD = "东西南北上下前后新大小"
VILLAGE_BODY = (
    "王", "李", "张", "刘", "杨", "赵", "郭", "贾", "薛", "卫", "范", "柴", "冯", "韩",
    "庄", "营", "堡", "寨", "坡", "陈", "吕", "董", "段", "裴", "孙", "宁", "姚",
)  # fmt: skip
VILLAGE_TAIL = ("村", "庄村", "家村", "营村", "头村", "寨村", "峪村", "堡村")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董薛贾柴卫景宁侯吉裴畅"
GIVEN = "建国秀英志强丽娟海燕文明红梅春生桂兰玉珍永刚小军淑芬德胜金凤宝山晓东俊杰红波保全新民"


@dataclass(frozen=True)
class Firm:
    name: str
    report_no: Callable[[int, int], str]  # (year, serial) -> number as printed


def _generic_report_no(year: int, serial: int) -> str:
    return f"FWJD-{year}-{serial:04d}"


FIRMS: tuple[Firm, ...] = (
    Firm("运城市正源房屋安全鉴定有限公司", lambda y, n: f"ZY-JD-{y}-{n:04d}"),
    Firm("山西河汾建设工程检测鉴定有限公司", lambda y, n: f"HFJC-JD-{y}-{n:04d}"),
    Firm("运城市恒信工程质量检测有限公司", lambda y, n: f"HX{y}-JD-{n:04d}"),
    Firm("山西舜都建筑工程质量检测有限公司", lambda y, n: f"SDJC-JD({y})-{n:03d}"),
    Firm("运城市禹都房屋安全鉴定中心有限公司", lambda y, n: f"晋运禹都鉴字〔{y}〕第{n:04d}号"),
    Firm("山西盐池结构检测技术有限公司", lambda y, n: f"YCJG-FW-{y}{n:04d}"),
    Firm("运城市黄河工程检测鉴定有限公司", lambda y, n: f"黄河鉴〔{y}〕{n:03d}号"),
)

# structure type -> (weight, storeys range, load-bearing systems)
STRUCTURES: dict[str, tuple[int, tuple[int, int], tuple[str, ...]]] = {
    "砖混结构": (50, (1, 4), ("纵横墙混合承重", "横墙承重", "纵墙承重")),
    "砖木结构": (14, (1, 2), ("木屋架+砖墙承重", "砖墙承重、木檩条屋盖", "砖墙承重")),
    "框架结构": (13, (2, 6), ("框架承重",)),
    "土木结构": (10, (1, 1), ("木构架承重、土坯围护", "土坯墙承重")),
    "混合结构": (8, (2, 5), ("底部框架-上部砖混承重", "纵横墙混合承重")),
    "钢结构": (5, (1, 3), ("门式刚架承重", "钢框架承重")),
}

GRADE_WEIGHTS = {"A": 20, "B": 35, "C": 30, "D": 15}

RECOMMENDATIONS: dict[str, tuple[str, ...]] = {
    "A": ("可正常使用", "可正常使用，定期检查维护", "正常使用，加强日常维护"),
    "B": (
        "适当维修后使用",
        "适当维修后可继续使用",
        "观察使用，定期检查维护",
        "可继续使用，对损伤构件及时维修",
    ),
    "C": (
        "处理使用，局部加固或拆除危险构件",
        "停止使用危险部位，局部加固或拆除危险构件",
        "处理使用",
        "观察使用，及时对危险构件进行加固处理",
    ),
    "D": ("停止使用，整体拆除", "立即停止使用并撤离人员，整体拆除", "停止使用，拆除重建"),
}

SEISMIC_BY_GRADE: dict[str, tuple[tuple[str, int], ...]] = {
    "A": (("满足", 7), ("局部不满足", 2), ("不满足", 1)),
    "B": (("满足", 5), ("局部不满足", 3), ("不满足", 2)),
    "C": (("局部不满足", 4), ("不满足", 6)),
    "D": (("不满足", 1),),
}

DATE_FROM = dt.date(2022, 7, 1)
DATE_TO = dt.date(2024, 12, 20)


def _weighted(rng: random.Random, pairs: Any) -> Any:
    items = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    values = [v for v, _ in items]
    weights = [w if isinstance(w, int | float) else w[0] for _, w in items]
    return rng.choices(values, weights=weights)[0]


def random_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def random_address(rng: random.Random, county: str) -> str:
    """The address without any 山西省运城市 prefix, as in the survey ledger."""
    towns, streets = TOWNSHIPS[county]
    if rng.random() < 0.25:
        street = rng.choice(streets)
        if street.endswith("街道"):
            return f"{county}{street}{rng.choice(COMMUNITIES)}社区{rng.choice(ROADS)}{rng.randint(1, 320)}号"
        return f"{county}{street}{rng.choice(ROADS)}{rng.randint(1, 320)}号"
    village = rng.choice(VILLAGE_HEAD) + rng.choice(VILLAGE_BODY) + rng.choice(VILLAGE_TAIL)
    group = f"{rng.randint(1, 9)}组" if rng.random() < 0.4 else ""
    return f"{county}{rng.choice(towns)}{village}{group}{rng.randint(1, 260)}号"


def _random_date(rng: random.Random) -> dt.date:
    # Most appraisals came in the second half of 2022 (the campaign's first wave).
    if rng.random() < 0.6:
        start, end = DATE_FROM, dt.date(2022, 12, 20)
    else:
        start, end = dt.date(2023, 1, 5), DATE_TO
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def random_spec(rng: random.Random, **overrides: Any) -> ReportSpec:
    """A realistic, self-consistent spec. Any field can be fixed with a keyword; the remaining
    fields are drawn to agree with it (a fixed `grade` gets a fitting recommendation and seismic
    conclusion, a fixed `county` a matching building number and address, a fixed `date` the
    standards current on that date)."""
    known = {f.name for f in dataclasses.fields(ReportSpec)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"random_spec() got unknown fields: {', '.join(sorted(unknown))}")

    def pick(name: str, draw: Callable[[], Any]) -> Any:
        return overrides[name] if name in overrides else draw()

    county = pick("county", lambda: rng.choice(list(COUNTIES)))
    date = pick("date", lambda: _random_date(rng))
    inspection_date = pick("inspection_date", lambda: date - dt.timedelta(days=rng.randint(2, 14)))
    firm = rng.choice(FIRMS)
    firm_name = pick("firm", lambda: firm.name)
    if firm_name != firm.name:  # a firm of the caller's: its own numbering, not another firm's
        firm = next((f for f in FIRMS if f.name == firm_name), Firm(firm_name, _generic_report_no))
    report_no = pick("report_no", lambda: firm.report_no(date.year, rng.randint(1, 499)))
    code = COUNTIES.get(county, "140800")
    building_no = pick("building_no", lambda: f"{code}-{rng.randint(1, 600):06d}")

    def draw_address() -> str:
        prefix = rng.choices(("山西省运城市", "运城市", ""), weights=(4, 3, 3))[0]
        return prefix + random_address(rng, county)

    address = pick("address", draw_address)
    owner = pick("owner", lambda: random_name(rng))
    structure_type = pick(
        "structure_type", lambda: _weighted(rng, {k: v[0] for k, v in STRUCTURES.items()})
    )
    _, (lo, hi), systems = STRUCTURES.get(structure_type, (0, (1, 3), ("纵横墙混合承重",)))
    floors = pick("floors", lambda: rng.randint(lo, hi))
    load_system = pick("load_system", lambda: rng.choice(systems))
    appraisal_type = pick(
        "appraisal_type",
        lambda: (
            "安全评估"
            if structure_type in {"框架结构", "钢结构"} and rng.random() < 0.4
            else "危险性鉴定"
        ),
    )
    grade = pick("grade", lambda: _weighted(rng, GRADE_WEIGHTS))
    recs = RECOMMENDATIONS.get(grade or "", RECOMMENDATIONS["C"])
    recommendation = pick("recommendation", lambda: rng.choice(recs))
    intensity = pick("seismic_intensity", lambda: SEISMIC_BY_COUNTY.get(county, ("8度", ""))[0])

    def draw_conclusion() -> str | None:
        if intensity is None:
            return None
        return _weighted(rng, SEISMIC_BY_GRADE.get(grade or "", SEISMIC_BY_GRADE["C"]))

    seismic_conclusion = pick("seismic_conclusion", draw_conclusion)
    standards = pick(
        "standards", lambda: current_standards(rng, date, appraisal_type, structure_type)
    )
    return ReportSpec(
        report_no=report_no,
        appraisal_type=appraisal_type,
        firm=firm_name,
        address=address,
        county=county,
        owner=owner,
        date=date,
        inspection_date=inspection_date,
        building_no=building_no,
        structure_type=structure_type,
        floors=floors,
        grade=grade,
        load_system=load_system,
        seismic_intensity=intensity,
        seismic_conclusion=seismic_conclusion,
        recommendation=recommendation,
        standards=list(standards),
        floors_in_structure_section=overrides.get("floors_in_structure_section"),
        photos=list(overrides.get("photos", [])),
        extra_pages=overrides.get("extra_pages", 0),
    )


DEFECTS = (
    "missing_seismic",
    "missing_recommendation",
    "no_grade",
    "invalid_grade",
    "grade_recommendation_conflict",
    "inconsistent_floors",
)


def apply_defect(spec: ReportSpec, defect: str, rng: random.Random) -> ReportSpec:
    """A copy of `spec` with exactly one of the README's content defects (see DEFECTS)."""
    if defect == "missing_seismic":
        return dataclasses.replace(spec, seismic_intensity=None, seismic_conclusion=None)
    if defect == "missing_recommendation":
        return dataclasses.replace(spec, recommendation=None)
    if defect == "no_grade":
        return dataclasses.replace(spec, grade=None)
    if defect == "invalid_grade":
        return dataclasses.replace(spec, grade=rng.choice(("E", "E", "F")))
    if defect == "grade_recommendation_conflict":
        grade = spec.grade if spec.grade in {"C", "D"} else rng.choice(("C", "D"))
        rec = rng.choice(
            ("可正常使用", "可正常使用，定期检查维护")
            if grade == "C"
            else ("可正常使用", "观察使用")
        )
        return dataclasses.replace(spec, grade=grade, recommendation=rec)
    if defect == "inconsistent_floors":
        other = spec.floors + 1 if spec.floors == 1 or rng.random() < 0.5 else spec.floors - 1
        return dataclasses.replace(spec, floors_in_structure_section=other)
    raise ValueError(f"unknown defect {defect!r}; expected one of {', '.join(DEFECTS)}")
