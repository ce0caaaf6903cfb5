"""The text-layer layouts. Each puts the contract fields somewhere else and in another shape.

Every layout: cover without header/footer; a running header (firm, report number) on every other
page; a page-number footer; body sentences wrapped by the typesetter; a 鉴定依据 list mixing codes
in varied spellings with non-code items; the site-inspection date next to the report date; a
member table (split over pages with the header row repeated when long); `extra_pages` pages of
measurement tables (header repeated); a red seal image over the firm/date. Per layout:

- numbered_cn: 一、/（一） headings; cover with label：value lines (inspection date on some
  seeds), dates mostly 2022年9月15日; 声明 page mentioning 鉴定结论; 《title》code basis items;
  storeys in Chinese numerals (地上三层); the grade's own definition in brackets after it;
  recommendation after 建议：; signature block; photo appendix (2 per page); footer 第x页共y页;
  headings may be left alone at a page bottom.
- numbered_arabic: 1 / 1.1 headings; spaced title (房 屋 … 报 告) and a ruled cover table with
  glyph-by-glyph letter-spaced labels (房 屋 编 号), dates 2022.09.15; fact table (表1.1: 层数,
  承载体系 … as cells); codes without the space (GB50023-2009); seismic parameter table; grade
  followed by a table of all four A–D definitions; （1） recommendation list; 报告签发 table;
  footer 第x页/共y页 (or 第x页 共y页).
- chapters_toc: 第一章 … chapters (some seeds start each on a new page) after a 目录 page that
  repeats every heading with page numbers; owner only in the overview text (产权人为…); cover
  date 二〇二二年九月十五日; 《title》（code） items with full-width brackets; 承重体系为…;
  storey grades (一层Bu级 …) before the building grade; 处理意见：…; photos side by side;
  footer — x —, report number under the header rule.
- form_table: the report is a form: a ruled cover table, a label/value information table
  (层数 | 3, 承载体系 | …, 现场查勘日期 | …), then one table row per section (鉴定依据,
  现场查勘情况, 结构体系, 抗震性能评价, 鉴定结论 with 房屋危险性等级：C级, 处理建议, 说明
  mentioning 鉴定结论), a signature table, member/measurement/photo tables as 附表; footer
  `鉴定机构：…` + 第 x 页 共 y 页.
- bracketed: 【…】 headings drawn twice for fake bold (pdfplumber reads 【【委委托托…);
  cover labels with real spaces stretched to a common width (报 告 编 号：), any date format;
  房屋概况 as key：value lines (房屋层数：地上3层); code《title》 or 《title》code items with mixed
  spellings; 承载体系：…; storey grades, then 危险性等级为：C级 and all A–D definitions in a note;
  the recommendation as the bare first sentence of 【处理意见】/【处理建议】; 【声明】 at the end;
  footer — x — or 第x页/共y页.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Table,
    TableStyle,
)

from reports.generator import kit
from reports.generator.content import (
    DATE_FORMATS,
    Content,
    build_content,
    cn_number,
    date_cn,
)
from reports.generator.images import seal_png
from reports.generator.kit import BODY_W, MARGIN_X, PAGE_H, PAGE_W, body, gap, para, style
from reports.generator.spec import ReportSpec

ROWS_PER_EXTRA_PAGE = 45
CN_SUB = "一二三四五六七八九十"


def _circled_list(items: list[str], fmt: str, end: str = "；") -> list[str]:
    out = []
    for i, item in enumerate(items, start=1):
        out.append(fmt.format(i=i) + item + (end if i < len(items) else "。"))
    return out


class Layout:
    name: ClassVar[str] = ""
    want_photos: ClassVar[int] = 0
    passes: ClassVar[int] = 1

    def __init__(self, spec: ReportSpec, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(f"{self.name}:{seed}")  # noqa: S311 - test data
        self.c: Content = build_content(spec, self.rng, want_photos=self.want_photos)
        rng = self.rng
        self.measurements = [
            (
                i + 1,
                self.c.location(),
                f"测区{(i % 10) + 1}",
                " ".join(f"{rng.uniform(20, 48):.1f}" for _ in range(8)),
                f"{rng.uniform(26, 42):.1f}",
                f"{rng.uniform(1.0, 12.0):.1f}",
            )
            for i in range(ROWS_PER_EXTRA_PAGE * max(0, spec.extra_pages))
        ]
        self.choose()

    # -- per-layout choices, all drawn before the story is built (the story may be built twice) --
    def choose(self) -> None:
        pass

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        raise NotImplementedError

    def header(self, canv: Canvas, page: int, total: int) -> None:
        pass

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        pass

    def render(self) -> bytes:
        return kit.build(
            self.story,
            title=f"{self.c.title} {self.spec.report_no}",
            author=self.spec.firm,
            on_body=self.header,
            footer=self._footer,
            passes=self.passes,
        )

    def _footer(self, canv: Canvas, page: int, total: int) -> None:
        if page > 1:
            self.footer(canv, page, total)

    # -- shared text -----------------------------------------------------------------------------
    @property
    def sections(self) -> list[str]:
        s = self.spec
        keys = ["overview", "basis", "inspection", "structure"]
        if s.seismic_intensity is not None:
            keys.append("seismic")
        if s.grade is not None:
            keys.append("conclusion")
        if s.recommendation is not None:
            keys.append("recommendation")
        return keys

    def floors_text(self, n: int, hanzi: bool) -> str:
        return f"{cn_number(n)}层" if hanzi else f"{n}层"

    def overview_text(self, *, hanzi: bool, owner: bool = True) -> str:
        s, c = self.spec, self.c
        use = f"经营性自建房，现用途为{c.use}" if c.business else "自住房屋，未用于经营活动"
        alt = (
            "建成后未进行改扩建。" if c.alteration == "否" else f"房屋建成后进行过{c.alteration}。"
        )
        own = f"，产权人为{s.owner}" if owner else ""
        return (
            f"该房屋位于{s.address}，房屋编号为{s.building_no}{own}。房屋建于{c.year_built}年，"
            f"为地上{self.floors_text(s.floors, hanzi)}{s.structure_type}房屋，建筑面积约{c.area}㎡，"
            f"基础形式为{c.foundation}，{c.floor_system}。该房屋为{use}。{alt}"
        )

    def entrust_text(self, date_fmt: str = "cn") -> str:
        s, c = self.spec, self.c
        return (
            f"受{c.client}委托，{s.firm}于{DATE_FORMATS[date_fmt](s.inspection_date)}对该房屋进行了现场查勘和检测，"
            "鉴定范围为该房屋整幢，鉴定目的为评定房屋的安全状况并提出处理建议。"
        )

    def capacity_text(self) -> str:
        c = self.c
        gb50009 = next((x for x in self.spec.standards if x.startswith("GB 50009")), None)
        verdict = (
            "主要承重构件承载力满足要求"
            if float(c.phi) >= 1.0
            else (
                "个别构件承载力不满足要求"
                if float(c.phi) >= 0.95
                else "部分承重构件承载力不满足要求"
            )
        )
        return (
            "根据现场检测结果，采用PKPM结构设计软件对主要承重构件进行承载力验算，荷载按"
            f"{c.cite(gb50009, '建筑结构荷载规范')}取值，最不利构件抗力与荷载效应之比φR/(γ0S)为{c.phi}，{verdict}。"
        )

    def seismic_params_text(self) -> str:
        c, s = self.c, self.spec
        return (
            f"根据《中国地震动参数区划图》及当地有关规定，该房屋所在地区抗震设防烈度为{s.seismic_intensity}，"
            f"设计基本地震加速度值为{c.accel}，设计地震分组为{c.group}，建筑场地类别为{c.site_class}。"
            f"该房屋抗震设防类别为丙类，后续使用年限按{c.service_years}年考虑，按{c.seismic_class}类建筑进行抗震鉴定。"
        )

    def seismic_verdict(self) -> str:
        concl = self.spec.seismic_conclusion
        return f"该房屋{concl}抗震鉴定要求。" if concl else "该房屋抗震承载力尚需进一步验算确定。"

    def seismic_conclusion_text(self) -> str:
        c = self.c
        return (
            f"依据{c.cite(c.gb50023, '建筑抗震鉴定标准')}，经第一级鉴定，{self.seismic_verdict()}"
        )

    def grade_basis(self) -> str:
        c = self.c
        return c.cite(c.jgj125, "危险房屋鉴定标准")

    def storeys_text(self) -> str:
        return "，".join(f"{floor}{g}级" for floor, g in self.c.storey_grades)

    def members_summary(self) -> str:
        c = self.c
        return f"共检查主要构件{len(c.members)}个，其中评定为危险构件{len(c.dangerous)}个"

    def member_rows(self, only_dangerous: bool = False) -> list[list[Any]]:
        rows: list[list[Any]] = [["序号", "构件名称", "位置", "检查情况", "评定结果"]]
        members = self.c.dangerous if only_dangerous and self.c.dangerous else self.c.members
        for i, m in enumerate(members, start=1):
            rows.append([str(i), m.name, m.location, m.finding, m.result])
        return rows

    def member_table(self, only_dangerous: bool = False, size: float = 9) -> Table:
        w = BODY_W
        return kit.grid_table(
            self.member_rows(only_dangerous),
            [0.08 * w, 0.14 * w, 0.24 * w, 0.38 * w, 0.16 * w],
            size=size,
            center_cols=(0, 1, 4),
        )

    def measurement_flowables(self, title: str) -> list[Flowable]:
        if not self.measurements:
            return []
        w = BODY_W
        rows: list[list[Any]] = [["序号", "构件位置", "测区", "回弹值", "平均值", "换算强度(MPa)"]]
        rows += [[str(r[0]), r[1], r[2], r[3], r[4], r[5]] for r in self.measurements]
        table = kit.grid_table(
            rows,
            [0.07 * w, 0.24 * w, 0.09 * w, 0.38 * w, 0.1 * w, 0.12 * w],
            size=8,
            pad=1.6,
            center_cols=(0, 2, 4, 5),
        )
        return [para(title, style(11, align="center", space_after=4)), table]

    def seal(self, dx: float, dy: float, size: float = 38 * mm) -> kit.Overlay:
        return kit.Overlay(seal_png(self.spec.firm), size, size, dx, dy)

    def photo_pairs(self) -> list[tuple[bytes, str]]:
        return [(data, f"照片{i} {cap}") for i, (data, cap) in enumerate(self.c.photos, start=1)]

    def header_rule(
        self,
        canv: Canvas,
        left: str,
        right: str,
        *,
        center: str | None = None,
        double: bool = False,
        size: float = 8.5,
    ) -> None:
        y = PAGE_H - 17 * mm
        canv.setFont(kit.font(), size)
        if center is not None:
            canv.drawCentredString(PAGE_W / 2, y, center)
        if left:
            canv.drawString(MARGIN_X, y, left)
        if right:
            canv.drawRightString(PAGE_W - MARGIN_X, y, right)
        canv.setLineWidth(0.8 if not double else 1.2)
        canv.line(MARGIN_X, y - 4, PAGE_W - MARGIN_X, y - 4)
        if double:
            canv.setLineWidth(0.4)
            canv.line(MARGIN_X, y - 6.5, PAGE_W - MARGIN_X, y - 6.5)


# ------------------------------------------------------------------------------------------------
class NumberedCN(Layout):
    name = "numbered_cn"
    want_photos = 4

    def choose(self) -> None:
        rng = self.rng
        self.cover_date = rng.choices(("cn", "hanzi", "dots"), weights=(6, 2, 2))[0]
        self.show_inspection_on_cover = rng.random() < 0.5
        self.basis_items = self.c.basis(
            rng.choice(("plain", "plain", "nospace")), "title_code", mixed=True
        )
        self.heading_keep = rng.random() < 0.5

    def header(self, canv: Canvas, page: int, total: int) -> None:
        self.header_rule(canv, self.spec.firm, f"报告编号：{self.spec.report_no}")

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        canv.setFont(kit.font(), 9)
        canv.drawCentredString(PAGE_W / 2, 14 * mm, f"第{page}页共{total}页")

    def h1(self, n: int, text: str) -> Paragraph:
        return para(
            f"{cn_number(n)}、{text}",
            style(13, align="left", space_before=10, space_after=4, keep=self.heading_keep),
        )

    def h2(self, n: int, text: str) -> Paragraph:
        return para(
            f"（{CN_SUB[n - 1]}）{text}",
            style(11, align="left", space_before=4, space_after=2, keep=True),
        )

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        s, c = self.spec, self.c
        out: list[Flowable] = [
            para(f"报告编号：{s.report_no}", style(10, align="left")),
            gap(40 * mm),
        ]
        out.append(para(c.title, style(24, align="center")))
        out.append(gap(28 * mm))
        rows = [
            ("房屋编号：", s.building_no),
            ("委托单位：", c.client),
            ("产 权 人：", s.owner),
            ("房屋地址：", s.address),
            ("鉴定类别：", s.appraisal_type),
            ("鉴定机构：", s.firm),
        ]
        if self.show_inspection_on_cover:
            rows.append(("查勘日期：", DATE_FORMATS[self.cover_date](s.inspection_date)))
        rows.append(("鉴定日期：", DATE_FORMATS[self.cover_date](s.date)))
        value = style(11, align="left", space_after=0)
        t = Table(
            [[para(a, value), para(b, value)] for a, b in rows], colWidths=[28 * mm, 105 * mm]
        )
        t.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        out += [t, gap(30 * mm)]
        out.append(para(s.firm, style(12, align="center", space_after=1)))
        out.append(para(DATE_FORMATS[self.cover_date](s.date), style(12, align="center")))
        out.append(self.seal(BODY_W / 2 - 19 * mm, -22 * mm))
        out += [NextPageTemplate("body"), PageBreak()]

        out.append(para("声  明", style(18, align="center", space_after=12)))
        for i, line in enumerate(
            (
                "本报告未加盖本机构“房屋安全鉴定专用章”无效；报告无鉴定人、审核人、批准人签字无效。",
                "本报告鉴定结论仅对鉴定时房屋的现状有效，房屋使用条件或结构发生变化时应重新鉴定。",
                "本报告不得涂改、复制，部分复制本报告无效。",
                "对本报告鉴定结论有异议的，应于收到报告之日起十五日内向本机构书面提出。",
            ),
            start=1,
        ):
            out.append(para(f"{i}．{line}", style(10.5, align="left")))
        out.append(PageBreak())

        for n, key in enumerate(self.sections, start=1):
            out += getattr(self, f"sec_{key}")(n)
        out.append(gap(10 * mm))
        sign = style(11, align="left", space_after=3)
        out.append(
            KeepTogether(
                [
                    para(
                        f"鉴定人：{'  '.join(c.appraisers)}    审核人：{c.reviewer}    批准人：{c.approver}",
                        sign,
                    ),
                    para(f"鉴定机构：{s.firm}（盖章）", sign),
                    para(f"报告日期：{date_cn(s.date)}", sign),
                    self.seal(70 * mm, -8 * mm),
                ]
            )
        )
        if self.measurements:
            out += [PageBreak(), *self.measurement_flowables("附件1 回弹法检测原始记录")]
        pairs = self.photo_pairs()
        if pairs:
            out += [PageBreak(), para("附件：现场照片", style(13, align="left", space_after=6))]
            for i, (data, cap) in enumerate(pairs):
                if i and i % 2 == 0:
                    out.append(PageBreak())
                out += [
                    kit.photo(data, 115 * mm),
                    para(cap, style(10, align="center", space_after=10)),
                ]
        return out

    def sec_overview(self, n: int) -> list[Flowable]:
        return [
            self.h1(n, "房屋概况"),
            body(self.overview_text(hanzi=True)),
            body(self.entrust_text()),
        ]

    def sec_basis(self, n: int) -> list[Flowable]:
        items = _circled_list(self.basis_items, "{i}．")
        return [
            self.h1(n, "鉴定依据"),
            *[para(x, style(10.5, align="left", space_after=1)) for x in items],
        ]

    def sec_inspection(self, n: int) -> list[Flowable]:
        c = self.c
        return [
            self.h1(n, "现场检查情况"),
            self.h2(1, "地基基础"),
            body(c.foundation_text),
            self.h2(2, "上部承重结构"),
            body(f"{c.super_text}主要构件检查结果见表1。"),
            para("表1 主要承重构件检查结果", style(9.5, align="center", space_after=2)),
            self.member_table(),
            self.h2(3, "围护结构"),
            body(c.enclosure_text),
            self.h2(4, "材料强度检测"),
            body(c.material_text),
            self.h2(5, "房屋倾斜测量"),
            body(f"采用全站仪对房屋整体倾斜进行测量，最大倾斜率为{c.tilt}。"),
        ]

    def sec_structure(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        text = (
            f"该房屋地上{self.floors_text(c.structure_floors, True)}，为{s.structure_type}，承载体系为{s.load_system}，"
            f"{c.floor_system}，基础为{c.foundation}。结构布置基本规则，传力路径明确。"
        )
        return [self.h1(n, "结构体系及承载能力"), body(text), body(self.capacity_text())]

    def sec_seismic(self, n: int) -> list[Flowable]:
        c = self.c
        return [
            self.h1(n, "抗震性能评价"),
            body(self.seismic_params_text()),
            body(f"经现场核查，该房屋{c.measures_text}"),
            body(
                f"依据{c.cite(c.gb50023, '建筑抗震鉴定标准')}，对该房屋进行第一级抗震鉴定。综上所述，{self.seismic_verdict()}"
            ),
        ]

    def sec_conclusion(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        definition = c.grade_definition()
        tail = f"（{definition}）" if definition else ""
        return [
            self.h1(n, "鉴定结论"),
            body(
                f"依据{self.grade_basis()}的规定，经对地基基础、上部承重结构的危险性进行综合分析，"
                f"该房屋危险性等级评定为{s.grade}级{tail}。"
            ),
        ]

    def sec_recommendation(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        lead = "根据鉴定结论" if s.grade is not None else "根据现场检查检测结果"
        out = [self.h1(n, "处理建议"), body(f"{lead}，建议：{s.recommendation}。")]
        out += [
            para(f"{i}．{x}", style(10.5, align="left", space_after=1))
            for i, x in enumerate(c.extra_recs, 1)
        ]
        return out


# ------------------------------------------------------------------------------------------------
class NumberedArabic(Layout):
    name = "numbered_arabic"
    want_photos = 0

    def choose(self) -> None:
        rng = self.rng
        self.cover_date = rng.choices(("dots", "cn"), weights=(7, 3))[0]
        self.basis_items = self.c.basis(rng.choice(("nospace", "plain", "nospace")), "title_code")
        self.footer_style = rng.choice(("slash", "slash", "plain"))

    def header(self, canv: Canvas, page: int, total: int) -> None:
        self.header_rule(canv, self.spec.firm, f"报告编号：{self.spec.report_no}")

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        canv.setFont(kit.font(), 9)
        text = (
            f"第{page}页/共{total}页" if self.footer_style == "slash" else f"第{page}页 共{total}页"
        )
        canv.drawRightString(PAGE_W - MARGIN_X, 14 * mm, text)

    def h1(self, n: int, text: str) -> Paragraph:
        return para(
            f"{n} {text}", style(13, align="left", space_before=10, space_after=4, keep=True)
        )

    def h2(self, n: int, m: int, text: str) -> Paragraph:
        return para(
            f"{n}.{m} {text}", style(11, align="left", space_before=3, space_after=2, keep=True)
        )

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        s, c = self.spec, self.c
        title = " ".join(c.title)
        out: list[Flowable] = [gap(20 * mm), para(title, style(20, align="center", space_after=8))]
        out.append(para(f"报告编号：{s.report_no}", style(10.5, align="center")))
        out.append(gap(18 * mm))
        fmt = DATE_FORMATS[self.cover_date]
        rows = [
            ("工程名称", c.project_name),
            ("房屋编号", s.building_no),
            ("房屋地址", s.address),
            ("产权人", s.owner),
            ("委托单位", c.client),
            ("鉴定类别", s.appraisal_type),
            ("鉴定机构", s.firm),
            ("现场检测日期", fmt(s.inspection_date)),
            ("鉴定日期", fmt(s.date)),
        ]
        label_w = 26 * mm
        value = style(11, align="left", space_after=0)
        t = Table(
            [[kit.Spaced(a, label_w - 8, 11), para(b, value)] for a, b in rows],
            colWidths=[label_w, 108 * mm],
        )
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        out += [t, gap(20 * mm), self.seal(BODY_W / 2 - 19 * mm, -40 * mm)]
        out += [NextPageTemplate("body"), PageBreak()]

        for n, key in enumerate(self.sections, start=1):
            out += getattr(self, f"sec_{key}")(n)
        out.append(gap(8 * mm))
        w = BODY_W
        sign = kit.grid_table(
            [
                ["项目负责人", c.appraisers[0], "审核", c.reviewer],
                ["批准", c.approver, "报告日期", date_cn(s.date)],
            ],
            [0.2 * w, 0.3 * w, 0.2 * w, 0.3 * w],
            header=False,
            size=10,
            pad=5,
        )
        out.append(
            KeepTogether(
                [
                    para("报告签发", style(12, align="left", space_after=4)),
                    sign,
                    self.seal(0.55 * w, -4 * mm, 34 * mm),
                ]
            )
        )
        if self.measurements:
            out += [PageBreak(), *self.measurement_flowables("附表1 砌体砂浆强度回弹检测记录")]
        pairs = self.photo_pairs()
        if pairs:
            out += [PageBreak(), para("附录 现场照片", style(13, align="left"))]
            for data, cap in pairs:
                out += [
                    kit.photo(data, 100 * mm),
                    para(cap, style(10, align="center", space_after=8)),
                ]
        return out

    def fact_table(self) -> Table:
        s, c = self.spec, self.c
        w = BODY_W
        rows = [
            ["房屋编号", s.building_no, "产权人", s.owner],
            ["房屋地址", s.address, "", ""],
            ["委托单位", c.client, "鉴定类别", s.appraisal_type],
            ["结构类型", s.structure_type, "层数", str(s.floors)],
            ["建造年代", f"{c.year_built}年", "建筑面积(㎡)", c.area],
            ["基础形式", c.foundation, "楼（屋）盖", c.floor_system],
            ["承载体系", s.load_system, "现用途", c.use],
            ["是否经营性", "是" if c.business else "否", "改扩建情况", c.alteration],
        ]
        return kit.grid_table(
            rows,
            [0.17 * w, 0.33 * w, 0.17 * w, 0.33 * w],
            header=False,
            size=9.5,
            spans=[((1, 1), (3, 1))],
            center_cols=(0, 2),
        )

    def sec_overview(self, n: int) -> list[Flowable]:
        return [
            self.h1(n, "工程概况"),
            body(self.entrust_text() + f"房屋基本情况见表{n}.1。"),
            para(f"表{n}.1 房屋基本情况", style(9.5, align="center", space_after=2)),
            self.fact_table(),
        ]

    def sec_basis(self, n: int) -> list[Flowable]:
        items = [f"（{i}）{x}；" for i, x in enumerate(self.basis_items, start=1)]
        return [
            self.h1(n, "鉴定依据"),
            *[para(x, style(10.5, align="left", space_after=1)) for x in items],
        ]

    def sec_inspection(self, n: int) -> list[Flowable]:
        c = self.c
        return [
            self.h1(n, "检测鉴定内容"),
            self.h2(n, 1, "鉴定范围和内容"),
            body(
                "对该房屋地基基础、上部承重结构及围护结构进行全面查勘，对主要承重构件进行检测，并对房屋整体倾斜进行测量。"
            ),
            self.h2(n, 2, "地基基础"),
            body(c.foundation_text),
            self.h2(n, 3, "上部承重结构"),
            body(f"{c.super_text}{self.members_summary()}，检查结果见表{n}.1。"),
            para(f"表{n}.1 构件检查评定结果", style(9.5, align="center", space_after=2)),
            self.member_table(),
            self.h2(n, 4, "围护结构"),
            body(c.enclosure_text),
            self.h2(n, 5, "材料强度"),
            body(c.material_text),
            self.h2(n, 6, "倾斜观测"),
            body(f"采用全站仪对房屋整体倾斜进行测量，最大倾斜率为{c.tilt}。"),
        ]

    def sec_structure(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        return [
            self.h1(n, "结构体系与承载能力"),
            self.h2(n, 1, "结构体系"),
            body(
                f"该房屋为{c.structure_floors}层{s.structure_type}，其承载体系为{s.load_system}，{c.floor_system}。"
            ),
            self.h2(n, 2, "承载能力验算"),
            body(self.capacity_text()),
        ]

    def sec_seismic(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        w = BODY_W
        params = kit.grid_table(
            [
                ["抗震设防烈度", s.seismic_intensity or "", "设计基本地震加速度", c.accel],
                ["设计地震分组", c.group, "场地类别", c.site_class],
                [
                    "抗震设防类别",
                    "丙类",
                    "后续使用年限",
                    f"{c.service_years}年（{c.seismic_class}类建筑）",
                ],
            ],
            [0.22 * w, 0.22 * w, 0.28 * w, 0.28 * w],
            header=False,
            size=9.5,
            center_cols=(0, 1, 2, 3),
        )
        return [
            self.h1(n, "抗震鉴定"),
            self.h2(n, 1, "抗震设防参数"),
            params,
            self.h2(n, 2, "抗震措施核查"),
            body(f"经现场核查，该房屋{c.measures_text}"),
            self.h2(n, 3, "抗震鉴定结论"),
            body(self.seismic_conclusion_text()),
        ]

    def sec_conclusion(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        out: list[Flowable] = [
            self.h1(n, "鉴定结论"),
            body(f"依据{self.grade_basis()}第6章的规定，综合评定：该房屋危险性等级为{s.grade}级。"),
        ]
        definition = c.grade_definition()
        if definition:
            out.append(body(f"即：{definition}。"))
        out.append(
            para("注：房屋危险性等级划分标准如下表。", style(9.5, align="left", space_after=2))
        )
        w = BODY_W
        rows = [["等级", "分级标准"]] + [[f"{g}级", d] for g, d in c.grade_definitions.items()]
        out.append(kit.grid_table(rows, [0.14 * w, 0.86 * w], size=9, center_cols=(0,)))
        return out

    def sec_recommendation(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        lead = (
            "根据鉴定结论，对该房屋提出以下处理建议："
            if s.grade
            else "根据检测结果，对该房屋提出以下处理建议："
        )
        items = [f"（1）{s.recommendation}。"] + [
            f"（{i}）{x}" for i, x in enumerate(c.extra_recs, start=2)
        ]
        return [
            self.h1(n, "处理建议"),
            body(lead),
            *[para(x, style(10.5, align="left", space_after=1)) for x in items],
        ]


# ------------------------------------------------------------------------------------------------
class ChaptersTOC(Layout):
    name = "chapters_toc"
    want_photos = 2
    passes = 2

    TITLES: ClassVar[dict[str, str]] = {
        "overview": "工程概况",
        "basis": "鉴定依据",
        "inspection": "现场检查与检测",
        "structure": "结构体系及承载能力分析",
        "seismic": "抗震性能评价",
        "conclusion": "鉴定结论",
        "recommendation": "处理意见",
    }

    def choose(self) -> None:
        rng = self.rng
        self.cover_date = rng.choices(("hanzi", "cn"), weights=(8, 2))[0]
        self.basis_items = self.c.basis(rng.choice(("fullwidth", "plain")), "title_paren")
        self.chapter_breaks = rng.random() < 0.3
        self.only_dangerous = rng.random() < 0.5

    def header(self, canv: Canvas, page: int, total: int) -> None:
        self.header_rule(canv, "", "", center=self.spec.firm, double=True, size=9)
        canv.setFont(kit.font(), 7.5)
        canv.drawRightString(
            PAGE_W - MARGIN_X, PAGE_H - 17 * mm - 15, f"鉴定编号：{self.spec.report_no}"
        )

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        canv.setFont(kit.font(), 9)
        canv.drawCentredString(PAGE_W / 2, 14 * mm, f"—{page}—")

    def chapter(self, n: int, key: str) -> list[Flowable]:
        title = f"第{cn_number(n)}章 {self.TITLES[key]}"
        out: list[Flowable] = []
        if self.chapter_breaks and n > 1:
            out.append(PageBreak())
        out += [
            kit.Marker(title),
            para(title, style(14, align="center", space_before=10, space_after=6, keep=True)),
        ]
        return out

    def h2(self, n: int, m: int, text: str) -> Paragraph:
        return para(
            f"{n}.{m} {text}", style(11, align="left", space_before=3, space_after=2, keep=True)
        )

    def appendix_titles(self) -> list[str]:
        out = []
        if self.measurements:
            out.append("附件 检测数据")
        if self.c.photos:
            out.append("附件 现场照片")
        return out

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        s, c = self.spec, self.c
        out: list[Flowable] = [
            para(f"鉴定编号：{s.report_no}", style(10, align="left")),
            gap(45 * mm),
        ]
        out += [para(c.title, style(24, align="center")), gap(25 * mm)]
        value = style(11, align="left", space_after=0)
        rows = [
            ("项目名称：", c.project_name),
            ("房屋编号：", s.building_no),
            ("房屋地址：", s.address),
            ("委托单位：", c.client),
            ("鉴定类别：", s.appraisal_type),
        ]
        t = Table(
            [[para(a, value), para(b, value)] for a, b in rows], colWidths=[26 * mm, 110 * mm]
        )
        t.setStyle(
            TableStyle([("TOPPADDING", (0, 0), (-1, -1), 5), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        out += [t, gap(40 * mm)]
        out.append(para(s.firm, style(12, align="center", space_after=1)))
        out.append(para(DATE_FORMATS[self.cover_date](s.date), style(12, align="center")))
        out.append(self.seal(BODY_W / 2 - 19 * mm, -24 * mm))
        out += [NextPageTemplate("body"), PageBreak()]

        out.append(para("目  录", style(18, align="center", space_after=12)))
        titles = [
            f"第{cn_number(i)}章 {self.TITLES[k]}" for i, k in enumerate(self.sections, start=1)
        ]
        titles += self.appendix_titles()
        cell = style(10.5, align="left", space_after=0)
        dots_w = 0.5 * BODY_W - 12
        dots = "·" * int(dots_w / pdfmetrics.stringWidth("·", kit.font(), 10.5))
        rows_t = [
            [
                para(tt, cell),
                para(dots, cell),
                para(str(toc.get(tt, "")), style(10.5, align="right", space_after=0)),
            ]
            for tt in titles
        ]
        toc_table = Table(rows_t, colWidths=[0.42 * BODY_W, 0.5 * BODY_W, 0.08 * BODY_W])
        toc_table.setStyle(
            TableStyle(
                [("TOPPADDING", (0, 0), (-1, -1), 4), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]
            )
        )
        out += [toc_table, PageBreak()]

        for n, key in enumerate(self.sections, start=1):
            out += self.chapter(n, key)
            out += getattr(self, f"sec_{key}")(n)
        out.append(gap(10 * mm))
        sign = style(11, align="left", space_after=3)
        out.append(
            KeepTogether(
                [
                    para(f"鉴定人员：{'、'.join(c.appraisers)}", sign),
                    para(f"审    核：{c.reviewer}", sign),
                    para(f"批    准：{c.approver}", sign),
                    para(f"鉴定单位：{s.firm}", sign),
                    para(f"鉴定日期：{date_cn(s.date)}", sign),
                    self.seal(60 * mm, 0),
                ]
            )
        )
        if self.measurements:
            out += [
                PageBreak(),
                kit.Marker("附件 检测数据"),
                *self.measurement_flowables("附件 检测数据"),
            ]
        pairs = self.photo_pairs()
        if pairs:
            out += [
                PageBreak(),
                kit.Marker("附件 现场照片"),
                para("附件 现场照片", style(14, align="center", space_after=8)),
            ]
            cap = style(9.5, align="center", space_after=0)
            grid = []
            for i in range(0, len(pairs), 2):
                chunk = pairs[i : i + 2]
                grid.append([kit.photo(d, 75 * mm) for d, _ in chunk] + [""] * (2 - len(chunk)))
                grid.append([para(cp, cap) for _, cp in chunk] + [""] * (2 - len(chunk)))
            g = Table(grid, colWidths=[BODY_W / 2, BODY_W / 2])
            g.setStyle(
                TableStyle(
                    [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]
                )
            )
            out.append(g)
        return out

    def sec_overview(self, n: int) -> list[Flowable]:
        return [
            self.h2(n, 1, "房屋基本情况"),
            body(self.overview_text(hanzi=False)),
            self.h2(n, 2, "鉴定目的及范围"),
            body(self.entrust_text()),
        ]

    def sec_basis(self, n: int) -> list[Flowable]:
        return [
            para(f"{i}、{x}", style(10.5, align="left", space_after=1))
            for i, x in enumerate(self.basis_items, 1)
        ]

    def sec_inspection(self, n: int) -> list[Flowable]:
        c = self.c
        caption = f"表{n}-1 {'危险构件汇总表' if self.only_dangerous and c.dangerous else '构件检查评定表'}"
        return [
            self.h2(n, 1, "地基基础"),
            body(c.foundation_text),
            self.h2(n, 2, "上部承重结构"),
            body(c.super_text),
            body(f"经逐一检查，{self.members_summary()}，详见表{n}-1。"),
            para(caption, style(9.5, align="center", space_after=2)),
            self.member_table(self.only_dangerous),
            self.h2(n, 3, "围护结构"),
            body(c.enclosure_text),
            self.h2(n, 4, "材料强度检测"),
            body(c.material_text),
            self.h2(n, 5, "房屋倾斜测量"),
            body(f"采用全站仪对房屋整体倾斜进行测量，最大倾斜率为{c.tilt}。"),
        ]

    def sec_structure(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        return [
            body(
                f"该房屋地上{c.structure_floors}层，结构形式为{s.structure_type}，承重体系为{s.load_system}。"
                f"{c.floor_system}，基础采用{c.foundation}。"
            ),
            body(self.capacity_text()),
        ]

    def sec_seismic(self, n: int) -> list[Flowable]:
        c = self.c
        return [
            self.h2(n, 1, "抗震设防参数"),
            body(self.seismic_params_text()),
            self.h2(n, 2, "抗震构造措施"),
            body(f"经现场核查，该房屋{c.measures_text}"),
            self.h2(n, 3, "抗震鉴定结论"),
            body(
                f"依据{c.cite(c.gb50023, '建筑抗震鉴定标准')}，经综合分析，{self.seismic_verdict()}"
            ),
        ]

    def sec_conclusion(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        definition = c.grade_definition()
        tail = f"，{definition}" if definition else ""
        return [
            body(f"根据各楼层构件危险性评定结果，{self.storeys_text()}。"),
            body(f"依据{self.grade_basis()}，综合评定该房屋危险性等级为{s.grade}级{tail}。"),
        ]

    def sec_recommendation(self, n: int) -> list[Flowable]:
        s, c = self.spec, self.c
        items = [f"（{i}）{x}" for i, x in enumerate(c.extra_recs, start=1)]
        return [
            body(f"处理意见：{s.recommendation}。"),
            *[para(x, style(10.5, align="left", space_after=1)) for x in items],
        ]


# ------------------------------------------------------------------------------------------------
class FormTable(Layout):
    name = "form_table"
    want_photos = 4

    def choose(self) -> None:
        rng = self.rng
        self.cover_date = rng.choice(("cn", "dots", "hanzi"))
        self.form_date = rng.choice(("cn", "dots"))
        self.basis_items = self.c.basis(
            rng.choice(("plain", "nospace", "fullwidth")), rng.choice(("title_code", "bare"))
        )
        self.form_title = rng.choice(("房屋安全鉴定报告书", "房屋安全鉴定表", self.c.title))

    def header(self, canv: Canvas, page: int, total: int) -> None:
        self.header_rule(canv, self.form_title, f"编号：{self.spec.report_no}")

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        canv.setFont(kit.font(), 8.5)
        canv.drawString(MARGIN_X, 14 * mm, f"鉴定机构：{self.spec.firm}")
        canv.drawRightString(PAGE_W - MARGIN_X, 14 * mm, f"第 {page} 页 共 {total} 页")

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        s, c = self.spec, self.c
        w = BODY_W
        out: list[Flowable] = [
            gap(40 * mm),
            para(self.form_title, style(24, align="center", space_after=6)),
        ]
        out += [
            para(f"（{s.appraisal_type}）", style(13, align="center", space_after=4)),
            para(f"编号：{s.report_no}", style(11, align="center")),
            gap(30 * mm),
        ]
        cover = kit.grid_table(
            [
                ["委 托 人", c.client],
                ["房屋地址", s.address],
                ["鉴定机构", s.firm],
                ["报告日期", DATE_FORMATS[self.cover_date](s.date)],
            ],
            [0.25 * w, 0.75 * w],
            header=False,
            size=11,
            pad=7,
            center_cols=(0,),
        )
        out += [cover, gap(20 * mm), self.seal(w * 0.6, -30 * mm)]
        out += [NextPageTemplate("body"), PageBreak()]

        fmt = DATE_FORMATS[self.form_date]
        info = kit.grid_table(
            [
                ["房屋编号", s.building_no, "鉴定类别", s.appraisal_type],
                ["房屋地址", s.address, "", ""],
                ["产权人", s.owner, "委托人", c.client],
                ["结构类型", s.structure_type, "层数", str(s.floors)],
                ["建造年代", f"{c.year_built}年", "建筑面积", f"{c.area}㎡"],
                ["基础形式", c.foundation, "楼屋盖形式", c.floor_system],
                ["承载体系", s.load_system, "", ""],
                ["现场查勘日期", fmt(s.inspection_date), "鉴定日期", fmt(s.date)],
            ],
            [0.18 * w, 0.32 * w, 0.18 * w, 0.32 * w],
            header=False,
            size=10,
            pad=5,
            spans=[((1, 1), (3, 1)), ((1, 6), (3, 6))],
            center_cols=(0, 2),
        )
        out += [para("一、房屋基本信息", style(12, align="left", space_after=4)), info, gap(6 * mm)]

        label = style(10.5, align="center", space_after=0)
        cell = style(10, leading=16, align="left", space_after=1)
        indent = style(10, leading=16, indent=20, space_after=1)

        def row(title: str, texts: list[str], *, indented: bool = True) -> list[Any]:
            return [Paragraph(title, label), [para(t, indent if indented else cell) for t in texts]]

        rows: list[list[Any]] = []
        rows.append(
            row("鉴定依据", [f"{i}.{x}" for i, x in enumerate(self.basis_items, 1)], indented=False)
        )
        rows.append(row("鉴定目的及范围", [self.entrust_text(self.form_date)]))
        rows.append(
            row(
                "现场查勘情况",
                [
                    f"地基基础：{c.foundation_text}",
                    f"上部承重结构：{c.super_text}{self.members_summary()}，详见附表1。",
                    f"围护结构：{c.enclosure_text}",
                    f"材料强度：{c.material_text}",
                    f"倾斜测量：最大倾斜率为{c.tilt}。",
                ],
            )
        )
        rows.append(
            row(
                "结构体系",
                [
                    f"该房屋为{c.structure_floors}层{s.structure_type}，承载体系为{s.load_system}，{c.floor_system}。"
                ],
            )
        )
        rows.append(row("承载能力", [self.capacity_text()]))
        if s.seismic_intensity is not None:
            rows.append(
                row(
                    "抗震性能评价",
                    [
                        self.seismic_params_text(),
                        f"抗震措施：{c.measures_text}",
                        f"抗震鉴定结论：{self.seismic_verdict()}",
                    ],
                )
            )
        if s.grade is not None:
            definition = c.grade_definition()
            rows.append(
                row(
                    "鉴定结论",
                    [
                        f"楼层危险性等级：{self.storeys_text()}。",
                        f"依据{self.grade_basis()}，房屋危险性等级：{s.grade}级。",
                        *([f"评定说明：{definition}。"] if definition else []),
                    ],
                )
            )
        if s.recommendation is not None:
            rows.append(
                row(
                    "处理建议",
                    [f"{s.recommendation}。", *[f"{i}.{x}" for i, x in enumerate(c.extra_recs, 1)]],
                )
            )
        rows.append(
            row(
                "说明",
                [
                    "本报告鉴定结论仅对鉴定时房屋的现状有效；报告未加盖鉴定专用章无效；涂改无效。",
                ],
            )
        )
        sections = Table(rows, colWidths=[0.18 * w, 0.82 * w])
        sections.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        out += [para("二、鉴定内容", style(12, align="left", space_after=4)), sections]
        sign = kit.grid_table(
            [
                ["鉴定人", "、".join(c.appraisers), "审核人", c.reviewer, "批准人", c.approver],
                ["鉴定机构（盖章）", s.firm, "", "报告日期", date_cn(s.date), ""],
            ],
            [0.16 * w, 0.22 * w, 0.12 * w, 0.16 * w, 0.2 * w, 0.14 * w],
            header=False,
            size=10,
            pad=6,
            spans=[((1, 1), (2, 1)), ((4, 1), (5, 1))],
            center_cols=(0, 2, 3, 4),
        )
        out += [CondPageBreak(40 * mm), gap(2 * mm), sign, self.seal(w * 0.3, -2 * mm, 34 * mm)]

        out += [
            PageBreak(),
            para("附表1 构件检查评定表", style(11, align="center", space_after=3)),
            self.member_table(),
        ]
        if self.measurements:
            out += [gap(6 * mm), *self.measurement_flowables("附表2 回弹法检测记录表")]
        pairs = self.photo_pairs()
        if pairs:
            out += [PageBreak(), para("附表3 现场照片", style(11, align="center", space_after=3))]
            cap = style(9.5, align="center", space_after=0)
            grid = []
            for i in range(0, len(pairs), 2):
                chunk = pairs[i : i + 2]
                grid.append([kit.photo(d, 74 * mm) for d, _ in chunk] + [""] * (2 - len(chunk)))
                grid.append([para(cp, cap) for _, cp in chunk] + [""] * (2 - len(chunk)))
            g = Table(grid, colWidths=[w / 2, w / 2])
            g.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ]
                )
            )
            out.append(g)
        return out


# ------------------------------------------------------------------------------------------------
class Bracketed(Layout):
    name = "bracketed"
    want_photos = 2

    def choose(self) -> None:
        rng = self.rng
        self.cover_date = rng.choice(("hanzi", "dots", "cn"))
        self.basis_items = self.c.basis(
            rng.choice(("plain", "nospace", "fullwidth")),
            rng.choice(("code_title", "title_code")),
            mixed=True,
        )
        self.footer_style = rng.choice(("dash", "slash"))
        self.rec_heading = rng.choice(("处理意见", "处理建议"))

    def header(self, canv: Canvas, page: int, total: int) -> None:
        self.header_rule(canv, f"报告编号：{self.spec.report_no}", self.spec.firm, double=True)

    def footer(self, canv: Canvas, page: int, total: int) -> None:
        canv.setFont(kit.font(), 9)
        if self.footer_style == "dash":
            canv.drawCentredString(PAGE_W / 2, 14 * mm, f"— {page} —")
        else:
            canv.drawCentredString(PAGE_W / 2, 14 * mm, f"第{page}页/共{total}页")

    def h(self, text: str) -> list[Flowable]:
        return [CondPageBreak(25 * mm), kit.FakeBold(f"【{text}】", 12.5)]

    def story(self, toc: dict[str, int]) -> list[Flowable]:
        s, c = self.spec, self.c
        out: list[Flowable] = [
            gap(35 * mm),
            kit.FakeBold(c.title, 24, align="center", offset=0.5),
            gap(30 * mm),
        ]
        fmt = DATE_FORMATS[self.cover_date]
        value = style(12, leading=15, align="left", space_after=0)
        rows = []
        for label, v in (
            ("报告编号", s.report_no),
            ("房屋编号", s.building_no),
            ("房屋地址", s.address),
            ("产权人", s.owner),
            ("鉴定类别", s.appraisal_type),
            ("鉴定机构", s.firm),
            ("检测日期", fmt(s.inspection_date)),
            ("报告日期", fmt(s.date)),
        ):
            rows.append([kit.Spaced(label, 30 * mm, 12, suffix="：", literal=True), para(v, value)])
        t = Table(rows, colWidths=[32 * mm, BODY_W - 44 * mm])
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                ]
            )
        )
        t.hAlign = "RIGHT"
        out.append(t)
        out += [gap(20 * mm), self.seal(BODY_W * 0.55, -10 * mm)]
        out += [NextPageTemplate("body"), PageBreak()]

        out += self.h("委托事项")
        out.append(body(self.entrust_text("cn")))
        out += self.h("房屋概况")
        facts = [
            f"房屋坐落：{s.address}",
            f"产 权 人：{s.owner}",
            f"建造年代：{c.year_built}年",
            f"结构类型：{s.structure_type}",
            f"房屋层数：地上{s.floors}层",
            f"建筑面积：{c.area}㎡",
            f"基础形式：{c.foundation}",
            f"楼 屋 盖：{c.floor_system}",
            f"使用情况：{c.use}",
        ]
        out += [para(f, style(10.5, align="left", space_after=0, left=8 * mm)) for f in facts]
        out += self.h("鉴定依据")
        out += [
            para(f"（{i}）{x}", style(10.5, align="left", space_after=1))
            for i, x in enumerate(self.basis_items, 1)
        ]
        out += self.h("检查检测情况")
        out += [
            body(f"1.地基基础：{c.foundation_text}"),
            body(f"2.上部承重结构：{c.super_text}{self.members_summary()}，见下表。"),
            self.member_table(),
            body(f"3.围护结构：{c.enclosure_text}"),
            body(f"4.材料强度：{c.material_text}"),
            body(f"5.倾斜观测：最大倾斜率{c.tilt}。"),
        ]
        out += self.h("结构体系及承载能力")
        out.append(
            body(
                f"经核查，该房屋为{c.structure_floors}层{s.structure_type}，承载体系：{s.load_system}。{self.capacity_text()}"
            )
        )
        if s.seismic_intensity is not None:
            out += self.h("抗震性能评价")
            out += [
                body(self.seismic_params_text()),
                body(f"抗震措施核查：{c.measures_text}"),
                body(f"抗震鉴定结论：{self.seismic_verdict()}"),
            ]
        if s.grade is not None:
            out += self.h("鉴定结论")
            out.append(body(f"各楼层危险性等级：{self.storeys_text()}。"))
            out.append(body(f"依据{self.grade_basis()}，综合评定该房屋危险性等级为：{s.grade}级。"))
            defs = "；".join(f"{g}级：{d}" for g, d in c.grade_definitions.items())
            out.append(para(f"注：房屋危险性等级划分——{defs}。", style(9, align="left")))
        if s.recommendation is not None:
            out += self.h(self.rec_heading)
            out.append(body(f"{s.recommendation}。"))
            out += [
                para(f"{i}.{x}", style(10.5, align="left", space_after=1, left=6 * mm))
                for i, x in enumerate(c.extra_recs, 1)
            ]
        out += self.h("签发")
        w = BODY_W
        sign = kit.grid_table(
            [
                ["鉴定", "、".join(c.appraisers), "审核", c.reviewer],
                ["批准", c.approver, "报告日期", date_cn(s.date)],
            ],
            [0.15 * w, 0.35 * w, 0.15 * w, 0.35 * w],
            header=False,
            size=10,
            pad=5,
            center_cols=(0, 2),
        )
        out += [sign, self.seal(w * 0.62, -12 * mm, 34 * mm), gap(6 * mm)]
        out += self.h("声明")
        out.append(
            para(
                "本报告鉴定结论仅对委托鉴定时房屋的现状负责；未经本机构书面同意，不得部分复制本报告；"
                "对鉴定结论有异议的，请于收到报告之日起十五日内提出。",
                style(9.5, align="left"),
            )
        )
        if self.measurements:
            out += [
                PageBreak(),
                *self.h("检测数据"),
                *self.measurement_flowables("回弹法检测原始记录"),
            ]
        pairs = self.photo_pairs()
        if pairs:
            out += [PageBreak(), *self.h("现场照片")]
            for data, cap in pairs:
                out += [
                    kit.photo(data, 105 * mm),
                    para(cap, style(10, align="center", space_after=10)),
                ]
        return out


TEXT_LAYOUTS: dict[str, type[Layout]] = {
    cls.name: cls for cls in (NumberedCN, NumberedArabic, ChaptersTOC, FormTable, Bracketed)
}
