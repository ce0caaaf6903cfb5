"""xlsx export of search results: every cell is text, so "=…" can never become a formula."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from portal.xlsx import append_row

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def workbook_bytes(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    for row in [list(columns), *rows]:
        append_row(ws, row, text=True)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
