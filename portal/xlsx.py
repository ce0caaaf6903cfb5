"""The one way the portal writes spreadsheet cells.

Text is always stored as a string cell: openpyxl would otherwise turn a value starting with
"=" (a firm name, an owner, a rejected ledger cell) into a formula that Excel evaluates when
the bureau opens the export. Characters an xlsx file cannot hold are dropped. Numbers stay
numbers (so counts can be summed) unless the whole sheet is text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from openpyxl.cell.cell import Cell


def cell(sheet: Any, value: Any, *, text: bool = False) -> Cell:
    """A cell for `sheet.append`: a number (int or float, not bool) as a number, anything else,
    or everything when `text`, as a string."""
    if value is None:
        value = ""
    if text or isinstance(value, bool) or not isinstance(value, int | float):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    result = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        result.data_type = "s"
        if text:
            result.number_format = "@"
    return result


def append_row(sheet: Any, values: Iterable[Any], *, text: bool = False) -> None:
    """One row of safe cells, on a write-only or an ordinary worksheet."""
    sheet.append([cell(sheet, value, text=text) for value in values])
