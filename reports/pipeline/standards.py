"""Standard codes: finding them in text, normalising them, and which edition is current when.

The editions live in ``standards.json`` (data): code, series, title, valid_from, valid_to
(``null`` = current), status (S/K) and the severity of citing it after its withdrawal.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DATA_FILE = Path(__file__).with_name("standards.json")

# Prefixes of Chinese standard codes: national, industry (JGJ building, CJJ/CJ urban), local (DB).
_PREFIX = r"GB/T|GBJ|GB|JGJ/T|JGJ|CJJ/T|CJJ|CJ/T|CJ|JG/T|JG|CECS|DBJ\d*(?:/T)?|DB\d{2,6}(?:/T)?"
CODE_RE = re.compile(
    rf"(?<![A-Za-z])(?P<prefix>{_PREFIX})\s*(?P<number>\d{{1,5}}(?:\.\d+)?)\s*[-—–~]\s*"
    r"(?P<year>\d{4}|\d{2})(?!\d)"
    r"(?:\s*[（(]\s*(?P<edition>\d{4})\s*年\s*版\s*[)）])?",
    re.IGNORECASE,
)


def normalize_code(prefix: str, number: str, year: str, edition: str | None = None) -> str:
    code = f"{prefix.upper()} {number}-{year}"
    return f"{code}({edition}年版)" if edition else code


def find_codes(text: str) -> Iterator[tuple[str, int]]:
    """Normalised codes in order of appearance, with their offsets (``GB 50011-2010(2016年版)``)."""
    for match in CODE_RE.finditer(text):
        yield (
            normalize_code(
                match["prefix"], match["number"], match["year"], match["edition"] or None
            ),
            match.start(),
        )


def parse_code(text: str) -> str | None:
    match = CODE_RE.search(text)
    if match is None:
        return None
    return normalize_code(match["prefix"], match["number"], match["year"], match["edition"])


@dataclass(frozen=True)
class Edition:
    code: str
    series: str
    title: str
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    severity_when_withdrawn: Literal["blocking", "warning"]

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def withdrawn_on(self) -> dt.date | None:
        """The first day it no longer applies."""
        return None if self.valid_to is None else self.valid_to + dt.timedelta(days=1)


Status = Literal["current", "withdrawn", "not_yet", "unknown"]


@functools.lru_cache(maxsize=1)
def editions() -> dict[str, Edition]:
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["standards"]
    out = {}
    for row in rows:
        edition = Edition(
            code=row["code"],
            series=row["series"],
            title=row["title"],
            valid_from=dt.date.fromisoformat(row["valid_from"]),
            valid_to=dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            status=row["status"],
            severity_when_withdrawn=row["severity_when_withdrawn"],
        )
        out[edition.code] = edition
    return out


def lookup(code: str) -> Edition | None:
    normalized = parse_code(code) or code
    return editions().get(normalized)


def status(code: str, on: dt.date) -> Status:
    edition = lookup(code)
    if edition is None:
        return "unknown"
    if on < edition.valid_from:
        return "not_yet"
    if edition.valid_to is not None and on > edition.valid_to:
        return "withdrawn"
    return "current"


def is_current(code: str, on: dt.date) -> bool | None:
    """True/False for a known edition, None for a code not in the table."""
    result = status(code, on)
    return None if result == "unknown" else result == "current"


def replacement(code: str, on: dt.date) -> Edition | None:
    """The edition of the same standard in force on that date (the one to cite instead)."""
    edition = lookup(code)
    if edition is None:
        return None
    in_force = [e for e in editions().values() if e.series == edition.series and e.in_force(on)]
    # Prefer the newest (a partial revision over its base edition).
    in_force.sort(key=lambda e: e.valid_from, reverse=True)
    return in_force[0] if in_force else None
