"""The pipeline's result: the contract dict, and a full dict for passing between processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fields import CONTRACT_FIELDS, Fields
from .problems import Problem
from .sections import SectionsResult

CONTRACT_KEYS = ("file", "valid", "problems", *CONTRACT_FIELDS)
# The contract lists problems in the README's order of codes; codes added here come after.
README_ORDER = (
    "missing_section:seismic",
    "missing_section:recommendation",
    "missing_section:grade",
    "invalid_grade",
    "outdated_standard",
    "grade_recommendation_conflict",
    "inconsistent_floors",
    "needs_ocr",
    "unreadable:encrypted",
    "unreadable:truncated",
    "unreadable:not_pdf",
    "unreadable:empty",
    "too_large:pages",
)


def _order(code: str) -> int:
    base = code.split(":")[0] if code.startswith("outdated_standard:") else code
    return README_ORDER.index(base) if base in README_ORDER else len(README_ORDER)


FORMAT_VERSION = 1


@dataclass(frozen=True)
class SectionInfo:
    keys: tuple[str, ...]
    heading: str
    pages: tuple[int, ...]
    text: str

    @property
    def key(self) -> str:
        return self.keys[0] if self.keys else "other"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "keys": list(self.keys),
            "heading": self.heading,
            "pages": list(self.pages),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SectionInfo:
        return cls(tuple(data["keys"]), data["heading"], tuple(data["pages"]), data["text"])


def section_infos(sections: SectionsResult) -> tuple[SectionInfo, ...]:
    return tuple(
        SectionInfo(s.keys or ("other",), s.heading, s.pages, s.text) for s in sections.sections
    )


@dataclass(frozen=True)
class ParseResult:
    file: str | None
    fields: Fields = field(default_factory=Fields)
    problems: tuple[Problem, ...] = ()
    sections: tuple[SectionInfo, ...] = ()
    page_count: int | None = None
    ocr_used: bool = False
    tables_used: bool = False  # pdfplumber was needed for form-like label/value tables

    @property
    def valid(self) -> bool:
        """No blocking problem (warnings and needs_ocr do not make a report invalid)."""
        return not any(p.blocking for p in self.problems)

    @property
    def problem_codes(self) -> list[str]:
        codes: list[str] = []
        for problem in self.problems:
            if problem.in_contract and problem.code not in codes:
                codes.append(problem.code)
        return sorted(codes, key=_order)  # stable: rule order within a rank

    def contract(self) -> dict[str, Any]:
        """Exactly the keys of ``shared/samples/truth/*.json``, in that order."""
        out: dict[str, Any] = {
            "file": self.file,
            "valid": self.valid,
            "problems": self.problem_codes,
        }
        out.update(self.fields.contract())
        return {key: out[key] for key in CONTRACT_KEYS}

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: the contract fields at the top level (as in ``contract()``),
        but ``problems`` as dicts (code, severity, message, page, field) with the contract's
        codes in ``problem_codes``; per-field pages in ``field_pages``; sections with their
        pages and text; page count; whether OCR was used."""
        out = self.contract()
        out["problem_codes"] = out.pop("problems")
        out["problems"] = [p.to_dict() for p in self.problems]
        evidence = self.fields.to_dict()
        out["field_pages"] = evidence["pages"]
        out["printed_grade"] = evidence["printed_grade"]
        out["floor_mentions"] = evidence["floor_mentions"]
        out["sections"] = [s.to_dict() for s in self.sections]
        out["page_count"] = self.page_count
        out["used_ocr"] = self.ocr_used
        out["tables_used"] = self.tables_used
        out["format"] = FORMAT_VERSION
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParseResult:
        fields = Fields.from_dict(
            {
                **{name: data.get(name) for name in CONTRACT_FIELDS},
                "pages": data.get("field_pages") or {},
                "printed_grade": data.get("printed_grade"),
                "floor_mentions": data.get("floor_mentions") or [],
            }
        )
        return cls(
            file=data.get("file"),
            fields=fields,
            problems=tuple(Problem.from_dict(p) for p in data.get("problems") or ()),
            sections=tuple(SectionInfo.from_dict(s) for s in data.get("sections") or ()),
            page_count=data.get("page_count"),
            ocr_used=bool(data.get("used_ocr")),
            tables_used=bool(data.get("tables_used")),
        )
