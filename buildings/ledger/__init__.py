"""The survey-ledger (排查台账) import.

Public surface:

- `import_ledger(source, user=, today=, file_name=, progress=)` -> LedgerImport
  (importer.py): check, upsert by 房屋编号, keep corrected fields, re-rank open tasks.
- `LedgerFileError`, `LedgerFile`, `check_container` (reader.py): the workbook as a whole.
- `CHECKS`, `CheckContext`, `Problem` (checks.py): the data-quality rules, one function each.
- `error_report(record)`, `ledger_workbook(rows)` (report.py): the .xlsx files written.
"""

from __future__ import annotations

from buildings.ledger.checks import CHECKS, CheckContext, Problem
from buildings.ledger.importer import import_ledger
from buildings.ledger.reader import LedgerFile, LedgerFileError, check_container
from buildings.ledger.report import error_report, ledger_workbook

__all__ = [
    "CHECKS",
    "CheckContext",
    "LedgerFile",
    "LedgerFileError",
    "Problem",
    "check_container",
    "error_report",
    "import_ledger",
    "ledger_workbook",
]
