"""reportlab plumbing shared by the layouts: styles, special flowables, the page machinery."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports.generator.fonts import cjk_font

PAGE_W, PAGE_H = A4
MARGIN_X = 25 * mm
MARGIN_TOP = 28 * mm
MARGIN_BOTTOM = 25 * mm
BODY_W = PAGE_W - 2 * MARGIN_X

Decorate = Callable[[Canvas, int, int], None]


def font() -> str:
    return cjk_font().name


def style(
    size: float = 10.5,
    *,
    leading: float | None = None,
    indent: float = 0,
    align: str = "justify",
    space_before: float = 0,
    space_after: float = 2,
    keep: bool = False,
    left: float = 0,
) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{align}{indent}{left}",
        fontName=font(),
        fontSize=size,
        leading=leading or size * 1.6,
        firstLineIndent=indent,
        leftIndent=left,
        alignment={"justify": TA_JUSTIFY, "left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}[
            align
        ],
        wordWrap="CJK",
        spaceBefore=space_before,
        spaceAfter=space_after,
        keepWithNext=1 if keep else 0,
    )


def para(text: str, st: ParagraphStyle | None = None, **kw: Any) -> Paragraph:
    return Paragraph(escape(text), st or style(**kw))


def body(text: str, size: float = 10.5) -> Paragraph:
    """A body paragraph with a two-character first-line indent."""
    return para(text, style(size, indent=2 * size))


class FakeBold(Flowable):
    """A heading drawn twice, a hair apart: looks bold, extracts as 工工程程概概况况."""

    def __init__(
        self,
        text: str,
        size: float = 13,
        align: str = "left",
        offset: float = 0.35,
        space_before: float = 8,
        space_after: float = 4,
    ) -> None:
        super().__init__()
        self.text, self.size, self.align, self.offset = text, size, align, offset
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self._width = 0.0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._width = aw
        return aw, self.size * 1.5

    def draw(self) -> None:
        c = self.canv
        c.setFont(font(), self.size)
        x = 0.0
        if self.align == "center":
            x = (self._width - c.stringWidth(self.text, font(), self.size)) / 2
        for dx in (0.0, self.offset):
            c.drawString(x + dx, self.size * 0.35, self.text)


class Spaced(Flowable):
    """A label spread evenly over a width (分散对齐).

    By default one glyph at a time (extracts as `房屋编号` or `房 屋 编 号` depending on the
    tool); with `literal=True` the label is one string with real spaces between the characters and
    character spacing stretched to the width (extracts as `房 屋 编 号` everywhere).
    """

    def __init__(
        self, text: str, width: float, size: float = 10.5, suffix: str = "", literal: bool = False
    ) -> None:
        super().__init__()
        self.text, self.width, self.size, self.suffix, self.literal = (
            text,
            width,
            size,
            suffix,
            literal,
        )

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.size * 1.4

    def draw(self) -> None:
        c = self.canv
        c.setFont(font(), self.size)
        chars = list(self.text)
        suffix_w = c.stringWidth(self.suffix, font(), self.size) if self.suffix else 0
        avail = self.width - suffix_w
        y = self.size * 0.3
        if self.literal and len(chars) > 1:
            text = " ".join(chars)
            natural = c.stringWidth(text, font(), self.size)
            t = c.beginText(0, y)
            t.setFont(font(), self.size)
            t.setCharSpace(max(0.0, (avail - natural) / (len(text) - 1)))
            t.textOut(text)
            c.drawText(t)
        elif len(chars) == 1:
            c.drawString(0, y, chars[0])
        else:
            step = (avail - self.size) / (len(chars) - 1)
            for i, ch in enumerate(chars):
                c.drawString(i * step, y, ch)
        if self.suffix:
            c.drawString(avail, y, self.suffix)


class Overlay(Flowable):
    """An image drawn relative to the current position without taking space (a seal over text)."""

    def __init__(self, data: bytes, w: float, h: float, dx: float, dy: float) -> None:
        super().__init__()
        self.data, self.w, self.h, self.dx, self.dy = data, w, h, dx, dy

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.drawImage(
            ImageReader(io.BytesIO(self.data)), self.dx, self.dy, self.w, self.h, mask="auto"
        )


class Marker(Flowable):
    """Records the page a heading lands on (for the table of contents)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.toc_key = key

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


def photo(data: bytes, width: float) -> Image:
    reader = ImageReader(io.BytesIO(data))
    iw, ih = reader.getSize()
    return Image(io.BytesIO(data), width=width, height=width * ih / iw)


def grid_table(
    rows: list[list[Any]],
    widths: list[float],
    *,
    header: bool = True,
    size: float = 9,
    repeat: int = 1,
    spans: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
    center_cols: tuple[int, ...] = (),
    grid: float = 0.6,
    pad: float = 3,
    shade_header: bool = True,
) -> Table:
    """A ruled table; string cells become wrapping paragraphs."""
    cell_style = style(size, leading=size * 1.35, align="left", space_after=0)
    center_style = style(size, leading=size * 1.35, align="center", space_after=0)
    data = []
    for r, row in enumerate(rows):
        out = []
        for col, cell in enumerate(row):
            if isinstance(cell, str):
                st = center_style if (col in center_cols or (header and r == 0)) else cell_style
                out.append(Paragraph(escape(cell), st) if cell else "")
            else:
                out.append(cell)
        data.append(out)
    t = Table(data, colWidths=widths, repeatRows=repeat if header else 0)
    cmds: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), grid, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), font()),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    if header and shade_header:
        cmds.append(("BACKGROUND", (0, 0), (-1, repeat - 1), colors.HexColor("#eeeeee")))
    for a, b in spans or []:
        cmds.append(("SPAN", a, b))
    t.setStyle(TableStyle(cmds))
    return t


class _DeferredCanvas(Canvas):
    """Keeps every page until the end so footers can print the page total (第 x 页 共 y 页)."""

    decorate: Decorate | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if self.decorate:
                self.decorate(self, number, total)
            super().showPage()
        super().save()


class ReportDoc(BaseDocTemplate):
    """Two page templates: `cover` (no header/footer) and `body`; records TOC marker pages."""

    def __init__(
        self,
        buf: io.BytesIO,
        *,
        title: str,
        author: str,
        on_body: Decorate | None,
        top: float = MARGIN_TOP,
        bottom: float = MARGIN_BOTTOM,
    ) -> None:
        super().__init__(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=top,
            bottomMargin=bottom,
            title=title,
            author=author,
            creator="Jianding report generator",
            invariant=1,
        )
        self.toc_pages: dict[str, int] = {}
        frame = Frame(
            MARGIN_X,
            bottom,
            BODY_W,
            PAGE_H - top - bottom,
            id="f",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        cover = Frame(
            MARGIN_X,
            20 * mm,
            BODY_W,
            PAGE_H - 40 * mm,
            id="c",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

        def body_page(canv: Canvas, doc: BaseDocTemplate) -> None:
            if on_body:
                on_body(canv, doc.page, 0)

        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[cover]),
                PageTemplate(id="body", frames=[frame], onPage=body_page),
            ]
        )

    def afterFlowable(self, flowable: Flowable) -> None:
        key = getattr(flowable, "toc_key", None)
        if key and key not in self.toc_pages:
            self.toc_pages[key] = self.page


def build(
    story_fn: Callable[[dict[str, int]], list[Flowable]],
    *,
    title: str,
    author: str,
    on_body: Decorate | None,
    footer: Decorate | None,
    passes: int = 1,
    top: float = MARGIN_TOP,
    bottom: float = MARGIN_BOTTOM,
) -> bytes:
    """Build the PDF; with passes=2 the story is built again with the TOC pages of the first."""
    pages: dict[str, int] = {}
    data = b""
    for _ in range(passes):
        buf = io.BytesIO()
        doc = ReportDoc(buf, title=title, author=author, on_body=on_body, top=top, bottom=bottom)
        canvas_cls = type(
            "_Canvas", (_DeferredCanvas,), {"decorate": staticmethod(footer) if footer else None}
        )
        doc.build(story_fn(pages), canvasmaker=canvas_cls)
        pages = dict(doc.toc_pages)
        data = buf.getvalue()
    return data


def gap(h: float) -> Spacer:
    return Spacer(1, h)
