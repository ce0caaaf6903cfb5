"""xlsx export of search results: every cell is text, so "=…" can never become a formula."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def _text(value: Any) -> str:
    if value is None:
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def workbook_bytes(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    for r, row in enumerate([list(columns), *rows], start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = _text(value)
            # openpyxl types a string starting with "=" as a formula: force text.
            cell.data_type = "s"
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
