"""Workbooks the import writes: the error report of one run, and ledger-format workbooks.

Every text cell is written as a string, never as a formula: a rejected cell that starts
with “=” comes back to the bureau as the text it was, not as something Excel evaluates.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from buildings.ledger.columns import HEADERS, field_label
from portal.xlsx import append_row

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from buildings.models import LedgerImport

ERRORS_SHEET = "拒收行"
CONFLICTS_SHEET = "与已确认修正冲突"
ERROR_HEADERS = ("行号", "房屋编号", "列", "问题")
CONFLICT_HEADERS = ("房屋编号", "字段", "台账值", "已确认值（保留）")


def _append(sheet: WriteOnlyWorksheet, values: Sequence[Any]) -> None:
    append_row(sheet, values)


def _sheet(
    workbook: Workbook, title: str, headers: Sequence[str], widths: Sequence[int]
) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    _append(sheet, headers)
    return sheet


def error_report(record: LedgerImport) -> bytes:
    """The rejected rows (行号, 房屋编号, 列, 问题) and the conflicts of one import, as .xlsx."""
    workbook = Workbook(write_only=True)
    errors = _sheet(workbook, ERRORS_SHEET, ERROR_HEADERS, (8, 18, 16, 60))
    for error in record.errors:
        _append(errors, (error["row"], error["building_no"], error["column"], error["message"]))
    conflicts = _sheet(workbook, CONFLICTS_SHEET, CONFLICT_HEADERS, (18, 16, 20, 20))
    for conflict in record.conflict_rows:
        _append(
            conflicts,
            (
                conflict["building_no"],
                field_label(conflict["field"]),
                conflict["ledger"],
                conflict["confirmed"],
            ),
        )
    return _save(workbook)


def ledger_workbook(
    rows: Iterable[Mapping[str, Any]] = (), *, headers: Sequence[str] = HEADERS
) -> bytes:
    """A workbook in the import format (sheet 排查台账, header in row 1); rows keyed by header.

    With no rows it is the blank template; tests and the benchmark fill it.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("排查台账")
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
