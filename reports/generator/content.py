"""What every layout prints, drawn once per report from the spec and the render seed.

The spec fixes the contract fields; everything else (year built, member table, seismic parameters,
people, photo captions, …) is drawn here from the seed so it is the same for every layout of one
seed, and varies between seeds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from reports.generator.images import make_photo
from reports.generator.spec import SEISMIC_BY_COUNTY, ReportSpec, random_name
from reports.generator.standards import NON_CODE_ITEMS, format_basis_item

CN_DIGITS = "〇一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧"

GRADE_DEFINITIONS_2016 = {
    "A": "无危险构件，房屋结构能满足安全使用要求",
    "B": "个别结构构件评定为危险构件，但不影响主体结构安全，基本能满足安全使用要求",
    "C": "部分承重结构不能满足安全使用要求，房屋局部处于危险状态，构成局部危房",
    "D": "承重结构已不能满足安全使用要求，房屋整体处于危险状态，构成整幢危房",
}
GRADE_DEFINITIONS_99 = {
    "A": "结构能满足正常使用要求，未发现危险点，房屋结构安全",
    "B": "结构基本满足正常使用要求，个别结构构件处于危险状态，但不影响主体结构安全",
    "C": "部分承重结构不能满足正常使用要求，局部出现险情，构成局部危房",
    "D": "承重结构已不能满足正常使用要求，房屋整体出现险情，构成整幢危房",
}

MEMBERS = {
    "砖混结构": ("墙体", "楼板", "屋面板", "过梁", "挑梁", "圈梁"),
    "砖木结构": ("墙体", "木屋架", "木檩条", "过梁"),
    "土木结构": ("土坯墙", "木柱", "木梁", "木檩条"),
    "框架结构": ("框架柱", "框架梁", "楼板", "填充墙"),
    "混合结构": ("框架柱", "墙体", "楼板", "框架梁"),
    "钢结构": ("钢柱", "钢梁", "檩条", "支撑"),
}
DANGER_FINDINGS = (
    "斜裂缝，最大宽度{w}mm，贯通墙厚",
    "水平裂缝，最大宽度{w}mm",
    "八字形裂缝，最大宽度{w}mm，贯通墙厚",
    "板底露筋锈胀，混凝土剥落",
    "挠度明显，板缝开裂渗水",
    "木构件糟朽、虫蛀，截面削弱严重",
    "节点连接松动，构件明显变形",
    "锈蚀严重，截面明显削弱",
)
SOUND_FINDINGS = (
    "未见明显损伤",
    "细微裂缝，宽度约0.{k}mm",
    "表面粉刷层局部空鼓",
    "局部轻微渗水痕迹",
)

FOUNDATIONS = {
    "框架结构": ("钢筋混凝土独立基础", "钢筋混凝土条形基础"),
    "钢结构": ("钢筋混凝土独立基础",),
    "土木结构": ("素土夯实基础", "毛石基础"),
}
FLOOR_SYSTEMS = {
    "砖混结构": ("预制空心板楼（屋）盖", "现浇钢筋混凝土楼（屋）盖", "预制空心板楼盖、现浇屋盖"),
    "砖木结构": ("木屋架坡屋面", "木檩条坡屋面"),
    "土木结构": ("木檩条坡屋面",),
    "框架结构": ("现浇钢筋混凝土楼（屋）盖",),
    "混合结构": ("现浇钢筋混凝土楼（屋）盖", "预制空心板楼（屋）盖"),
    "钢结构": ("压型钢板组合楼盖、彩钢板屋面", "彩钢夹芯板屋面"),
}


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals (三, 十二, 二十)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def date_dots(d: dt.date) -> str:
    return f"{d.year}.{d.month:02d}.{d.day:02d}"


def date_hanzi(d: dt.date) -> str:
    year = "".join(CN_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"


DATE_FORMATS = {"cn": date_cn, "dots": date_dots, "hanzi": date_hanzi}


def all_date_forms(d: dt.date) -> list[str]:
    return [f(d) for f in DATE_FORMATS.values()]


@dataclass
class Member:
    no: int
    name: str
    location: str
    finding: str
    dangerous: bool

    @property
    def result(self) -> str:
        return "危险构件" if self.dangerous else "非危险构件"


@dataclass
class Content:
    spec: ReportSpec
    rng: random.Random
    title: str = ""
    client: str = ""
    project_name: str = ""
    year_built: int = 0
    area: str = ""
    foundation: str = ""
    floor_system: str = ""
    use: str = ""
    business: bool = False
    alteration: str = ""
    appraisers: list[str] = field(default_factory=list)
    reviewer: str = ""
    approver: str = ""
    members: list[Member] = field(default_factory=list)
    foundation_text: str = ""
    super_text: str = ""
    enclosure_text: str = ""
    material_text: str = ""
    tilt: str = ""
    phi: str = ""
    accel: str = ""
    group: str = ""
    site_class: str = ""
    service_years: int = 30
    seismic_class: str = "A"
    measures_text: str = ""
    storey_grades: list[tuple[str, str]] = field(default_factory=list)
    extra_recs: list[str] = field(default_factory=list)
    photos: list[tuple[bytes, str]] = field(default_factory=list)
    jgj125: str | None = None
    gb50023: str | None = None

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def dangerous(self) -> list[Member]:
        return [m for m in self.members if m.dangerous]

    @property
    def structure_floors(self) -> int:
        s = self.spec
        return (
            s.floors_in_structure_section if s.floors_in_structure_section is not None else s.floors
        )

    @property
    def grade_definitions(self) -> dict[str, str]:
        return (
            GRADE_DEFINITIONS_99
            if (self.jgj125 or "").startswith("JGJ 125-99")
            else GRADE_DEFINITIONS_2016
        )

    def grade_definition(self) -> str | None:
        return self.grade_definitions.get(self.spec.grade or "")

    def cite(self, code: str | None, title: str) -> str:
        """《title》 plus the code when the report lists it in 鉴定依据."""
        return f"《{title}》{code}" if code else f"《{title}》"

    def basis(self, code_style: str, item_style: str, *, mixed: bool = False) -> list[str]:
        """鉴定依据 entries: the spec's codes in order, with non-code items mixed in."""
        rng = self.rng
        items = []
        for code in self.spec.standards:
            cs, its = code_style, item_style
            if mixed and rng.random() < 0.25:
                cs = rng.choice(("plain", "nospace", "fullwidth"))
            items.append(format_basis_item(code, cs, its))
        extras = rng.sample(NON_CODE_ITEMS, rng.randint(1, 3))
        for extra in extras:
            # Non-code items go after the first couple of standards, most often at the end.
            pos = len(items) if rng.random() < 0.7 else rng.randint(min(2, len(items)), len(items))
            items.insert(pos, extra)
        return items

    def location(self, floor: int | None = None) -> str:
        rng = self.rng
        floor = floor or rng.randint(1, max(1, self.spec.floors))
        if rng.random() < 0.5:
            i = rng.randint(0, 4)
            axis = f"{CIRCLED[i]}轴/{'ABCD'[i % 3]}～{'BCDE'[i % 3 + 1]}轴"
        else:
            i = rng.randint(1, 4)
            axis = f"{'ABCD'[i - 1]}轴/{i}～{i + 2}轴"
        return f"{cn_number(floor)}层{axis}"


def _storey_grades(rng: random.Random, grade: str | None, floors: int) -> list[tuple[str, str]]:
    n = max(1, floors)
    if grade == "A":
        grades = ["Au"] * n
    elif grade == "B":
        grades = [rng.choice(("Au", "Bu")) for _ in range(n)]
        grades[rng.randrange(n)] = "Bu"
    elif grade == "C":
        grades = [rng.choice(("Au", "Bu", "Bu")) for _ in range(n)]
        grades[rng.randrange(n)] = "Cu"
    elif grade == "D":
        grades = [rng.choice(("Cu", "Du")) for _ in range(n)]
        grades[rng.randrange(n)] = "Du"
    else:
        grades = [rng.choice(("Bu", "Cu")) for _ in range(n)]
    return [(f"{cn_number(i + 1)}层", g) for i, g in enumerate(grades)]


def build_content(spec: ReportSpec, rng: random.Random, *, want_photos: int = 0) -> Content:
    c = Content(spec=spec, rng=rng)
    st = spec.structure_type
    kind = "评估" if spec.appraisal_type == "安全评估" else "鉴定"
    c.title = rng.choice(
        (
            f"房屋安全{kind}报告",
            f"房屋结构安全{kind}报告",
            f"自建房安全{kind}报告",
            "房屋危险性鉴定报告" if kind == "鉴定" else "房屋安全评估报告",
        )
    )
    c.client = rng.choice(
        (
            spec.owner,
            spec.owner,
            f"{spec.county}住房和城乡建设局",
            f"{town}人民政府" if (town := _township(spec.address, spec.county)) else spec.owner,
        )
    )
    c.project_name = f"{spec.owner}自建房" + rng.choice(("", "安全鉴定", ""))
    c.year_built = rng.randint(1978, min(2016, spec.date.year - 3))
    if st in {"框架结构", "钢结构"}:
        c.year_built = max(c.year_built, rng.randint(2000, 2016))
    c.area = f"{rng.uniform(60, 140) * max(1, spec.floors):.1f}"
    c.foundation = rng.choice(FOUNDATIONS.get(st, ("砖砌条形基础", "毛石条形基础")))
    c.floor_system = rng.choice(FLOOR_SYSTEMS.get(st, ("现浇钢筋混凝土楼（屋）盖",)))
    c.business = rng.random() < 0.3
    c.use = rng.choice(("餐饮", "住宿", "批发零售", "生产加工", "仓储")) if c.business else "自住"
    c.alteration = rng.choices(("否", "加建", "改建", "扩建"), weights=(8, 1, 1, 1))[0]
    c.appraisers = [random_name(rng) for _ in range(2)]
    c.reviewer = random_name(rng)
    c.approver = random_name(rng)
    c.jgj125 = next((s for s in spec.standards if s.startswith("JGJ 125")), None)
    c.gb50023 = next((s for s in spec.standards if s.startswith("GB 50023")), None)

    # Members: the number of dangerous ones follows the grade.
    names = MEMBERS.get(st, MEMBERS["砖混结构"])
    n_danger = {"A": 0, "B": rng.randint(1, 2), "C": rng.randint(3, 5), "D": rng.randint(6, 9)}.get(
        spec.grade or "", rng.randint(2, 5)
    )
    total = max(n_danger + rng.randint(2, 6), rng.randint(6, 10 + 2 * spec.floors))
    flags = [True] * n_danger + [False] * (total - n_danger)
    rng.shuffle(flags)
    for i, bad in enumerate(flags, start=1):
        finding = rng.choice(DANGER_FINDINGS if bad else SOUND_FINDINGS)
        finding = finding.format(
            w=rng.choice(("1.5", "2.0", "2.5", "3.0", "4.5", "6.0")), k=rng.randint(1, 3)
        )
        c.members.append(Member(i, rng.choice(names), c.location(), finding, bad))

    grade = spec.grade or ""
    c.foundation_text = rng.choice(
        ("经现场查勘，未发现明显的不均匀沉降，散水局部与墙体脱开，地基基础基本稳定。",)
        if grade in {"A", "B"}
        else (
            "经现场查勘，局部散水下沉，墙脚处可见少量沉降裂缝，地基基础总体尚稳定。",
            "经现场查勘，房屋四周散水开裂下沉，墙体底部出现斜向沉降裂缝，地基存在不均匀沉降。",
        )
    )
    c.super_text = {
        "A": "主要承重构件未见明显裂缝、变形及损伤，构件连接可靠。",
        "B": "个别墙体存在斜裂缝，其余承重构件未见明显损伤。",
        "C": "部分承重墙体出现贯通性裂缝，局部楼板存在露筋锈胀现象。",
        "D": "多处承重墙体开裂严重，屋盖构件变形、糟朽，整体性差。",
    }.get(grade, "部分承重构件存在裂缝及损伤。")
    c.enclosure_text = rng.choice(
        (
            "围护墙体局部粉刷层空鼓脱落。",
            "外墙面局部渗水，门窗洞口角部有细微裂缝。",
            "女儿墙根部存在水平裂缝。",
        )
    )
    if st in {"框架结构", "混合结构"}:
        c.material_text = f"采用回弹法检测混凝土抗压强度，推定值为{rng.uniform(14, 28):.1f}MPa。"
    elif st == "钢结构":
        c.material_text = (
            f"采用超声测厚仪检测钢构件壁厚，实测值为{rng.uniform(4, 9):.1f}mm，局部锈蚀减薄。"
        )
    else:
        c.material_text = (
            f"采用回弹法检测砌筑砂浆强度，推定值约为M{rng.choice(('1.0', '2.5', '5.0'))}；"
            f"烧结普通砖强度等级推定为MU{rng.choice(('7.5', '10'))}。"
        )
    c.tilt = f"{rng.uniform(0.2, 1.0 if grade in {'A', 'B'} else 2.6):.2f}%"
    lo, hi = {"A": (1.0, 1.2), "B": (0.95, 1.1), "C": (0.85, 0.94), "D": (0.6, 0.84)}.get(
        grade, (0.8, 1.0)
    )
    c.phi = f"{rng.uniform(lo, hi):.2f}"

    intensity = spec.seismic_intensity or "8度"
    county_intensity, county_accel = SEISMIC_BY_COUNTY.get(spec.county, ("8度", "0.20g"))
    c.accel = (
        county_accel
        if intensity == county_intensity
        else {"6度": "0.05g", "7度": "0.10g", "8度": "0.20g", "9度": "0.40g"}.get(
            intensity, "0.20g"
        )
    )
    c.group = rng.choice(("第二组", "第二组", "第三组", "第一组"))
    c.site_class = rng.choice(("Ⅱ类", "Ⅲ类", "Ⅱ类"))
    if c.year_built >= 2001:
        c.service_years, c.seismic_class = 50, "C"
    elif c.year_built >= 1990:
        c.service_years, c.seismic_class = 40, "B"
    else:
        c.service_years, c.seismic_class = 30, "A"
    c.measures_text = {
        "满足": "各层楼（屋）盖处均设置了钢筋混凝土圈梁，墙体转角及纵横墙交接处设置了构造柱，纵横墙连接可靠；房屋层数和总高度未超过规定限值。",
        "局部不满足": "屋盖处设置了钢筋混凝土圈梁，但未设置构造柱，出屋面女儿墙及烟囱等易倒塌部位未采取拉结措施；房屋层数和总高度未超过规定限值。",
        "不满足": "未设置圈梁和构造柱，墙体之间连接较差，楼（屋）盖与墙体之间缺少可靠拉结，横墙间距偏大。",
    }.get(spec.seismic_conclusion or "", "圈梁、构造柱设置情况不详，墙体连接情况需进一步核查。")
    c.storey_grades = _storey_grades(rng, spec.grade, spec.floors)
    pool = {
        "A": (
            "使用过程中应定期检查，发现异常及时处理。",
            "不得擅自改变房屋用途或增加使用荷载。",
            "做好屋面防水及排水，避免雨水浸泡墙体基础。",
        ),
        "B": (
            "对开裂墙体采用压力灌浆或钢筋网水泥砂浆面层进行修补。",
            "对渗水部位进行防水处理，并定期观察裂缝发展情况。",
            "使用过程中不得增加使用荷载，不得擅自加层或拆改承重墙。",
        ),
        "C": (
            "对评定为危险构件的墙体、楼板进行加固或更换，加固前应设置临时支撑。",
            "危险部位应设置警示标识，禁止人员进入。",
            "加固设计应由具有相应资质的设计单位完成，加固完成后应进行复核。",
        ),
        "D": (
            "立即疏散房屋内人员，设置安全警示标识和围挡。",
            "拆除施工应由具有相应资质的单位实施，并做好对相邻建筑的防护。",
            "在拆除前不得以任何形式使用该房屋。",
        ),
    }.get(grade, ("对损伤构件及时进行处理。", "处理完成后应进行复核。"))
    c.extra_recs = rng.sample(pool, rng.randint(2, len(pool)))

    photos = list(spec.photos)
    captions = ["房屋外观"]
    kinds = ["facade"]
    for m in c.dangerous[:4] or c.members[:2]:
        captions.append(f"{m.location}{m.name}{'裂缝' if '裂缝' in m.finding else '现状'}")
        kinds.append("wall_crack" if "裂缝" in m.finding else "slab")
    captions += ["屋面及屋架现状", "基础及散水现状", "回弹法检测现场"]
    kinds += ["roof", "foundation", "testing"]
    if photos:
        c.photos = [
            (p, captions[i] if i < len(captions) else f"现场照片{i + 1}")
            for i, p in enumerate(photos)
        ]
    elif want_photos:
        n = min(want_photos, len(kinds))
        c.photos = [(make_photo(rng, kinds[i], spec.floors), captions[i]) for i in range(n)]
    return c


def _township(address: str, county: str) -> str | None:
    i = address.find(county)
    if i < 0:
        return None
    rest = address[i + len(county) :]
    for marker in ("街道", "镇", "乡"):
        j = rest.find(marker)
        if 0 < j <= 6:
            return rest[: j + len(marker)]
    return None
