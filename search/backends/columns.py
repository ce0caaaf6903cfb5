"""SQLite's filtering, facet counting and ordering: the index's facet fields, column-wise in
process memory.

SQLite has neither hash aggregation nor GROUPING SETS: counting ten facets over the 90,000
matches of a common word with a GROUP BY each costs more than the rest of the search
together, and joining those matches to their (wide) entry rows costs as much again. So, as
Lucene keeps "doc values", the facet fields of every entry are held here as one list per
field; the engine returns only the match set (rowid and bm25), and filtering, counting and
the top of the order run over these lists in C loops (map, compress, Counter, heapq).

Entries are never changed in place (the backend deletes and inserts), and every write stores
a new random token in `search_indexstate`; the columns are reloaded when the token read with
the query differs from the one they were loaded at (also after a write was rolled back).
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress
from operator import neg
from typing import TYPE_CHECKING, Any

from search.documents import ID_FACETS
from search.models import FACET_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from search.documents import SearchQuery

LABELS = {"county": "county", "firm": "firm"}
NO_DATE = 0  # ordinal of a missing date: first from oldest, last from newest (as SQLite sorts NULL)


@dataclass
class Columns:
    """Every entry of the index at one token: position i of each list is one entry."""

    token: str | None
    ids: list[int] = field(default_factory=list)
    report_ids: list[int] = field(default_factory=list)
    fields: dict[str, list[Any]] = field(default_factory=dict)
    dates: list[int] = field(default_factory=list)  # date ordinals
    years: list[int] = field(default_factory=list)
    standards: list[int] = field(default_factory=list)  # index into standard_sets
    standard_sets: list[tuple[str, ...]] = field(default_factory=list)
    labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    position: dict[int, int] = field(default_factory=dict)  # entry id -> position

    @classmethod
    def load(cls, cursor: Any, table: str, token: str | None) -> Columns:
        cols = cls(token=token, fields={name: [] for name in FACET_COLUMNS})
        names = list(FACET_COLUMNS.values())
        cursor.execute(
            f"SELECT id, report_id, date, standards, county, firm, {', '.join(names)} FROM {table}"  # noqa: S608 - constant identifiers
        )
        sets: dict[str, int] = {}
        labels: dict[str, dict[Any, str]] = {name: {} for name in LABELS}
        columns = [cols.fields[name] for name in FACET_COLUMNS]
        label_at = {name: list(FACET_COLUMNS).index(name) for name in LABELS}
        for row in cursor.fetchall():
            pk, report_id, date, standards, county, firm, *values = row
            cols.position[pk] = len(cols.ids)
            cols.ids.append(pk)
            cols.report_ids.append(report_id)
            day = _ordinal(date)
            cols.dates.append(day)
            cols.years.append(dt.date.fromordinal(day).year if day else 0)
            key = standards if isinstance(standards, str) else json.dumps(standards)
            if key not in sets:
                sets[key] = len(cols.standard_sets)
                cols.standard_sets.append(tuple(json.loads(key or "[]")))
            cols.standards.append(sets[key])
            for column, value in zip(columns, values, strict=True):
                column.append(value)
            for name, label in (("county", county), ("firm", firm)):
                value = values[label_at[name]]
                if value is not None:
                    labels[name][value] = label
        cols.labels = labels
        return cols

    # ------------------------------------------------------------------ selecting

    def positions(self, ids: Iterable[int]) -> list[int]:
        get = self.position.get
        return [p for p in map(get, ids) if p is not None]

    def keep(self, query: SearchQuery, positions: list[int], scores: list[Any]) -> None:
        """Narrow positions (and their scores, in step) to the query's scope and filters, in
        place; the same conditions as the SQL `where` of the database backend."""
        tests: list[tuple[list[Any], set[Any]]] = []
        for name, value in query.scope.items():
            tests.append((self.fields[name], {int(value)}))
        for name, values in query.filters.items():
            values = [v for v in values if v != ""]
            if not values:
                continue
            if name in ID_FACETS:
                values = [int(v) for v in values if str(v).isdigit()] or [-1]
            if name in FACET_COLUMNS:
                tests.append((self.fields[name], set(values)))
            elif name == "standard":
                wanted = set(values)
                tests.append(
                    (
                        self.standards,
                        {i for i, codes in enumerate(self.standard_sets) if wanted & set(codes)},
                    )
                )
            elif name == "year":
                tests.append((self.years, {int(v) for v in values if str(v).isdigit()} or {0}))
        for column, allowed in tests:
            _keep(positions, scores, map(allowed.__contains__, map(column.__getitem__, positions)))
        low = query.date_from.toordinal() if query.date_from else None
        high = query.date_to.toordinal() if query.date_to else None
        if low is not None or high is not None:
            days = list(map(self.dates.__getitem__, positions))
            lo, hi = (low if low is not None else 1), (high if high is not None else 10**7)
            _keep(positions, scores, (d != NO_DATE and lo <= d <= hi for d in days))

    def top(
        self, positions: list[int], scores: list[Any] | None, sort: str, n: int
    ) -> list[tuple[int, Any]]:
        """The first n (position, score) in the order of `sort`: "relevance" (score ascending,
        as bm25 goes, then newest), "newest" or "oldest" (then by id, as the SQL orders)."""
        if n <= 0 or not positions:
            return []
        dates = list(map(self.dates.__getitem__, positions))
        ids = list(map(self.ids.__getitem__, positions))
        ranked = sort == "relevance" and scores is not None
        if sort == "oldest":
            keys: Iterable[tuple[Any, ...]] = zip(dates, ids, positions, strict=True)
        elif ranked:
            keys = zip(scores, map(neg, dates), map(neg, ids), positions, strict=True)
        else:
            keys = zip(map(neg, dates), map(neg, ids), positions, strict=True)
        best = heapq.nsmallest(n, keys)
        return [(k[-1], k[0] if ranked else None) for k in best]

    def counts(
        self, positions: Sequence[int], names: Iterable[str]
    ) -> list[tuple[str, Any, str, int]]:
        """(facet, value, label, count) of every value of these facets among the positions."""
        rows: list[tuple[str, Any, str, int]] = []
        for name in names:
            if name in FACET_COLUMNS:
                column = self.fields[name]
                labels = self.labels.get(name, {})
                for value, n in Counter(map(column.__getitem__, positions)).items():
                    rows.append(
                        (name, "" if value is None else str(value), labels.get(value, ""), n)
                    )
            elif name == "standard":
                for key, n in Counter(map(self.standards.__getitem__, positions)).items():
                    rows.append((name, list(self.standard_sets[key]), "", n))
            elif name == "year":
                for year, n in Counter(map(self.years.__getitem__, positions)).items():
                    rows.append((name, str(year) if year else "", "", n))
        return rows


def _ordinal(value: Any) -> int:
    if value is None:
        return NO_DATE
    if isinstance(value, dt.date):
        return value.toordinal()
    return dt.date.fromisoformat(str(value)[:10]).toordinal()


def _keep(positions: list[int], scores: list[Any], flags: Iterable[bool]) -> None:
    flags = list(flags)
    positions[:] = compress(positions, flags)
    if scores:
        scores[:] = compress(scores, flags)


class ColumnCache:
    """The loaded columns of each database (by name), reloaded when its token moves on."""

    def __init__(self) -> None:
        self._by_database: dict[str, Columns] = {}
        self._lock = threading.Lock()

    def get(self, database: str, token: str | None, cursor: Any, table: str) -> Columns:
        cols = self._by_database.get(database)
        if cols is not None and cols.token == token:
            return cols
        with self._lock:
            cols = self._by_database.get(database)
            if cols is None or cols.token != token:
                cols = Columns.load(cursor, table, token)
                self._by_database[database] = cols
        return cols

    def clear(self) -> None:
        self._by_database.clear()


CACHE = ColumnCache()
