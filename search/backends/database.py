"""The embedded default: full-text search in the portal's own database.

Rows are `search.SearchEntry` (written with the ORM), with their text pre-tokenised by
search.tokenize. The engine part differs by vendor, so `SearchBackend` picks the class from
`connection.vendor` (as Wagtail's database backend does):

* SQLite: an FTS5 table over the token columns (external content, kept by triggers);
  ranking `bm25()` (weights 10 / 1) over the conclusion and the captions with the terms
  OR-ed, as PostgreSQL ranks (matches only in the body or the facts rank by date).
* PostgreSQL: a generated `tsv` column (`setweight(to_tsvector('simple', …))`, A–D) with a
  GIN index; ranking `ts_rank` over a small vector of the conclusion (1.0) and the
  captions (0.1) with the terms OR-ed.

How a search runs differs too. PostgreSQL answers in one statement: the filtered match set
as a materialised CTE, the page's rows with what a hit shows, and every facet count (GROUPING
SETS, one pass). SQLite has no such aggregation, so its engine returns only the match set
(rowid, bm25) and filtering, counting and ordering run over the facet fields held in memory
(search.backends.columns). Snippets come from our own highlighter over the original text
(search.highlight).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from contextlib import contextmanager
from functools import lru_cache
from itertools import compress, repeat
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from search.backends.base import BaseSearchBackend
from search.backends.columns import CACHE
from search.documents import (
    FIELD_FACETS,
    GROUPS,
    ID_FACETS,
    FacetValue,
    SearchHit,
    SearchPage,
    filter_values,
)
from search.highlight import snippet
from search.models import IndexState, SearchEntry, SearchStandard
from search.tokenize import index_text, query_terms

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from search.backends.columns import Columns
    from search.documents import ReportDocument, SearchQuery
    from search.tokenize import Term

ENTRY = SearchEntry._meta.db_table
STANDARD = SearchStandard._meta.db_table
STATE = IndexState._meta.db_table
HIT_COLUMNS = (
    "report_id", "version_id", "report_no", "grade", "county", "firm", "date",
    "building_no", "address", "structure_type", "floors", *GROUPS,
)  # fmt: skip
# PostgreSQL: HIT_COLUMNS as the statements give them to search_tuned(), and their types.
HIT_TYPES = {"report_id": "bigint", "version_id": "bigint", "date": "date", "floors": "integer"}
DISPLAY = ", ".join(f"CAST(e.{c} AS {HIT_TYPES.get(c, 'text')})" for c in HIT_COLUMNS)
HIT_ROW = ", ".join(f"{c} {HIT_TYPES.get(c, 'text')}" for c in HIT_COLUMNS)
SEARCH_ROW = f"f text, v text, l text, s real, n bigint, {HIT_ROW}"
SNIPPET_ORDER = ("conclusion", "body", "captions", "facts")
MAX_FACET_VALUES = 50


def entry_for(doc: ReportDocument) -> SearchEntry:
    return SearchEntry(
        report_id=doc.report_id,
        version_id=doc.version_id,
        building_id=doc.building_id,
        report_no=doc.report_no,
        building_no=doc.building_no,
        address=doc.address[:200],
        grade=doc.grade,
        county_id=doc.county_id,
        county=doc.county,
        firm_id=doc.firm_id,
        firm=doc.firm,
        structure_type=doc.structure_type,
        floors=doc.floors,
        floors_bucket=doc.floors_bucket,
        year_built=doc.year_built,
        year_bucket=doc.year_bucket,
        business_use=doc.business_use,
        appraisal_type=doc.appraisal_type,
        date=doc.date,
        year=doc.date.year if doc.date else None,
        standards=sorted(doc.standards),
        **{group: doc.text.get(group, "") for group in GROUPS},
        **{f"tok_{group}": index_text(doc.text.get(group, "")) for group in GROUPS},
    )


class DatabaseSearchBackend(BaseSearchBackend):
    name = "database"
    catch_indexing_errors = False

    # -------------------------------------------------------------------- writing

    def index(self, documents: Iterable[ReportDocument]) -> None:
        docs = list(documents)
        self.write([entry_for(doc) for doc in docs], {doc.report_id: doc.standards for doc in docs})

    def write(self, entries: list[SearchEntry], standards: Mapping[int, list[str]]) -> None:
        """Replace the entries of these reports; `standards`: report id -> codes it cites.
        Entries are never updated in place: a changed report gets a new row."""
        if not entries:
            return
        with transaction.atomic():
            self.delete(e.report_id for e in entries)
            created = SearchEntry.objects.bulk_create(entries, batch_size=500)
            rows = [
                SearchStandard(entry_id=e.pk, code=code)
                for e in created
                for code in standards.get(e.report_id, ())
            ]
            SearchStandard.objects.bulk_create(rows, batch_size=2000)
            self.changed()

    def delete(self, report_ids: Iterable[int]) -> None:
        ids = list(report_ids)
        if ids:
            SearchStandard.objects.filter(entry__report_id__in=ids).delete()
            SearchEntry.objects.filter(report_id__in=ids).delete()
            self.changed()

    def rebuild(self, documents: Iterable[ReportDocument]) -> int:
        # One transaction: readers see the old index until the new one is complete.
        n = 0
        with transaction.atomic():
            SearchStandard.objects.all().delete()
            SearchEntry.objects.all().delete()
            self.changed()
            batch: list[ReportDocument] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 500:
                    self.index(batch)
                    n += len(batch)
                    batch = []
            self.index(batch)
            n += len(batch)
        return n

    def changed(self) -> None:
        """Mark the index as changed, in the writing transaction (SQLite reloads its columns)."""

    def count(self) -> int:
        return SearchEntry.objects.count()

    # -------------------------------------------------------------------- reading

    def similar(self, report_id: int, query: SearchQuery) -> SearchPage:
        """Reports of the same structure type whose conclusion and inspection text share the
        most distinctive words with this one's (an OR of its longer jieba words)."""
        entry = SearchEntry.objects.filter(report_id=report_id).first()
        if entry is None:
            return SearchPage(hits=[], total=0)
        words = similar_words(entry)
        if not words:
            return SearchPage(hits=[], total=0)
        filters = {**query.filters, "structure_type": (entry.structure_type,)}
        q = type(query)(
            text="",
            filters=filters,
            scope=query.scope,
            facets=(),
            sort="relevance",
            limit=query.limit,
        )
        hits = self.search_any(q, words, exclude_report=report_id)
        return SearchPage(hits=hits, total=len(hits))

    def search_any(
        self, query: SearchQuery, words: list[str], exclude_report: int
    ) -> list[SearchHit]:
        """The best hits matching any of `words`, within the query's scope and filters."""
        raise NotImplementedError

    def score_value(self, raw: Any) -> float:
        return float(raw or 0)

    def make_hits(
        self,
        page: Iterable[tuple[Any, Mapping[str, Any] | None]],
        terms: list[Term],
        order: tuple[str, ...] = SNIPPET_ORDER,
    ) -> list[SearchHit]:
        """Hits from (raw score, display row: HIT_COLUMNS) in page order; a row gone meanwhile
        (None) is left out."""
        return [
            SearchHit(
                report_id=r["report_id"],
                version_id=r["version_id"],
                score=self.score_value(raw_score),
                snippet=snippet({g: r[g] for g in GROUPS}, terms, order),
                report_no=r["report_no"],
                grade=r["grade"],
                county=r["county"],
                firm=r["firm"],
                date=_as_date(r["date"]),
                building_no=r["building_no"],
                address=r["address"],
                structure_type=r["structure_type"],
                floors=r["floors"],
            )
            for raw_score, r in page
            if r is not None
        ]


def display_rows(cursor: Any, entry_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What hits show (HIT_COLUMNS) of these entries, by entry id, in one statement."""
    if not entry_ids:
        return {}
    columns = ", ".join(f"e.{c}" for c in HIT_COLUMNS)
    marks = ", ".join(["%s"] * len(entry_ids))
    cursor.execute(
        f"SELECT e.id, {columns} FROM {ENTRY} e WHERE e.id IN ({marks})",  # noqa: S608 - constant identifiers; values are parameters
        entry_ids,
    )
    return {row[0]: dict(zip(HIT_COLUMNS, row[1:], strict=True)) for row in cursor.fetchall()}


def similar_words(entry: SearchEntry, n: int = 12) -> list[str]:
    """The longest, most repeated words of a report's conclusion and body (3+ characters:
    those are specific, such as 不均匀沉降 or 露筋锈胀; two-character bigrams are too common)."""
    counts: dict[str, int] = {}
    for token in f"{entry.tok_conclusion} {entry.tok_body}".split():
        if len(token) >= 3:
            counts[token] = counts.get(token, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w] * len(w), w))[:n]


def facet_values(
    rows: Iterable[tuple[str, Any, str, int]], names: Iterable[str]
) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and the facet values from (facet, value, label, count) rows, most frequent
    first (years: newest first). A '_total' row carries the total; a 'standard' row a
    report's list of codes (a list, or its JSON), to be split; a 'year' row a date or a year,
    to be summed by year; rows of one value with two labels (a renamed firm) are merged."""
    total = 0
    counts: dict[str, dict[str, list[Any]]] = {name: {} for name in names}
    for name, value, label, n in rows:
        if name == "_total":
            total = int(n)
        elif name == "standard" and name in counts:
            for code in value if isinstance(value, list) else _codes(value or "[]"):
                slot = counts[name].setdefault(code, [code, 0])
                slot[1] += n
        elif name == "year" and name in counts:
            if value:
                year = str(value)[:4]
                slot = counts[name].setdefault(year, [year, 0])
                slot[1] += n
        elif name in counts and value not in (None, ""):
            slot = counts[name].setdefault(str(value), [label or str(value), 0])
            slot[1] += n
    facets: dict[str, list[FacetValue]] = {}
    for name, by_value in counts.items():
        values = [FacetValue(v, label, int(n)) for v, (label, n) in by_value.items()]
        values.sort(key=lambda v: (-v.count, v.label) if name != "year" else (-int(v.value), 0))
        facets[name] = values[:MAX_FACET_VALUES]
    return total, facets


@lru_cache(maxsize=4096)
def _codes(text: str) -> tuple[str, ...]:
    """The codes of a JSON list of standards (a few hundred distinct lists recur)."""
    return tuple(json.loads(text))


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


RANKED_COLUMNS = "tok_conclusion tok_captions"


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class SQLiteSearchBackend(DatabaseSearchBackend):
    """FTS5 finds the matches (rowids only) and ranks those with a term in the conclusion or
    the captions (bm25, which costs most per row); scope, filters, facets and the order run
    over the facet columns in memory (search.backends.columns), read at one snapshot."""

    rank = "bm25(search_fts, 10.0, 4.0, 2.0, 1.0)"  # lower is better

    def changed(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {STATE} (id, token) VALUES (1, %s) "  # noqa: S608 - constant identifiers
                "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
                [secrets.token_hex(16)],
            )

    @contextmanager
    def snapshot(self) -> Iterator[tuple[Any, Columns]]:
        """A cursor and the columns, both of one state of the index (a read transaction)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {STATE} WHERE id = 1")  # noqa: S608 - constant identifiers
            row = cursor.fetchone()
            token = row[0] if row else None
            yield cursor, CACHE.get(connection.settings_dict["NAME"], token, cursor, ENTRY)

    def _selected(
        self,
        cursor: Any,
        cols: Columns,
        query: SearchQuery,
        match: str | None,
        rank: str | None = None,
    ) -> tuple[list[int], list[float] | None]:
        """Positions of the entries matching `match` (all when None) within the query's scope
        and filters, with raw scores when `rank` is given: bm25 of the rows matching `rank`,
        0 (last) for the others."""
        if match is None:
            positions, scores = cols.live(), None
        else:
            cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [match])
            ids = [row[0] for row in cursor.fetchall()]
            scores = None
            if rank is not None:
                cursor.execute(
                    f"SELECT rowid, {self.rank} FROM search_fts WHERE search_fts MATCH %s",  # noqa: S608 - constant expression
                    [rank],
                )
                ranked = dict(cursor.fetchall())
                scores = list(map(ranked.get, ids, repeat(0.0)))
            positions = list(map(cols.position.get, ids))
            if None in positions:  # not in the snapshot's columns: cannot happen, but be safe
                keep = [p is not None for p in positions]
                positions = list(compress(positions, keep))
                scores = list(compress(scores, keep)) if scores is not None else None
        cols.keep(query, positions, scores or [])
        return positions, scores

    @staticmethod
    def _sort(query: SearchQuery, ranked: bool) -> str:
        if query.sort in ("oldest", "newest"):
            return query.sort
        return "relevance" if ranked else "newest"

    def search(self, query: SearchQuery) -> SearchPage:
        terms = query_terms(query.text)
        with self.snapshot() as (cursor, cols):
            sort = self._sort(query, bool(terms))
            positions, scores = self._selected(cursor, cols, query, *self._matches(terms, sort))
            rows = [("_total", "", "", len(positions)), *cols.counts(positions, query.facets)]
            top = cols.top(positions, scores, sort, query.offset + query.limit)
            page = [(cols.ids[p], score) for p, score in top[query.offset :]]
            display = display_rows(cursor, [pk for pk, _ in page])
        hits = self.make_hits(((score, display.get(pk)) for pk, score in page), terms)
        total, facets = facet_values(rows, query.facets)
        return SearchPage(hits=hits, total=total, facets=facets)

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        terms = query_terms(query.text)
        with self.snapshot() as (cursor, cols):
            sort = self._sort(query, bool(terms))
            positions, scores = self._selected(cursor, cols, query, *self._matches(terms, sort))
            top = cols.top(positions, scores, sort, limit)
            return [cols.report_ids[p] for p, _ in top]

    def search_any(
        self, query: SearchQuery, words: list[str], exclude_report: int
    ) -> list[SearchHit]:
        with self.snapshot() as (cursor, cols):
            any_word = " OR ".join(_fts_string(w) for w in words)
            positions, scores = self._selected(cursor, cols, query, any_word, any_word)
            others = [cols.report_ids[p] != exclude_report for p in positions]
            positions = [p for p, keep in zip(positions, others, strict=True) if keep]
            scores = [s for s, keep in zip(scores or (), others, strict=True) if keep]
            top = cols.top(positions, scores, "relevance", query.limit)
            page = [(cols.ids[p], score) for p, score in top]
            display = display_rows(cursor, [pk for pk, _ in page])
        return self.make_hits(((s, display.get(pk)) for pk, s in page), [], ("conclusion",))

    def _matches(self, terms: list[Term], sort: str) -> tuple[str | None, str | None]:
        """(FTS5 query of the rows matching every term, of those to rank: the ones with a term
        in the conclusion or the captions — None when not ranking)."""
        if not terms:
            return None, None
        tokens = [
            _fts_string(t) + ("*" if term.prefix else "") for term in terms for t in term.tokens
        ]
        every = " AND ".join(tokens)
        ranked = f"{{{RANKED_COLUMNS}}} : ({' OR '.join(tokens)})"
        return every, (f"({every}) AND ({ranked})" if sort == "relevance" else None)

    def score_value(self, raw: Any) -> float:
        return -float(raw or 0)


class PostgresSearchBackend(DatabaseSearchBackend):
    """One statement per search: the filtered match set, materialised narrow (id, score and
    the facet columns), gives the page's rows with what a hit shows and every facet count."""

    # Weights of D, C, B, A: captions, body, facts, conclusion.
    weights = "CAST('{0.1, 0.2, 0.4, 1.0}' AS float4[])"
    # Rank over the small in-row vector (conclusion, captions) with the terms OR-ed,
    # so a partial match there still counts; see the migration for why not the full vector.
    rank = f"ts_rank({weights}, e.tsv_rank, q.qor)"

    @staticmethod
    def _tsquery(terms: list[Term], op: str = " & ") -> str:
        parts = []
        for term in terms:
            for token in term.tokens:
                parts.append("'" + token.replace("'", "''") + "'" + (":*" if term.prefix else ""))
        return op.join(parts)

    def where(self, query: SearchQuery) -> tuple[list[str], list[Any]]:
        """SQL conditions of the query's scope, filters and dates (as Columns.keep on SQLite)."""
        clauses: list[str] = []
        params: list[Any] = []
        for name, value in query.scope.items():
            clauses.append(f"e.{FIELD_FACETS[name]} = %s")
            params.append(int(value))
        for name, values in filter_values(query).items():
            marks = ", ".join(["%s"] * len(values))
            if name == "standard":
                clauses.append(f"e.id IN (SELECT entry_id FROM {STANDARD} WHERE code IN ({marks}))")  # noqa: S608 - constant identifiers; values are parameters
            else:
                clauses.append(f"e.{FIELD_FACETS[name]} IN ({marks})")
            params += values
        if query.date_from:
            clauses.append("e.date >= %s")
            params.append(query.date_from)
        if query.date_to:
            clauses.append("e.date <= %s")
            params.append(query.date_to)
        return clauses, params

    def base(self, query: SearchQuery, terms: list[Term]) -> tuple[str, str, list[Any]]:
        """("FROM … WHERE …", score expression, params) of the filtered match set."""
        clauses, params = self.where(query)
        if not terms:
            where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
            return f"FROM {ENTRY} e{where}", "0", params
        source = (
            f"{ENTRY} e CROSS JOIN (SELECT CAST(%s AS tsquery) AS q, CAST(%s AS tsquery) AS qor) q"
        )
        where = " WHERE " + " AND ".join(["e.tsv @@ q.q", *clauses])
        return (
            f"FROM {source}{where}",
            self.rank,
            [self._tsquery(terms), self._tsquery(terms, " | "), *params],
        )

    @staticmethod
    def order(query: SearchQuery, ranked: bool) -> str:
        if query.sort == "oldest":
            return "e.date ASC, e.id ASC"
        if query.sort == "newest" or not ranked:
            return "e.date DESC, e.id DESC"
        return "score DESC, e.date DESC, e.id DESC"

    def search(self, query: SearchQuery) -> SearchPage:
        terms = query_terms(query.text)
        sql, params = self.search_sql(query, terms)
        rows = self.tuned(sql, params, SEARCH_ROW)
        page = sorted((r for r in rows if r[0] == "_hit"), key=lambda r: r[4])
        hits = self.make_hits(
            ((r[3], dict(zip(HIT_COLUMNS, r[5:], strict=True))) for r in page), terms
        )
        total, facets = facet_values(
            ((f, v, label, n) for f, v, label, _s, n, *_ in rows if f != "_hit"), query.facets
        )
        return SearchPage(hits=hits, total=total, facets=facets)

    def search_sql(self, query: SearchQuery, terms: list[Term]) -> tuple[str, list[Any]]:
        """Rows (f, v, label, score, n, *HIT_COLUMNS): '_hit' rows of the page (n: position)
        with what a hit shows, then '_total' and the facet rows (n: count), all over one
        materialised match set `m` that holds only what ordering and facets need."""
        base, score, params = self.base(query, terms)
        columns = ", ".join(
            ["e.id", "e.date", "e.standards"] + [f"e.{c}" for c in FIELD_FACETS.values()]
        )
        order = self.order(query, bool(terms)).replace("e.", "")
        display = DISPLAY
        blanks = ", ".join(["NULL"] * len(HIT_COLUMNS))
        sql = (
            f"WITH m AS MATERIALIZED (SELECT {columns}, CAST({score} AS real) AS score {base}), "  # noqa: S608 - constant identifiers; values are parameters
            "page AS (SELECT id, score, row_number() OVER () AS n "
            f"FROM (SELECT id, score FROM m ORDER BY {order} LIMIT %s OFFSET %s) p) "
            f"SELECT '_hit', CAST(page.id AS TEXT), '', page.score, page.n, {display} "
            f"FROM page JOIN {ENTRY} e ON e.id = page.id "
            f"UNION ALL SELECT f.*, {blanks} FROM ({self.facets_sql(query.facets)}) f"
        )
        return sql, [*params, query.limit, query.offset]

    def facets_sql(self, facets: Iterable[str]) -> str:
        """Rows (f, v, label, 0, count): '_total' and every facet, in one pass over `m`
        (GROUPING SETS: one hash table per facet, filled from the same scan). A 'standard'
        row carries a report's whole (sorted) list of codes, to be split (cheaper than
        unnesting every row's list, as most reports cite one of a few sets), a 'year' row a
        year. County and firm names are looked up for the values found
        (an index probe each) rather than carried through the match set."""
        sets, names, values = ["()"], [], []
        for name in facets:
            if name in FIELD_FACETS:
                expr = FIELD_FACETS[name]
            elif name == "standard":
                expr = "CAST(standards AS TEXT)"
            else:
                continue
            sets.append(f"({expr})")
            names.append(f"WHEN GROUPING({expr}) = 0 THEN '{name}'")
            values.append(f"WHEN GROUPING({expr}) = 0 THEN CAST({expr} AS TEXT)")

        def case(whens: list[str], default: str) -> str:
            return f"CASE {' '.join(whens)} ELSE {default} END" if whens else default

        label = " ".join(
            f"WHEN '{name}' THEN (SELECT l.{name} FROM {ENTRY} l "  # noqa: S608 - constant identifiers
            f"WHERE l.{FIELD_FACETS[name]} = CAST(g.v AS bigint) LIMIT 1)"
            for name in ID_FACETS
            if name in facets
        )
        facet, value = case(names, "'_total'"), case(values, "''")
        grouped = (
            f"SELECT {facet} AS f, {value} AS v, COUNT(*) AS n FROM m "  # noqa: S608 - constant identifiers
            f"GROUP BY GROUPING SETS ({', '.join(sets)})"
        )
        label_sql = f"CAST(CASE g.f {label} ELSE '' END AS text)" if label else "''"
        return f"SELECT g.f, g.v, {label_sql}, CAST(0 AS real), g.n FROM ({grouped}) g"  # noqa: S608 - constant identifiers

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        terms = query_terms(query.text)
        base, score, params = self.base(query, terms)
        sql = (
            f"SELECT e.report_id, CAST({score} AS real) AS score {base} "
            f"ORDER BY {self.order(query, bool(terms))} LIMIT %s"
        )
        return [row[0] for row in self.tuned(sql, [*params, limit], "report_id bigint, score real")]

    def tuned(self, sql: str, params: list[Any], columns: str) -> list[tuple[Any, ...]]:
        """The rows of `sql` run with the planner settings a search needs, in one round trip:
        through the function search_tuned() (migration 0004), whose SET clauses hold for the
        call only (in or out of a transaction). No sequential scan: matches are read through
        the GIN index (an exact bitmap needs no recheck, so the large vectors are never read),
        which the planner would not choose for common terms, not knowing each row check reads
        kilobytes; no JIT: compiling costs more (tens of ms) than it saves on these
        statements. `columns`: the result's column definitions."""
        statement = connection.ops.compose_sql(sql, params)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM search_tuned(%s, %s) AS r({columns})",  # noqa: S608 - constant definitions
                [statement, self.params.get("WORK_MEM") or "64MB"],
            )
            return cursor.fetchall()

    def search_any(
        self, query: SearchQuery, words: list[str], exclude_report: int
    ) -> list[SearchHit]:
        clauses, params = self.where(query)
        sql = (
            f"SELECT {DISPLAY}, ts_rank({self.weights}, e.tsv_rank, q.q) AS score "  # noqa: S608 - constant identifiers; values are parameters
            f"FROM {ENTRY} e CROSS JOIN (SELECT CAST(%s AS tsquery) AS q) q "
            f"WHERE {' AND '.join(['e.tsv @@ q.q', 'e.report_id <> %s', *clauses])} "
            "ORDER BY score DESC LIMIT %s"
        )
        expr = " | ".join("'" + w.replace("'", "''") + "'" for w in words)
        rows = self.tuned(
            sql, [expr, exclude_report, *params, query.limit], f"{HIT_ROW}, score real"
        )
        page = ((row[-1], dict(zip(HIT_COLUMNS, row[:-1], strict=True))) for row in rows)
        return self.make_hits(page, [], ("conclusion",))


def SearchBackend(params: Mapping[str, Any]) -> DatabaseSearchBackend:
    """The database backend for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresSearchBackend(params)
    if connection.vendor == "sqlite":
        return SQLiteSearchBackend(params)
    raise NotImplementedError(
        f"No database search for {connection.vendor!r}: use SQLite or PostgreSQL."
    )
