"""portal.xlsx: the one way exports write cells — never a formula, numbers stay numbers."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from portal.xlsx import append_row

pytestmark = pytest.mark.nodb

ROW = ['=HYPERLINK("http://x","点我")', "+1+1", 42, 2.5, True, None, "盐湖区\x07"]


def _read_back(write_only: bool, text: bool):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("导出") if write_only else book.active
    append_row(sheet, ROW, text=text)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    ws = load_workbook(out)["导出" if write_only else sheet.title]
    return [(c.value, c.data_type) for c in next(ws.iter_rows(min_row=1, max_row=1))]


@pytest.mark.parametrize("write_only", [True, False])
def test_text_never_becomes_a_formula_and_numbers_stay_numbers(write_only):
    cells = _read_back(write_only, text=False)
    assert cells[0] == ('=HYPERLINK("http://x","点我")', "s")
    assert cells[1] == ("+1+1", "s")
    assert cells[2] == (42, "n") and cells[3] == (2.5, "n")
    assert cells[4] == ("True", "s")  # a flag is shown, not summed
    assert cells[5][0] in ("", None)
    assert cells[6] == ("盐湖区", "s")  # a control character xlsx cannot hold is dropped


def test_a_text_sheet_stores_numbers_as_text_too():
    cells = _read_back(write_only=False, text=True)
    assert cells[2] == ("42", "s") and cells[3] == ("2.5", "s")
    assert all(kind == "s" for value, kind in cells if value not in ("", None))
