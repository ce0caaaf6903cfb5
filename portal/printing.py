"""Printable documents the portal issues (notices, periodic reports): A4 PDFs in Chinese.

One small builder over the report generator's reportlab kit (its embedded CJK font, styles and
ruled tables), so every printed document looks alike and embeds the same font.

    doc = PrintDocument("危险房屋通知书", subtitle="运城市住房和城乡建设局")
    doc.paragraph("……")
    doc.fields([("房屋编号", "…"), ("地址", "…")])
    doc.table(["县区", "数量"], [["盐湖区", "3"]])
    pdf_bytes = doc.render()
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from reports.generator.kit import font, grid_table, para, style

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reportlab.pdfgen.canvas import Canvas


class PrintDocument:
    def __init__(self, title: str, *, subtitle: str = "", wide: bool = False) -> None:
        self.title = title
        self.pagesize = landscape(A4) if wide else A4
        self.width = self.pagesize[0] - 40 * mm
        self.story: list[Flowable] = [para(title, style(18, align="center", space_after=4))]
        if subtitle:
            self.story.append(para(subtitle, style(11, align="center", space_after=8)))
        self.story.append(Spacer(1, 4 * mm))

    def heading(self, text: str) -> None:
        self.story.append(para(text, style(13, space_before=8, space_after=4, keep=True)))

    def paragraph(self, text: str, *, indent: bool = True) -> None:
        self.story.append(para(text, style(11, indent=22 if indent else 0, space_after=4)))

    def fields(self, rows: Sequence[tuple[str, str]]) -> None:
        """A two-column label/value table."""
        data = [[label, str(value or "—")] for label, value in rows]
        widths = [self.width * 0.28, self.width * 0.72]
        self.story.append(grid_table(data, widths, header=False, size=10.5))
        self.story.append(Spacer(1, 3 * mm))

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], *, size: float = 9
    ) -> None:
        """A ruled data table whose header repeats on every page; columns share the width."""
        data = [list(header), *([str("" if c is None else c) for c in row] for row in rows)]
        widths = [self.width / len(header)] * len(header)
        self.story.append(grid_table(data, widths, size=size))
        self.story.append(Spacer(1, 3 * mm))

    def signature(self, issuer: str, date_text: str) -> None:
        self.story.append(Spacer(1, 10 * mm))
        self.story.append(para(issuer, style(11, align="right")))
        self.story.append(para(date_text, style(11, align="right")))

    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=self.title,
        )
        doc.build(self.story, onFirstPage=self._footer, onLaterPages=self._footer)
        return buffer.getvalue()

    def _footer(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font(), 9)
        canvas.drawCentredString(self.pagesize[0] / 2, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()
