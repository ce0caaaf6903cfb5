"""The database backend's filtering, facet counting and ordering: the index's facet fields,
column-wise in process memory.

Neither SQLite (no hash aggregation, no GROUPING SETS) nor PostgreSQL (hash tables filled
row by row, plus the join to the wide entry rows) counts ten facets over the 90,000 matches
of a common word fast: that was most of a search's time on both. So, as Lucene keeps "doc
values", the facet fields of every entry are held here; the engine returns only the match
set (ids and scores), and filtering, counting and the top of the order run over lists in C
loops (map, compress, Counter, heapq).

Facet values are held as three "combination" codes per entry (grade, structure and floors;
year built, use and appraisal type; county, firm and report year: each a few hundred to a
few thousand distinct combinations), so one Counter pass counts three facets, and a filter
is a set of allowed codes.

Entries are never changed in place (the backend deletes and inserts), and every write stores
a new random token in `search_indexstate`. When the token read with a query differs from the
one the columns were read at, only the rows added since (ids above the highest held) are
read, and the ids are listed only when rows went away. This relies on rows committing in id
order, which the token's row lock gives on PostgreSQL (the writer takes it first) and the
database lock on SQLite. Ids grow, except that a rollback or a flush lets SQLite give the
same ids out again (and a flush resets PostgreSQL's sequences): so the highest id still there
at or below the highest held must be a held row with the same `indexed_at`, else everything
is read again. A full reload also happens when many rows went away.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from operator import is_not
from typing import TYPE_CHECKING, Any

from search.documents import FIELD_FACETS, filter_values

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from search.documents import SearchQuery

# The facets of each combination code; the entry columns they come from.
COMBOS = (
    ("grade", "structure_type", "floors_bucket"),
    ("year_bucket", "business_use", "appraisal_type"),
    ("county", "firm", "year"),
)
COLUMNS = {name: FIELD_FACETS[name] for names in COMBOS for name in names}
LABELS = {"county": "county", "firm": "firm"}
NO_DATE = 0  # ordinal of a missing date; such entries come last in either date order
LAST_DAY = dt.date.max.toordinal() + 1  # where they sort from the oldest
SELECT = ["id", "indexed_at", "report_id", "date", "standards", "county", "firm", *COLUMNS.values()]
# Order keys pack the date ordinal above the entry id.
ID_BITS = 40
ID_MASK = (1 << ID_BITS) - 1
# Reload everything instead of dropping rows once this share of what is held is gone.
DEAD_SHARE = 0.25


@dataclass
class Columns:
    """Every entry of the index at one token: position i of each list is one entry."""

    token: str | None
    ids: list[int] = field(default_factory=list)
    stamps: list[Any] = field(default_factory=list)  # indexed_at as stored
    report_ids: list[int] = field(default_factory=list)
    dates: list[int] = field(default_factory=list)  # date ordinals
    # Order keys, ascending: -(date << ID_BITS | id) is newest first, then the higher id;
    # (date << ID_BITS | id) oldest first, then the lower id. The top of an order compares
    # one int per entry instead of a tuple.
    newest: list[int] = field(default_factory=list)
    oldest: list[int] = field(default_factory=list)
    # Per combination of COMBOS: each entry's code, and the values of each code. (Lists:
    # each code is one int object shared by its entries, which stays in cache as counting
    # reads them; an array would make a new int per read.)
    codes: tuple[list[int], ...] = field(default_factory=lambda: ([], [], []))
    combos: tuple[list[tuple[Any, ...]], ...] = field(default_factory=lambda: ([], [], []))
    standards: list[int] = field(default_factory=list)  # index into standard_sets
    standard_sets: list[tuple[str, ...]] = field(default_factory=list)
    labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    # Each entry id's position, indexed by id (None: not held, or gone), 8 bytes per id up to
    # the highest: a search maps thousands of ids, and a list index costs a fraction of a
    # dict lookup. (Not an array: reading one makes a new int object per id, which later
    # passes then chase around the heap; the list gives the positions' own objects.)
    slots: list[int | None] = field(default_factory=list)
    _codes: dict[Any, int] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, cursor: Any, table: str, token: str | None) -> Columns:
        cols = cls(token=token, labels={name: {} for name in LABELS})
        cols._read(cursor, f"SELECT {', '.join(SELECT)} FROM {table}", [])  # noqa: S608 - constant identifiers
        return cols

    def refreshed(self, cursor: Any, table: str, token: str | None) -> Columns:
        """The columns at `token`: these plus the rows added since, without the removed ones
        (or all read again, see the module's docstring)."""
        live_ids = self.live_ids()
        top = max(live_ids, default=0)
        cursor.execute(
            f"SELECT c.n, c.s, (SELECT COUNT(*) FROM {table} WHERE id > %s), l.id, l.indexed_at "  # noqa: S608 - constant identifiers
            f"FROM (SELECT COUNT(*) AS n, COALESCE(SUM(id), 0) AS s FROM {table} WHERE id <= %s) AS c "
            f"LEFT JOIN (SELECT id, indexed_at FROM {table} WHERE id <= %s ORDER BY id DESC LIMIT 1) "
            "AS l ON 1 = 1",
            [top, top, top],
        )
        held, held_sum, new, pk, stamp = cursor.fetchone()
        if pk is not None:
            at = self.slot(pk)
            if at is None or str(self.stamps[at]) != str(stamp):  # an id given out again
                return Columns.load(cursor, table, token)
        removed: set[int] = set()
        # The count and the sum of the ids up to the highest held: rows only go away there,
        # unless a search saw a write that was then rolled back (rows it removed are back:
        # the sum differs, as those ids are below the ones it added).
        if held != len(live_ids) or held_sum != sum(live_ids):
            cursor.execute(f"SELECT id FROM {table} WHERE id <= %s", [top])  # noqa: S608 - constant identifiers
            present = {row[0] for row in cursor.fetchall()}
            if any(self.slot(pk) is None for pk in present):
                return Columns.load(cursor, table, token)
            removed = set(live_ids) - present
        count = held + new
        if len(self.ids) - len(live_ids) + len(removed) > DEAD_SHARE * max(count, 1):
            return Columns.load(cursor, table, token)
        # Lists are shared and only appended to: a search still using the old object only
        # reads positions it already had.
        cols = replace(self, token=token, slots=list(self.slots))
        for pk in removed:
            cols.slots[pk] = None
        if new:
            cols._read(cursor, f"SELECT {', '.join(SELECT)} FROM {table} WHERE id > %s", [top])  # noqa: S608 - constant identifiers
        return cols

    def _read(self, cursor: Any, sql: str, params: list[Any]) -> None:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        highest = max((row[0] for row in rows), default=-1)
        if highest >= 1 << ID_BITS:  # before any list grows: they stay in step
            raise ValueError(f"entry id {highest} does not fit the order key")
        if highest >= len(self.slots):
            self.slots.extend([None] * (highest + 1 - len(self.slots)))
        slots = self.slots
        known = self._codes
        sets = self.standard_sets
        county_labels, firm_labels = self.labels["county"], self.labels["firm"]
        parts = [(k, slice(3 * k, 3 * k + 3)) for k in range(len(COMBOS))]
        for pk, stamp, report_id, date, standards, county, firm, *values in rows:
            key = standards if isinstance(standards, str) else json.dumps(standards)
            slots[pk] = len(self.ids)
            self.ids.append(pk)
            self.stamps.append(stamp)
            self.report_ids.append(report_id)
            day = _ordinal(date)
            self.dates.append(day)
            self.newest.append(-(day << ID_BITS | pk))
            self.oldest.append((day or LAST_DAY) << ID_BITS | pk)
            for k, part in parts:
                combo = tuple(values[part])
                self.codes[k].append(_code(known, (k, combo), self.combos[k], combo))
            self.standards.append(_code(known, ("s", key), sets, tuple(json.loads(key or "[]"))))
            county_id, firm_id = values[6], values[7]
            if county_id is not None:
                county_labels[county_id] = county
            if firm_id is not None:
                firm_labels[firm_id] = firm

    # ------------------------------------------------------------------ selecting

    def slot(self, pk: int) -> int | None:
        """The position of this entry id, None if not held."""
        return self.slots[pk] if 0 <= pk < len(self.slots) else None

    def live_ids(self) -> list[int]:
        """The ids of every live entry, ascending (from the slots: an id SQLite gave out
        again after its row went away is in `ids` twice, but has one slot)."""
        return list(compress(range(len(self.slots)), map(is_not, self.slots, repeat(None))))

    def live(self) -> list[int]:
        """The positions of every live entry, in id order."""
        return list(compress(self.slots, map(is_not, self.slots, repeat(None))))

    def positions_of(self, ids: list[int]) -> list[int | None]:
        """The positions of these entry ids, None for those not held."""
        try:
            return list(map(self.slots.__getitem__, ids))
        except IndexError:  # an id above the highest held
            return list(map(self.slot, ids))

    def _allowed(self, name: str, values: set[Any]) -> tuple[list[int], set[int]]:
        """(column of codes, codes whose value of facet `name` is one of `values`)."""
        k = next(k for k, names in enumerate(COMBOS) if name in names)
        i = COMBOS[k].index(name)
        return self.codes[k], {c for c, combo in enumerate(self.combos[k]) if combo[i] in values}

    def keep(self, query: SearchQuery, positions: list[int], scores: list[Any]) -> None:
        """Narrow positions (and their scores, in step) to the query's scope and filters, in
        place (search.documents.filter_values says which, as for every backend)."""
        tests: list[tuple[Sequence[int], set[int]]] = []
        for name, value in query.scope.items():
            tests.append(self._allowed(name, {int(value)}))
        for name, values in filter_values(query).items():
            if name == "standard":
                wanted = set(values)
                allowed = {i for i, codes in enumerate(self.standard_sets) if wanted & set(codes)}
                tests.append((self.standards, allowed))
            else:
                tests.append(self._allowed(name, set(values)))
        for column, allowed in tests:
            _keep(positions, scores, map(allowed.__contains__, map(column.__getitem__, positions)))
        low = query.date_from.toordinal() if query.date_from else 1
        high = query.date_to.toordinal() if query.date_to else 10**7
        if query.date_from or query.date_to:
            days = map(self.dates.__getitem__, positions)
            _keep(positions, scores, (d != NO_DATE and low <= d <= high for d in days))

    def top(
        self, positions: list[int], scores: list[Any] | None, sort: str, n: int
    ) -> list[tuple[int, Any]]:
        """The first n (position, score) in the order of `sort`: "relevance" (score ascending,
        as bm25 goes, then newest), "newest" or "oldest" (then by id; no date: last)."""
        if n <= 0 or not positions:
            return []
        if sort == "oldest":
            ids = [k & ID_MASK for k in heapq.nsmallest(n, map(self.oldest.__getitem__, positions))]
            return [(self.slots[pk], None) for pk in ids]
        keys = map(self.newest.__getitem__, positions)
        if sort == "relevance" and scores is not None:
            best = heapq.nsmallest(n, zip(scores, keys, positions, strict=True))
            return [(p, score) for score, _, p in best]
        ids = [-k & ID_MASK for k in heapq.nsmallest(n, keys)]
        return [(self.slots[pk], None) for pk in ids]

    def counts(
        self, positions: Sequence[int], names: Iterable[str]
    ) -> list[tuple[str, Any, str, int]]:
        """(facet, value, label, count) of every value of these facets among the positions:
        one Counter pass per combination code, then the sums per facet."""
        names = list(names)
        rows: list[tuple[str, Any, str, int]] = []
        for facets, column, combos in zip(COMBOS, self.codes, self.combos, strict=True):
            wanted = [(i, name) for i, name in enumerate(facets) if name in names]
            if not wanted:
                continue
            tallies = Counter(map(column.__getitem__, positions)).items()
            for i, name in wanted:
                sums: dict[Any, int] = {}
                get = sums.get
                for code, n in tallies:
                    value = combos[code][i]
                    sums[value] = get(value, 0) + n
                labels = self.labels.get(name, {})
                for value, n in sums.items():
                    text = "" if value is None or value == 0 and name == "year" else str(value)
                    rows.append((name, text, labels.get(value, ""), n))
        if "standard" in names:
            # A report cites several standards: each set's count goes to each of its codes.
            cited: dict[str, int] = {}
            get = cited.get
            for key, n in Counter(map(self.standards.__getitem__, positions)).items():
                for code in self.standard_sets[key]:
                    cited[code] = get(code, 0) + n
            rows.extend(("standard", code, code, n) for code, n in cited.items())
        return rows


def _code(codes: dict[Any, int], key: Any, table: list[Any], value: Any) -> int:
    code = codes.get(key)
    if code is None:
        code = codes[key] = len(table)
        table.append(value)
    return code


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
    """The columns of each database (by name), brought up to its current token."""

    def __init__(self) -> None:
        self._by_database: dict[str, Columns] = {}
        self._lock = threading.Lock()

    def get(self, database: str, token: str | None, cursor: Any, table: str) -> Columns:
        cols = self._by_database.get(database)
        if cols is not None and cols.token == token:
            return cols
        with self._lock:
            cols = self._by_database.get(database)
            if cols is None:
                cols = Columns.load(cursor, table, token)
            elif cols.token != token:
                cols = cols.refreshed(cursor, table, token)
            self._by_database[database] = cols
        return cols


CACHE = ColumnCache()
