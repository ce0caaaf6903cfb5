"""Ingestion pipeline for appraisal reports: extract → normalize → sections → fields → validate.

Pure Python (no Django), so it can run in a sandboxed subprocess::

    python -m reports.pipeline REPORT.pdf [--full]

Public API: ``parse_report`` → ``ParseResult`` (``.contract()``, ``.to_dict()``,
``ParseResult.from_dict()``), plus each stage's module for direct use.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from .extract import DEFAULT_MAX_PAGES, ExtractResult, read_label_tables
from .extract import extract as extract_pages
from .fields import CONTRACT_FIELDS, Fields, Seismic, extract_fields
from .normalize import NormalizedDocument, compact_cjk
from .normalize import normalize as normalize_pages
from .problems import NEEDS_OCR, OCR_UNAVAILABLE, PARSE_ERROR, READING_CODES, Problem
from .result import CONTRACT_KEYS, ParseResult, SectionInfo, section_infos
from .sections import find_sections
from .validate import SectionIndex
from .validate import validate as validate_report
from .vocabulary import FIELD_LABELS

__all__ = [
    "CONTRACT_FIELDS",
    "CONTRACT_KEYS",
    "DEFAULT_MAX_PAGES",
    "Fields",
    "ParseResult",
    "Problem",
    "SectionInfo",
    "parse_report",
    "validate_fields",
]

log = logging.getLogger(__name__)

# Labelled fields that a form-like table may hold; if one is missing while its label is printed,
# the label/value cells were not paired by the plain text: read those pages' tables.
TABLE_FIELDS = (
    "report_no",
    "firm",
    "address",
    "owner",
    "building_no",
    "structure_type",
    "floors",
    "load_system",
    "appraisal_type",
)
MAX_TABLE_PAGES = 4


def parse_report(
    source: Path | str | bytes,
    *,
    file_name: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    ocr: bool = True,
) -> ParseResult:
    """Parse one report. Never raises on bad content: an unreadable file is a result.

    ``source`` is a path or the file's bytes (``file_name`` names it in the contract). A missing
    path raises ``FileNotFoundError`` (a caller error, not a bad upload).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        name = file_name
    else:
        path = Path(os.fspath(source))
        data = path.read_bytes()
        name = file_name or path.name
    extracted = extract_pages(data, max_pages=max_pages, ocr=ocr)
    if extracted.rejected:
        return ParseResult(file=name, problems=extracted.problems, page_count=extracted.page_count)
    try:
        return _read_content(data, name, extracted)
    except Exception:  # a bug must not lose an upload: report it as a result
        log.exception("pipeline failed on %s", name)
        failure = Problem(
            PARSE_ERROR,
            "blocking",
            "解析程序内部出错，报告内容未能读取；请稍后重新解析，或联系管理员。",
        )
        return ParseResult(
            file=name,
            problems=(*extracted.problems, failure),
            page_count=extracted.page_count,
            ocr_used=extracted.ocr_used,
        )


def _read_content(data: bytes, name: str | None, extracted: ExtractResult) -> ParseResult:
    doc = normalize_pages(extracted.pages)
    sections = find_sections(doc)
    fields = extract_fields(doc, sections)
    tables_used = False
    table_pages = _pages_needing_tables(fields, doc)
    if table_pages:
        rows = read_label_tables(data, table_pages)
        if rows:
            fields = _fill_missing(fields, extract_fields(doc, sections, table_rows=rows))
            tables_used = True
    problems = list(extracted.problems)
    if extracted.complete:
        problems += validate_report(fields, sections)
    return ParseResult(
        file=name,
        fields=fields,
        problems=tuple(problems),
        sections=section_infos(sections),
        page_count=extracted.page_count,
        ocr_used=extracted.ocr_used,
        tables_used=tables_used,
    )


def _pages_needing_tables(fields: Fields, doc: NormalizedDocument) -> list[int]:
    missing = [name for name in TABLE_FIELDS if getattr(fields, name) is None]
    if not missing:
        return []
    labels = [label for name in missing for label in FIELD_LABELS[name]]
    pattern = re.compile("|".join(re.escape(label) for label in labels))
    pages: list[int] = []
    for page in doc.pages:
        if page.source != "text":
            continue
        text = compact_cjk("\n".join(page.lines + page.furniture))
        if pattern.search(text):
            pages.append(page.number)
        if len(pages) >= MAX_TABLE_PAGES:
            break
    return pages


def _fill_missing(first: Fields, second: Fields) -> Fields:
    """The first reading, with the fields it missed taken from the table-aware reading."""
    updates = {}
    pages = dict(first.pages)
    for name in (*TABLE_FIELDS, "county", "date"):
        if getattr(first, name) is None and getattr(second, name) is not None:
            updates[name] = getattr(second, name)
            if name in second.pages:
                pages[name] = second.pages[name]
    if not updates:
        return first
    if "floors" in updates:
        updates["floor_mentions"] = second.floor_mentions
    return replace(first, **updates, pages=pages)


def validate_fields(
    extracted: dict[str, Any],
    fields: dict[str, Any] | None = None,
    *,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The document problems of a stored result (``ParseResult.to_dict()``), re-checked with
    the contract fields as they stand now (a firm's corrections in ``fields``).

    Problems of reading the file (needs_ocr, ocr_failed …) are kept; the rules run again on the
    corrected fields and the stored sections. Returns problem dicts
    (code, severity, message, page, field).
    """
    result = ParseResult.from_dict(extracted)
    reading = [p for p in result.problems if p.code in READING_CODES]
    codes = {p.code for p in reading}
    unread = (
        any(code.startswith(("unreadable:", "too_large:")) for code in codes)
        or codes & {PARSE_ERROR, OCR_UNAVAILABLE}
        or (NEEDS_OCR in codes and not result.ocr_used)  # a scan that was not read
    )
    if unread:
        return [p.to_dict() for p in reading]  # no content to check: as parse_report did
    current = result.fields
    if fields:
        current = replace(current, **_coerce(fields))
    rules = validate_report(current, SectionIndex.of(result.sections), today=today)
    return [p.to_dict() for p in (*reading, *rules)]


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    """Contract values as JSON gives them → the types of ``Fields``."""
    out: dict[str, Any] = {}
    for name in CONTRACT_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "seismic" and isinstance(value, dict):
            value = Seismic(value.get("intensity"), value.get("conclusion"))
        elif name == "standards" and value is not None:
            value = tuple(value)
        elif name == "floors" and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = None
        elif name == "grade" and isinstance(value, str):
            value = value.strip().upper() or None
        out[name] = value
    return out
