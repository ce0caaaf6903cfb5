"""The embedded default: full-text search in the portal's own database.

Rows are `search.SearchEntry` (written with the ORM), with their text pre-tokenised by
search.tokenize. The engine part differs by vendor, so `SearchBackend` picks the class from
`connection.vendor` (as Wagtail's database backend does):

* SQLite: an FTS5 table over the token columns (external content, kept by triggers);
  ranking `bm25()` (weights 10 / 4 / 2 / 1) of the rows with a term in the conclusion or the
  captions (matches only in the body or the facts rank by date).
* PostgreSQL: a narrow table `search_match` (kept by triggers) with each entry's vector
  (`setweight(to_tsvector('simple', …))`, A–D) and the vectors of its conclusion and
  captions, each under a GIN index; ranking counts the terms found in the conclusion (1.0
  each) and in the captions (0.1 each), by lookups in those indexes.

A search runs the same way on both: the engine returns the match set only (entry ids, and
scores when ranking); scope, filters, facet counts and the top of the order run over the
facet fields held in memory (search.backends.columns); the page's rows are read by id.
Snippets come from our own highlighter over the original text (search.highlight).
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from itertools import compress, repeat
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from search.backends.base import BaseSearchBackend
from search.backends.columns import CACHE
from search.documents import GROUPS, FacetValue, SearchHit, SearchPage
from search.highlight import snippet
from search.models import IndexState, SearchEntry, SearchStandard
from search.tokenize import index_text, query_terms

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from search.backends.columns import Columns
    from search.documents import ReportDocument, SearchQuery, VersionCheck
    from search.tokenize import Term

ENTRY = SearchEntry._meta.db_table
STATE = IndexState._meta.db_table
MATCH = "search_match"  # PostgreSQL: the entries' full-text vectors (migration 0006)
HIT_COLUMNS = (
    "report_id", "version_id", "report_no", "grade", "county", "firm", "date",
    "building_no", "address", "structure_type", "floors", *GROUPS,
)  # fmt: skip
SNIPPET_ORDER = ("conclusion", "body", "captions", "facts")
VISIBLE = "_visible"  # display_rows' re-check column
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
            self.changed()
            self._delete([e.report_id for e in entries])
            created = SearchEntry.objects.bulk_create(entries, batch_size=500)
            rows = [
                SearchStandard(entry_id=e.pk, code=code)
                for e in created
                for code in standards.get(e.report_id, ())
            ]
            SearchStandard.objects.bulk_create(rows, batch_size=2000)

    def delete(self, report_ids: Iterable[int]) -> None:
        ids = list(report_ids)
        if ids:
            with transaction.atomic():
                self.changed()
                self._delete(ids)

    def _delete(self, report_ids: list[int]) -> None:
        SearchStandard.objects.filter(entry__report_id__in=report_ids).delete()
        SearchEntry.objects.filter(report_id__in=report_ids).delete()

    def rebuild(self, documents: Iterable[ReportDocument]) -> int:
        # One transaction: readers see the old index until the new one is complete.
        n = 0
        with transaction.atomic():
            self.changed()
            SearchStandard.objects.all().delete()
            SearchEntry.objects.all().delete()
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
        """Store a new token for the index (search.backends.columns), first thing in every
        writing transaction: the row lock it takes on PostgreSQL (SQLite locks the whole
        database anyway) makes index writers take entry ids in the order they commit, so a
        reader never sees a row commit below ids it has already seen."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {STATE} (id, token) VALUES (1, %s) "  # noqa: S608 - constant identifiers
                "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
                [secrets.token_hex(16)],
            )

    def count(self) -> int:
        return SearchEntry.objects.count()

    # -------------------------------------------------------------------- reading
    # The engine finds the matches (entry ids, with scores when ranking); scope, filters,
    # facet counts and the top of the order run over the facet columns held in memory
    # (search.backends.columns): neither engine counts ten facets over 90,000 matches fast,
    # and both would have to join the matches to their wide rows to do it.

    def reading(self) -> AbstractContextManager[Any]:
        """A cursor for one search."""
        return connection.cursor()

    def matched(
        self, cursor: Any, match: Match | None
    ) -> tuple[str | None, list[int] | None, dict[int, float] | None]:
        """(index token, ids of the entries matching, raw scores — lower is better — of those
        ranked (a term in the conclusion or captions; the others score 0), or None when not
        ranking), the token read at the same state of the index as the ids. `match` None:
        the token only (every entry matches)."""
        raise NotImplementedError

    def _selected(
        self, cursor: Any, query: SearchQuery, match: Match | None
    ) -> tuple[Columns, list[int], list[float] | None]:
        """The columns and the positions of the entries matching within the query's scope and
        filters, with their scores when ranking."""
        token, ids, ranked = self.matched(cursor, match)
        cols = CACHE.get(connection.settings_dict["NAME"], token, cursor, ENTRY)
        # Nothing ranked: all tie at 0, which orders as newest first (and costs less).
        scores = list(map(ranked.get, ids, repeat(0.0))) if ranked and ids else None
        if ids is None:
            positions = cols.live()
        else:
            positions = cols.positions_of(ids)
            if None in positions:
                # Gone from the columns, which were brought up to a later state than the
                # matches (PostgreSQL reads them in a separate statement): gone from the index.
                keep = [p is not None for p in positions]
                positions = list(compress(positions, keep))
                scores = list(compress(scores, keep)) if scores is not None else None
        cols.keep(query, positions, scores or [])
        return cols, positions, scores

    @staticmethod
    def _sort(query: SearchQuery, ranked: bool) -> str:
        if query.sort in ("oldest", "newest"):
            return query.sort
        return "relevance" if ranked else "newest"

    def search(self, query: SearchQuery, visible: VersionCheck | None = None) -> SearchPage:
        terms = query_terms(query.text)
        sort = self._sort(query, bool(terms))
        with self.reading() as cursor:
            cols, positions, scores = self._selected(
                cursor, query, Match.every(terms, sort == "relevance")
            )
            rows = [("_total", "", "", len(positions)), *cols.counts(positions, query.facets)]
            top = cols.top(positions, scores, sort, query.offset + query.limit)
            page = [(cols.ids[p], score) for p, score in top[query.offset :]]
            display = display_rows(cursor, [pk for pk, _ in page], visible)
        hits = self.make_hits(((score, display.get(pk)) for pk, score in page), terms)
        total, facets = facet_values(rows, query.facets)
        passed = None
        if visible is not None:
            passed = frozenset(r["version_id"] for r in display.values() if r[VISIBLE])
        return SearchPage(hits=hits, total=total, facets=facets, visible=passed)

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        terms = query_terms(query.text)
        sort = self._sort(query, bool(terms))
        with self.reading() as cursor:
            cols, positions, scores = self._selected(
                cursor, query, Match.every(terms, sort == "relevance")
            )
            top = cols.top(positions, scores, sort, limit)
            return [cols.report_ids[p] for p, _ in top]

    def similar(self, report_id: int, query: SearchQuery) -> SearchPage:
        """Reports of the same structure type whose conclusion and inspection text share the
        most distinctive words with this one's (any of its longer jieba words), best first."""
        entry = SearchEntry.objects.filter(report_id=report_id).first()
        if entry is None:
            return SearchPage(hits=[], total=0)
        words = similar_words(entry)
        if not words:
            return SearchPage(hits=[], total=0)
        query = replace(
            query,
            text="",
            filters={**query.filters, "structure_type": (entry.structure_type,)},
            facets=(),
        )
        with self.reading() as cursor:
            cols, positions, scores = self._selected(cursor, query, Match.any(words))
            others = [cols.report_ids[p] != report_id for p in positions]
            positions = list(compress(positions, others))
            scores = list(compress(scores, others)) if scores is not None else None
            top = cols.top(positions, scores, "relevance", query.limit)
            page = [(cols.ids[p], score) for p, score in top]
            display = display_rows(cursor, [pk for pk, _ in page])
        hits = self.make_hits(((s, display.get(pk)) for pk, s in page), [], ("conclusion",))
        return SearchPage(hits=hits, total=len(hits))

    def score_value(self, raw: Any) -> float:
        return -float(raw or 0)

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


@dataclass(frozen=True)
class Match:
    """What the engine is asked: entries with every term (`any_of`: with any), and whether to
    rank them. A term is its tokens (text, prefix), all of which it needs."""

    terms: tuple[tuple[tuple[str, bool], ...], ...]
    any_of: bool = False
    ranked: bool = False

    @property
    def tokens(self) -> tuple[tuple[str, bool], ...]:
        return tuple(token for term in self.terms for token in term)

    @classmethod
    def every(cls, terms: list[Term], ranked: bool) -> Match | None:
        """Every term; None (no condition) without terms."""
        if not terms:
            return None
        return cls(
            tuple(tuple((t, term.prefix) for t in term.tokens) for term in terms), ranked=ranked
        )

    @classmethod
    def any(cls, words: list[str]) -> Match:
        return cls(tuple(((w, False),) for w in words), any_of=True, ranked=True)


def display_rows(
    cursor: Any, entry_ids: list[int], visible: VersionCheck | None = None
) -> dict[int, dict[str, Any]]:
    """What hits show (HIT_COLUMNS) of these entries, by entry id, in one statement; with
    `visible`, whether each entry's version is among those (VISIBLE): the re-check in the
    same round trip, which on a busy machine costs more than its work."""
    if not entry_ids:
        return {}
    names = list(HIT_COLUMNS)
    columns = ", ".join(f"e.{c}" for c in HIT_COLUMNS)
    params: list[Any] = []
    if visible is not None:
        columns += f", e.version_id IN ({visible.sql})"
        params = list(visible.params)
        names.append(VISIBLE)
    marks = ", ".join(["%s"] * len(entry_ids))
    cursor.execute(
        f"SELECT e.id, {columns} FROM {ENTRY} e WHERE e.id IN ({marks})",  # noqa: S608 - constant identifiers and the ORM's own SQL; values are parameters
        [*params, *entry_ids],
    )
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in cursor.fetchall()}


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
    """The total and the facet values from Columns.counts' (facet, value, label, count) rows,
    most frequent first (years: newest first). A '_total' row carries the total."""
    total = 0
    counts: dict[str, dict[str, list[Any]]] = {name: {} for name in names}
    for name, value, label, n in rows:
        if name == "_total":
            total = int(n)
        elif name in counts and value not in (None, ""):
            slot = counts[name].setdefault(str(value), [label or str(value), 0])
            slot[1] += n
    facets: dict[str, list[FacetValue]] = {}
    for name, by_value in counts.items():
        values = [FacetValue(v, label, int(n)) for v, (label, n) in by_value.items()]
        values.sort(key=lambda v: (-v.count, v.label) if name != "year" else (-int(v.value), 0))
        facets[name] = values[:MAX_FACET_VALUES]
    return total, facets


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# The groups whose matches rank (both engines), with PostgreSQL's weight for each term found.
RANKED = (("conclusion", 1.0), ("captions", 0.1))
RANKED_COLUMNS = " ".join(f"tok_{group}" for group, _ in RANKED)  # SQLite's FTS5 column filter


class SQLiteSearchBackend(DatabaseSearchBackend):
    """FTS5 finds the matches (rowids) and ranks those with a term in the conclusion or the
    captions (bm25, which costs most per row, so only there), in one read transaction with
    the token."""

    rank = "bm25(search_fts, 10.0, 4.0, 2.0, 1.0)"  # lower is better

    @contextmanager
    def reading(self) -> Iterator[Any]:
        # One read transaction: the token and the matches are of one state of the index.
        with transaction.atomic(), connection.cursor() as cursor:
            yield cursor

    def matched(
        self, cursor: Any, match: Match | None
    ) -> tuple[str | None, list[int] | None, dict[int, float] | None]:
        cursor.execute(f"SELECT token FROM {STATE} WHERE id = 1")  # noqa: S608 - constant identifiers
        row = cursor.fetchone()
        token = row[0] if row else None
        if match is None:
            return token, None, None
        every, rank = self.fts_queries(match)
        cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [every])
        ids = [row[0] for row in cursor.fetchall()]
        if rank is None:
            return token, ids, None
        cursor.execute(
            f"SELECT rowid, {self.rank} FROM search_fts WHERE search_fts MATCH %s",  # noqa: S608 - constant expression
            [rank],
        )
        return token, ids, dict(cursor.fetchall())

    @staticmethod
    def fts_queries(match: Match) -> tuple[str, str | None]:
        """(FTS5 query of the matching rows, of those to rank: the ones with a token in the
        conclusion or the captions — None when not ranking)."""

        def quoted(t: str, prefix: bool) -> str:
            return '"' + t.replace('"', '""') + '"' + ("*" if prefix else "")

        terms = ["(" + " AND ".join(quoted(*token) for token in term) + ")" for term in match.terms]
        every = (" OR " if match.any_of else " AND ").join(terms)
        if not match.ranked:
            return every, None
        tokens = " OR ".join(quoted(*token) for token in match.tokens)
        return every, f"({every}) AND ({{{RANKED_COLUMNS}}} : ({tokens}))"


class PostgresSearchBackend(DatabaseSearchBackend):
    """A GIN index over the vectors of `search_match` finds the matches. Ranking counts the
    terms in the conclusion (1.0 each) and in the captions (0.1 each), found by a lookup per
    term in their own GIN indexes (migration 0007), so no vector is read: ts_rank read the
    rank vector of every such match. Token, ids and scores come back in one statement (one
    snapshot), as arrays."""

    weights = RANKED

    def matched(
        self, cursor: Any, match: Match | None
    ) -> tuple[str | None, list[int] | None, dict[int, float] | None]:
        token = f"(SELECT CAST(token AS text) FROM {STATE} WHERE id = 1)"  # noqa: S608 - constant identifiers
        if match is None:
            cursor.execute(f"SELECT {token}")
            return cursor.fetchone()[0], None, None
        every, terms = self.tsqueries(match)
        lookups = self.lookups(terms) if match.ranked else []
        ids = f"(SELECT array_agg(entry_id) FROM {MATCH} WHERE tsv @@ CAST(%s AS tsquery))"  # noqa: S608 - constant identifiers
        sql = " UNION ALL ".join(
            [
                f"SELECT 0, {token}, {ids}",
                *(f"SELECT {n}, NULL, ({lookup})" for n, (lookup, _, _) in enumerate(lookups, 1)),
            ]
        )
        params = [every, *(term for _, term, _ in lookups)]
        rows = sorted(self.tuned(sql, params, "n int, token text, ids bigint[]"))
        (_, token_value, matching), *found = rows
        if not match.ranked:
            return token_value, matching or [], None
        # Scores as the caller wants them: lower is better.
        scores: dict[int, float] = {}
        get = scores.get
        for (_, _, found_ids), (_, _, weight) in zip(found, lookups, strict=True):
            for pk in found_ids or ():
                scores[pk] = get(pk, 0.0) - weight
        return token_value, matching or [], scores

    def lookups(self, terms: list[str]) -> list[tuple[str, str, float]]:
        """(statement, its tsquery parameter, weight) per term and ranked group: the ids of the
        entries with the term in the group. Entries found that do not match the query are left
        out by the caller (excluding them here would cost more than sending them)."""
        return [
            (
                f"SELECT array_agg(entry_id) FROM {MATCH} WHERE {group} @@ CAST(%s AS tsquery)",  # noqa: S608 - constant identifiers
                term,
                weight,
            )
            for term in terms
            for group, weight in self.weights
        ]

    @staticmethod
    def tsqueries(match: Match) -> tuple[str, list[str]]:
        """(tsquery of the matching rows, tsquery of each term: what ranks)."""
        terms = [
            " & ".join(
                "'" + t.replace("'", "''") + "'" + (":*" if prefix else "") for t, prefix in term
            )
            for term in match.terms
        ]
        joined = (" | " if match.any_of else " & ").join(f"({t})" for t in terms)
        return joined, terms

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


def SearchBackend(params: Mapping[str, Any]) -> DatabaseSearchBackend:
    """The database backend for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresSearchBackend(params)
    if connection.vendor == "sqlite":
        return SQLiteSearchBackend(params)
    raise NotImplementedError(
        f"No database search for {connection.vendor!r}: use SQLite or PostgreSQL."
    )
