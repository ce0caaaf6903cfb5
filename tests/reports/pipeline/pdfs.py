"""Small PDFs built in code for the pipeline's tests (reportlab; no files from outside the repo)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

reportlab = pytest.importorskip("reportlab")

from reportlab.lib.pdfencrypt import StandardEncryption  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W, PAGE_H = 595.0, 842.0
LEFT, TOP, LEADING = 60.0, 780.0, 17.0
WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@dataclass
class Page:
    lines: list[str]
    bold: set[int] = field(default_factory=set)  # indexes of lines drawn twice (fake bold)
    spaced: set[int] = field(default_factory=set)  # indexes of lines letter-spaced


def text_pdf(
    pages: Sequence[Page | Sequence[str]],
    *,
    header: str | None = None,
    footer: str | None = "第 {page} 页 共 {total} 页",
    encrypt: StandardEncryption | None = None,
) -> bytes:
    """A text PDF: each page's lines top-down; running header/footer on pages after the first."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), encrypt=encrypt, invariant=1)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, Page):
            page = Page(list(page))
        if number > 1 and header:
            canvas.setFont(FONT, 9)
            canvas.drawString(LEFT, PAGE_H - 40, header)
        canvas.setFont(FONT, 11)
        y = TOP
        for index, line in enumerate(page.lines):
            text = " ".join(line) if index in page.spaced else line
            canvas.drawString(LEFT, y, text)
            if index in page.bold:
                canvas.drawString(LEFT + 1.2, y, text)  # drawn twice: extracts doubled
            y -= LEADING
        if number > 1 and footer:
            canvas.setFont(FONT, 9)
            canvas.drawString(PAGE_W / 2 - 40, 40, footer.format(page=number, total=total))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def blank_pages(count: int) -> bytes:
    """A valid PDF of ``count`` pages with one short line each (tiny, fast)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setFont(FONT, 9)
    for number in range(1, count + 1):
        canvas.drawString(LEFT, TOP, f"测量数据 第{number}页")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def encrypted(user_password: str = "secret", owner_password: str = "owner") -> bytes:  # noqa: S107
    return text_pdf(
        [["报告编号：YC-JD-2022-0001", "房屋安全鉴定报告"]],
        encrypt=StandardEncryption(user_password, owner_password),
    )


def form_pdf(rows: Sequence[tuple[str, str]], *, labels_last: bool = True) -> bytes:
    """One ruled two-column table of label/value cells. With ``labels_last`` the values are
    drawn before all the labels, so the plain text no longer pairs them (pdfplumber does)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setFont(FONT, 11)
    top, height, split, right = 760.0, 26.0, 170.0, 540.0
    for index in range(len(rows) + 1):
        y = top - index * height
        canvas.line(LEFT, y, right, y)
    bottom = top - len(rows) * height
    for x in (LEFT, split, right):
        canvas.line(x, top, x, bottom)
    cells = [(split + 8, value) for _, value in rows]
    labels = [(LEFT + 8, label) for label, _ in rows]
    order = (
        cells + labels
        if labels_last
        else [c for pair in zip(labels, cells, strict=True) for c in pair]
    )
    for n, (x, text) in enumerate(order):
        row = n % len(rows)
        canvas.drawString(x, top - row * height - 17, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def scanned_pdf(lines: Sequence[str], *, dpi: int = 200) -> bytes:
    """One page image of black text on white (no text layer), like a clean scan."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(PAGE_W / 72 * dpi), int(PAGE_H / 72 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(WQY, size=int(dpi * 0.16))
    y = int(dpi * 0.8)
    for line in lines:
        draw.text((int(dpi * 0.8), y), line, fill=0, font=font)
        y += int(dpi * 0.3)
    png = io.BytesIO()
    image.save(png, format="PNG")
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, PAGE_W, PAGE_H)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# A complete small report in the 「一、」 style, as lines per page --------------------------------

FIRM = "运城市测试房屋安全鉴定有限公司"
REPORT_NO = "CS-JD-2022-0042"


def report_pages(
    *,
    grade: str = "C",
    recommendation: str | None = "处理使用，局部加固或拆除危险构件",
    seismic: bool = True,
    floors_overview: str = "二层",
    floors_structure: str = "二层",
    basis: Sequence[str] = (
        "《危险房屋鉴定标准》JGJ 125-2016；",
        "《建筑抗震鉴定标准》GB 50023-2009；",
    ),
    appraisal_type: str = "危险性鉴定",
    date: str = "2022年9月15日",
) -> list[Page]:
    cover = Page(
        [
            f"报告编号：{REPORT_NO}",
            "房屋安全鉴定报告",
            "房屋编号： 140802-000123",
            "产权人： 王建国",
            "房屋地址： 运城市盐湖区解州镇东王村12号",
            f"鉴定类别： {appraisal_type}",
            f"鉴定机构： {FIRM}",
            "现场检测日期： 2022年9月10日",
            f"鉴定日期： {date}",
        ],
        spaced={3},
    )
    body = [
        "一、房屋概况",
        f"该房屋位于运城市盐湖区解州镇东王村12号，产权人为王建国，为地上{floors_overview}砖混结构",
        "房屋，建于1995年。",
        "二、鉴定依据",
        *[f"{n}．{item}" for n, item in enumerate(basis, start=1)],
        f"{len(basis) + 1}．委托方提供的委托书。",
        "三、现场检查情况",
        "部分墙体出现斜裂缝，一层C轴墙体裂缝最大宽度2.0mm。",
        "四、结构体系及承载能力",
        f"该房屋地上{floors_structure}，为砖混结构，承载体系为纵横墙混合承重，预制空心板楼盖。",
    ]
    bold = {0, 3, 4 + len(basis) + 1, 4 + len(basis) + 3}
    second: list[str] = []
    if seismic:
        second += [
            "五、抗震性能评价",
            "该房屋所在地区抗震设防烈度为8度，设计基本地震加速度值为0.20g。经核查，该房屋不满",
            "足抗震鉴定要求。",
        ]
    second += [
        "六、鉴定结论",
        f"依据《危险房屋鉴定标准》JGJ 125-2016，该房屋危险性等级评定为{grade}级。",
        "注：A级：无危险构件；B级：个别构件危险；C级：局部危房；D级：整幢危房。",
    ]
    if recommendation is not None:
        second += [
            "七、处理建议",
            f"根据鉴定结论，建议：{recommendation}。",
            "1．加固前应设置临时支撑。",
        ]
    second += ["鉴定人：张三 审核人：李四", f"报告日期：{date}"]
    return [cover, Page(body, bold=bold), Page(second)]


def report_pdf(**kwargs: object) -> bytes:
    return text_pdf(report_pages(**kwargs), header=f"{FIRM} 报告编号：{REPORT_NO}")  # type: ignore[arg-type]
