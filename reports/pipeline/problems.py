"""Problems found while reading or checking a report.

A problem has a stable ``code`` (the contract codes of ``shared/samples/README.md`` plus the
codes added here), a ``severity`` and a Chinese message that tells the firm what to fix.

Severities:

- ``blocking``: the report is not valid (``valid: false`` in the contract);
- ``warning``: shown to the reviewer, does not make the report invalid and is **not** listed in the
  contract's ``problems`` (the contract defines ``valid`` as "no problem except needs_ocr");
- ``info``: listed in the contract's ``problems`` but does not make the report invalid
  (only ``needs_ocr``: a scan is not a defect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["blocking", "warning", "info"]

# Contract codes (README) -------------------------------------------------------------------
EMPTY = "unreadable:empty"
NOT_PDF = "unreadable:not_pdf"
ENCRYPTED = "unreadable:encrypted"
TRUNCATED = "unreadable:truncated"
TOO_LARGE_PAGES = "too_large:pages"
NEEDS_OCR = "needs_ocr"
MISSING_SEISMIC = "missing_section:seismic"
MISSING_RECOMMENDATION = "missing_section:recommendation"
MISSING_GRADE = "missing_section:grade"
INVALID_GRADE = "invalid_grade"
GRADE_RECOMMENDATION_CONFLICT = "grade_recommendation_conflict"
INCONSISTENT_FLOORS = "inconsistent_floors"
OUTDATED_STANDARD = "outdated_standard"  # + ":<code>"

# Codes added by this pipeline --------------------------------------------------------------
OCR_UNAVAILABLE = "ocr_unavailable"  # blocking: a scan, but no tesseract/chi_sim to read it
OCR_FAILED = "ocr_failed"  # warning, per page: tesseract failed or timed out
PAGE_UNREADABLE = "page_unreadable"  # warning, per page: pdfium could not load one page
UNKNOWN_STANDARD = "unknown_standard"  # warning + ":<code>": not in standards.json
STANDARD_NOT_YET_EFFECTIVE = "standard_not_yet_effective"  # warning + ":<code>"
MISSING_SECTION = "missing_section"  # + ":<section key>" (overview/basis/... are warnings)
PARSE_ERROR = "parse_error"  # blocking: an internal error of the pipeline (a bug), logged
ACTIVE_CONTENT = "active_content"  # warning: scripts, launch actions or embedded files flagged


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    message_zh: str
    page: int | None = None  # where to look in the report (1-based), if known
    field: str | None = None  # the contract field concerned, if any

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    @property
    def in_contract(self) -> bool:
        """Listed in the contract's ``problems``: everything but warnings."""
        return self.severity != "warning"

    def to_dict(self) -> dict[str, Any]:
        """``{code, severity, message, page, field}`` (``message`` is the Chinese message)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message_zh,
            "page": self.page,
            "field": self.field,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            code=data["code"],
            severity=data["severity"],
            message_zh=data.get("message", data.get("message_zh", "")),
            page=data.get("page"),
            field=data.get("field"),
        )


def blocking(code: str, message_zh: str, page: int | None = None) -> Problem:
    return Problem(code, "blocking", message_zh, page)


def warning(code: str, message_zh: str, page: int | None = None) -> Problem:
    return Problem(code, "warning", message_zh, page)


def info(code: str, message_zh: str, page: int | None = None) -> Problem:
    return Problem(code, "info", message_zh, page)


# Problems of reading the file (not document rules): kept when fields are re-validated.
READING_CODES = frozenset(
    {EMPTY, NOT_PDF, ENCRYPTED, TRUNCATED, TOO_LARGE_PAGES, NEEDS_OCR, OCR_UNAVAILABLE}
    | {OCR_FAILED, PAGE_UNREADABLE, PARSE_ERROR, ACTIVE_CONTENT}
)
