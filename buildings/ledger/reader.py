"""Reading the ledger workbook: container checks, header resolution, rows as dicts.

openpyxl (read_only=True, data_only=True) opens the workbook: it validates the package,
finds the worksheet and reads the shared strings and number formats. The rows themselves
are streamed from the worksheet XML by `_fast_rows`, which returns the same values as
openpyxl's `iter_rows(values_only=True)` (`openpyxl_rows`, the reference and fallback;
the tests check both agree) at four to six times the speed: openpyxl builds objects per
cell, and 100,000 ledger rows took it 12-18 s, more than the whole import's budget.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from contextlib import suppress
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from buildings.ledger.columns import BUILDING_NO, COLUMNS, canonical_header
from buildings.ledger.utils import cell_text

if TYPE_CHECKING:
    from collections.abc import Iterator

SHEET_NAME = "排查台账"
# Limits on the zip container, checked before anything is decompressed (zip-bomb guard).
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 512 * 1024 * 1024
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")

NOT_XLSX = (
    "文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 另存为“Excel 工作簿(*.xlsx)”后重新上传。"
)
BROKEN = "文件已损坏，无法读取，请用 Excel 打开检查后另存为 .xlsx 重新上传。"


class LedgerFileError(Exception):
    """The file as a whole cannot be imported; the message is shown to the user (Chinese)."""


@dataclass
class LedgerRow:
    """One data row. `values` holds the raw cell values by ledger header (strings stripped,
    blanks as None); the checks fill `fields` with cleaned Building values."""

    number: int  # Excel row number; the header is row 1
    values: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def building_no(self) -> str:
        return cell_text(self.values.get(BUILDING_NO))


def check_container(fileobj: IO[bytes]) -> None:
    """Refuse anything that is not a zip package with the xlsx structure, within size limits."""
    fileobj.seek(0)
    if not zipfile.is_zipfile(fileobj):
        raise LedgerFileError(NOT_XLSX)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise LedgerFileError(BROKEN) from e
    finally:
        fileobj.seek(0)
    names = {info.filename for info in infos}
    if not all(part in names for part in REQUIRED_PARTS):
        raise LedgerFileError(NOT_XLSX)
    if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        raise LedgerFileError("文件解压后过大，请拆分后分批导入。")


class LedgerFile:
    """An open ledger workbook. Use as a context manager; raises LedgerFileError on open."""

    def __init__(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        self._own: IO[bytes] | None = None
        if isinstance(source, (str, os.PathLike)):
            try:
                self._own = open(source, "rb")  # noqa: SIM115 (closed in close())
            except OSError as e:
                raise LedgerFileError(f"无法打开文件：{e.strerror or e}") from e
            fileobj: IO[bytes] = self._own
        else:
            fileobj = source
        try:
            check_container(fileobj)
            self._open(fileobj)
        except BaseException:
            self.close()
            raise

    def _open(self, fileobj: IO[bytes]) -> None:
        try:
            self.workbook = _load_workbook(fileobj)
        # An arbitrary upload can make openpyxl fail in any way (KeyError, ValueError,
        # ParseError, zipfile errors ...): every one of them means "not a readable xlsx".
        except Exception as e:
            raise LedgerFileError(BROKEN) from e
        names = self.workbook.sheetnames
        if not names:
            raise LedgerFileError("工作簿中没有工作表。")
        self.sheet = self.workbook[SHEET_NAME if SHEET_NAME in names else names[0]]
        max_row = getattr(self.sheet, "max_row", None)
        # From the sheet's <dimension>; only an estimate for progress (may be absent or stale).
        self.total_rows: int | None = max_row - 1 if max_row and max_row > 1 else None
        self._rows = self._guarded(_fast_rows(self.sheet))
        self.positions = self._read_header()

    def _read_header(self) -> dict[str, int]:
        first = next(self._rows, None)
        if first is None or first[0] != 1:
            raise LedgerFileError("第1行须为表头（房屋编号、县区……），未找到表头。")
        positions: dict[str, int] = {}
        for index, cell in enumerate(first[1]):
            header = canonical_header(cell)
            if header is None:
                continue
            if header in positions:
                raise LedgerFileError(f"表头“{header}”出现了两次，请删除重复的列。")
            positions[header] = index
        missing = [c.header for c in COLUMNS if c.required and c.header not in positions]
        if missing:
            raise LedgerFileError(
                "缺少必需的列：" + "、".join(missing) + "。表头须在第1行，列名与排查台账模板一致。"
            )
        return positions

    @property
    def headers(self) -> frozenset[str]:
        """The ledger headers present in this file."""
        return frozenset(self.positions)

    def rows(self) -> Iterator[LedgerRow]:
        """Data rows after the header; rows with no value in any ledger column are skipped."""
        positions = list(self.positions.items())
        for number, cells in self._rows:
            width = len(cells)
            values: dict[str, Any] = {}
            blank = True
            for header, index in positions:
                value = cells[index] if index < width else None
                if isinstance(value, str):
                    value = value.strip() or None
                if value is not None:
                    blank = False
                values[header] = value
            if not blank:
                yield LedgerRow(number, values)

    def _guarded(self, rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
        """Turn a failure half-way through the sheet (truncated XML, bad CRC) into LedgerFileError."""
        while True:
            try:
                item = next(rows)
            except StopIteration:
                return
            except Exception as e:  # any failure inside the package: see _open
                raise LedgerFileError(BROKEN) from e
            yield item

    def close(self) -> None:
        workbook = getattr(self, "workbook", None)
        if workbook is not None:
            with suppress(Exception):
                workbook.close()
        if self._own is not None:
            self._own.close()
            self._own = None

    def __enter__(self) -> LedgerFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LedgerSheet(ReadOnlyWorksheet):
    """openpyxl's read-only worksheet, sized from its <dimension> element alone.

    When that element is missing (openpyxl's own write-only files lack it) openpyxl looks
    for it through the whole sheet with its pure-Python XML parser, which cost as much as
    reading the rows. Without it the size is unknown, which only blanks the progress total.
    """

    def _get_size(self) -> None:
        with self._get_source() as source:
            head = source.read(_PROLOG_LIMIT)
        match = _DIMENSION.search(head)
        if match:
            with suppress(ValueError, TypeError):
                bounds = range_boundaries(match.group(1).decode("ascii"))
                if None not in bounds:
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds


class _LedgerReader(ExcelReader):
    """load_workbook(read_only=True, data_only=True), worksheets made as _LedgerSheet."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _LedgerSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _load_workbook(fileobj: IO[bytes]) -> Any:
    reader = _LedgerReader(fileobj, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def openpyxl_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """The reference reader: openpyxl's values_only iteration, numbered from row 1."""
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, list(values)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE = f"{_NS}row", f"{_NS}c", f"{_NS}v"
_INLINE, _TEXT, _RUN = f"{_NS}is", f"{_NS}t", f"{_NS}r"
_DIGITS = "0123456789"


def _fast_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of a read-only openpyxl worksheet, straight from its XML.

    Mirrors openpyxl's WorkSheetParser.parse_cell with data_only=True: numbers (int unless
    they have a point or exponent), dates by number format, shared and inline strings,
    booleans, errors as text. Rows missing from the XML are skipped (they are blank).
    Falls back to openpyxl's own iteration if its internals ever change.
    """
    try:
        source = sheet._get_source()
        shared = sheet._shared_strings
        workbook = sheet.parent
        date_styles, timedelta_styles = workbook._date_formats, workbook._timedelta_formats
        epoch = workbook.epoch
    except AttributeError:
        yield from openpyxl_rows(sheet)
        return
    with source:
        plain = _plain_xml(source)
    if not plain:
        yield from openpyxl_rows(sheet)  # openpyxl parses through defusedxml
        return
    columns: dict[str, int] = {}
    with sheet._get_source() as source:
        number = 0
        # The stdlib parser is safe here: _plain_xml refused any DTD, and without a DTD no
        # entity can be declared (no entity expansion, no external entities).
        for _event, element in iterparse(source):  # noqa: S314
            if element.tag != _ROW:
                continue
            ref = element.get("r")
            number = int(ref) if ref else number + 1
            values: list[Any] = []
            for cell in element:
                if cell.tag != _CELL:
                    continue
                coordinate = cell.get("r")
                if coordinate:
                    letters = coordinate.rstrip(_DIGITS)
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = column_index_from_string(letters) - 1
                else:
                    column = len(values)
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                kind = cell.get("t")
                value: Any
                if kind == "inlineStr":
                    value = _inline_text(cell)
                else:
                    text = cell.findtext(_VALUE)
                    if not text:
                        value = None
                    elif kind is None or kind == "n":
                        value = (
                            float(text) if "." in text or "E" in text or "e" in text else int(text)
                        )
                        style = cell.get("s")
                        if style and int(style) in date_styles:
                            value = _excel_date(value, epoch, int(style) in timedelta_styles)
                    elif kind == "s":
                        value = shared[int(text)]
                    elif kind == "b":
                        value = bool(int(text))
                    elif kind == "d":
                        value = from_ISO8601(text)
                    else:  # "str" (formula result), "e" (error such as #N/A)
                        value = text
                if column == len(values):
                    values.append(value)
                else:
                    values[column] = value
            element.clear()
            yield number, values


_PROLOG_LIMIT = 64 * 1024
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=[\"']([A-Za-z0-9:$]+)[\"']")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _plain_xml(source: IO[bytes]) -> bool:
    """Whether the part is UTF-8 XML whose prolog (everything before the root element)
    declares no DTD. Raises LedgerFileError for a DTD; False for other encodings."""
    head = source.read(_PROLOG_LIMIT)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    root = _ROOT_START.search(head)
    if root is None or _DTD.search(head, 0, root.start()):
        raise LedgerFileError(BROKEN)
    return True


def _inline_text(cell: Any) -> str | None:
    """The text of <is>: its <t>, then the <t> of each rich-text run <r> (phonetic runs out)."""
    for inline in cell:
        if inline.tag == _INLINE:
            break
    else:
        return None
    if len(inline) == 1 and inline[0].tag == _TEXT:  # the usual case: <is><t>text</t></is>
        return inline[0].text or ""
    parts = [inline.findtext(_TEXT) or ""]
    parts.extend(run.findtext(_TEXT) or "" for run in inline.iterfind(_RUN))
    return "".join(parts)


def _excel_date(value: float, epoch: dt.datetime, timedelta: bool) -> Any:
    try:
        return from_excel(value, epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return "#VALUE!"  # what openpyxl gives for a serial outside the date range
