"""The embedded default: full-text search in the portal's own database.

Rows are `search.SearchEntry` (written with the ORM), with their text pre-tokenised by
search.tokenize. The engine part differs by vendor, so `SearchBackend` picks the class from
`connection.vendor` (as Wagtail's database backend does):

* SQLite: an FTS5 table over the token columns (external content, kept by triggers);
  ranking `bm25()` with column weights 10 / 4 / 2 / 1 (conclusion, facts, body, captions).
* PostgreSQL: a generated `tsv` column (`setweight(to_tsvector('simple', …))`, A–D) with a
  GIN index; ranking `ts_rank_cd` with weights 1.0 / 0.4 / 0.2 / 0.1.

Facets are one statement: the filtered match set as a CTE, then a GROUP BY per facet.
Snippets come from our own highlighter over the original text (search.highlight).
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import connection, transaction

from search.backends.base import BaseSearchBackend
from search.documents import GROUPS, ID_FACETS, FacetValue, SearchHit, SearchPage
from search.highlight import snippet
from search.models import SearchEntry, SearchStandard
from search.tokenize import index_text, query_terms

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from search.documents import ReportDocument, SearchQuery
    from search.tokenize import Term

ENTRY = SearchEntry._meta.db_table
STANDARD = SearchStandard._meta.db_table
# Columns of the entry table that facets group by (facet name -> column).
FACET_COLUMNS = {
    "grade": "grade",
    "county": "county_id",
    "structure_type": "structure_type",
    "floors_bucket": "floors_bucket",
    "year_bucket": "year_bucket",
    "business_use": "business_use",
    "appraisal_type": "appraisal_type",
    "firm": "firm_id",
}
FACET_LABEL_COLUMNS = {"county": "county", "firm": "firm"}
HIT_COLUMNS = ("report_id", "version_id", "report_no", "grade", "county", "firm", "date", *GROUPS)
SNIPPET_ORDER = ("conclusion", "body", "captions", "facts")
MAX_FACET_VALUES = 50


def entry_for(doc: ReportDocument) -> SearchEntry:
    return SearchEntry(
        report_id=doc.report_id,
        version_id=doc.version_id,
        building_id=doc.building_id,
        report_no=doc.report_no,
        building_no=doc.building_no,
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
        """Replace the entries of these reports; `standards`: report id -> codes it cites."""
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

    def delete(self, report_ids: Iterable[int]) -> None:
        ids = list(report_ids)
        if ids:
            SearchStandard.objects.filter(entry__report_id__in=ids).delete()
            SearchEntry.objects.filter(report_id__in=ids).delete()

    def rebuild(self, documents: Iterable[ReportDocument]) -> int:
        # One transaction: readers see the old index until the new one is complete.
        n = 0
        with transaction.atomic():
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

    def count(self) -> int:
        return SearchEntry.objects.count()

    # -------------------------------------------------------------------- reading

    def match_source(self, terms: list[Term]) -> tuple[str, str, str, list[Any]]:
        """(FROM clause with the entry table as `e`, match condition, score expression, params
        in the order they appear) for rows matching all terms."""
        raise NotImplementedError

    def where(self, query: SearchQuery) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name, value in query.scope.items():
            clauses.append(f"e.{FACET_COLUMNS[name]} = %s")
            params.append(int(value))
        for name, values in query.filters.items():
            values = [v for v in values if v != ""]
            if not values:
                continue
            if name in ID_FACETS:
                values = [int(v) for v in values if str(v).isdigit()] or [-1]
            marks = ", ".join(["%s"] * len(values))
            if name in FACET_COLUMNS:
                clauses.append(f"e.{FACET_COLUMNS[name]} IN ({marks})")
            elif name == "standard":
                clauses.append(f"e.id IN (SELECT entry_id FROM {STANDARD} WHERE code IN ({marks}))")  # noqa: S608 - constant identifiers; values are parameters
            elif name == "year":
                years = [int(v) for v in values if str(v).isdigit()] or [0]
                clauses.append(
                    "(" + " OR ".join(["(e.date >= %s AND e.date <= %s)"] * len(years)) + ")"
                )
                params += [p for y in years for p in (dt.date(y, 1, 1), dt.date(y, 12, 31))]
                continue
            else:
                continue
            params += values
        if query.date_from:
            clauses.append("e.date >= %s")
            params.append(query.date_from)
        if query.date_to:
            clauses.append("e.date <= %s")
            params.append(query.date_to)
        return clauses, params

    def _base(
        self, query: SearchQuery, extra: list[str] | None = None
    ) -> tuple[str, str, list[Any], bool]:
        """("FROM … WHERE …", score expression, params, ranked) of the filtered match set."""
        terms = query_terms(query.text)
        clauses, params = self.where(query)
        clauses += extra or []
        if terms:
            source, match, score, match_params = self.match_source(terms)
            clauses.insert(0, match)
            params = match_params + params
        else:
            source, score = f"{ENTRY} e", "0"
        sql_where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return f"FROM {source}{sql_where}", score, params, bool(terms)

    def _order(self, query: SearchQuery, ranked: bool) -> str:
        if query.sort == "oldest":
            return "e.date ASC, e.id ASC"
        if query.sort == "newest" or not ranked:
            return "e.date DESC, e.id DESC"
        return f"score {self.score_order}, e.date DESC, e.id DESC"

    score_order: ClassVar[str] = "DESC"

    @contextmanager
    def planner(self, ranked: bool) -> Iterator[None]:
        """Engine settings around a query (PostgreSQL tunes its plan)."""
        yield

    def search(
        self,
        query: SearchQuery,
        *,
        extra: list[str] | None = None,
        extra_params: list[Any] | None = None,
    ) -> SearchPage:
        """One statement reads the match set once (a narrow materialised CTE with the score)
        and returns both the page's entry ids and every facet count; a second one, by primary
        key, fetches the display columns of the page's rows."""
        base, score, params, ranked = self._base(query, extra)
        params = params + (extra_params or [])
        sql, sql_params = self._search_sql(base, score, params, query, ranked)
        terms = query_terms(query.text)
        with self.planner(ranked), connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            rows = cursor.fetchall()
            page = [(int(v), s) for f, v, _l, s, _n in rows if f == "_hit"]
            display: dict[int, dict[str, Any]] = {}
            if page:
                columns = ", ".join(f"e.{c}" for c in HIT_COLUMNS)
                marks = ", ".join(["%s"] * len(page))
                cursor.execute(
                    f"SELECT e.id, {columns} FROM {ENTRY} e WHERE e.id IN ({marks})",  # noqa: S608 - constant identifiers; values are parameters
                    [pk for pk, _ in page],
                )
                display = {
                    row[0]: dict(zip(HIT_COLUMNS, row[1:], strict=True))
                    for row in cursor.fetchall()
                }
        hits = []
        for pk, raw_score in page:
            r = display.get(pk)
            if r is None:  # deleted between the two statements
                continue
            hits.append(
                SearchHit(
                    report_id=r["report_id"],
                    version_id=r["version_id"],
                    score=self.score_value(raw_score),
                    snippet=snippet({g: r[g] for g in GROUPS}, terms, SNIPPET_ORDER),
                    report_no=r["report_no"],
                    grade=r["grade"],
                    county=r["county"],
                    firm=r["firm"],
                    date=_as_date(r["date"]),
                )
            )
        total, facets = _facet_values(rows, query.facets)
        self._label(facets)
        return SearchPage(hits=hits, total=total, facets=facets)

    def _label(self, facets: dict[str, list[FacetValue]]) -> None:
        """Names for the id facets (county, firm), looked up for the few values shown rather
        than carried through the whole match set: one index probe per value."""
        selects, params = [], []
        for name, label_column in FACET_LABEL_COLUMNS.items():
            ids = [int(v.value) for v in facets.get(name, ())]
            if ids:
                column = FACET_COLUMNS[name]
                rows = ", ".join(["(%s)"] * len(ids))
                selects.append(
                    f"SELECT '{name}', v.column1, (SELECT {label_column} FROM {ENTRY} "  # noqa: S608 - constant identifiers; values are parameters
                    f"WHERE {column} = v.column1 LIMIT 1) FROM (VALUES {rows}) v"
                )
                params += ids
        if not selects:
            return
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            labels = {(name, str(value)): label for name, value, label in cursor.fetchall()}
        for name in FACET_LABEL_COLUMNS:
            for value in facets.get(name, ()):
                value.label = labels.get((name, value.value)) or value.value
            facets.get(name, []).sort(key=lambda v: (-v.count, v.label))

    def score_value(self, raw: Any) -> float:
        return float(raw or 0)

    def _search_sql(
        self, base: str, score: str, params: list[Any], query: SearchQuery, ranked: bool
    ) -> tuple[str, list[Any]]:
        """Rows (f, v, l, s, n): '_hit' rows (entry id, score) of the page in order, then
        '_total' and the facet rows of _facets_sql, all over one materialised match set `m`
        that holds only what ordering and facets need (narrow rows, written once)."""
        columns = ", ".join(
            ["e.id", "e.date", "e.standards"] + [f"e.{c}" for c in FACET_COLUMNS.values()]
        )
        order = self._order(query, ranked).replace("e.", "")
        sql = (
            f"WITH m AS MATERIALIZED (SELECT {columns}, {score} AS score {base}) "  # noqa: S608 - constant identifiers; values are parameters
            "SELECT '_hit', CAST(id AS TEXT), '', score, 0 "
            f"FROM (SELECT id, score FROM m ORDER BY {order} LIMIT %s OFFSET %s) page "
            f"UNION ALL {self._facets_sql(query.facets)}"
        )
        return sql, [*params, query.limit, query.offset]

    def _facets_sql(self, facets: Iterable[str]) -> str:
        """'_total' and the facet rows over `m`, a GROUP BY per facet. Rows stay small and
        cheap to compute; _facet_values finishes them: a 'standard' row carries a report's
        whole (sorted) list of codes, to be split (cheaper than unnesting every row's list,
        as most reports cite one of a few sets), a 'year' row a date, to be summed by year."""
        selects = ["SELECT '_total', '', '', 0, COUNT(*) FROM m"]
        for name in facets:
            if name in FACET_COLUMNS:
                column = FACET_COLUMNS[name]
                selects.append(
                    f"SELECT '{name}', CAST({column} AS TEXT), '', 0, COUNT(*) FROM m GROUP BY {column}"  # noqa: S608 - constant identifiers; values are parameters
                )
            elif name == "standard":
                selects.append(
                    "SELECT 'standard', CAST(standards AS TEXT), '', 0, COUNT(*) FROM m GROUP BY 2"
                )
            elif name == "year":
                selects.append(
                    "SELECT 'year', CAST(date AS TEXT), '', 0, COUNT(*) FROM m GROUP BY date"
                )
        return " UNION ALL ".join(selects)

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        base, score, params, ranked = self._base(query)
        sql = f"SELECT e.report_id, {score} AS score {base} ORDER BY {self._order(query, ranked)} LIMIT %s"
        with self.planner(ranked), connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [row[0] for row in cursor.fetchall()]

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
        return self.search_any(q, words, exclude_report=report_id)

    def search_any(self, query: SearchQuery, words: list[str], exclude_report: int) -> SearchPage:
        raise NotImplementedError


def similar_words(entry: SearchEntry, n: int = 12) -> list[str]:
    """The longest, most repeated words of a report's conclusion and body (3+ characters:
    those are specific, such as 不均匀沉降 or 露筋锈胀; two-character bigrams are too common)."""
    counts: dict[str, int] = {}
    for token in f"{entry.tok_conclusion} {entry.tok_body}".split():
        if len(token) >= 3:
            counts[token] = counts.get(token, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w] * len(w), w))[:n]


def _facet_values(
    rows: Iterable[tuple[Any, ...]], names: Iterable[str]
) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and the facet values of _facets_sql's rows, most frequent first (years:
    newest first); rows of one value with two labels (a renamed firm) are merged."""
    total = 0
    counts: dict[str, dict[str, list[Any]]] = {name: {} for name in names}
    for name, value, label, _score, n in rows:
        if name == "_total":
            total = int(n)
        elif name == "standard":
            for code in json.loads(value or "[]"):
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


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class SQLiteSearchBackend(DatabaseSearchBackend):
    score_order = "ASC"  # bm25(): lower is better
    rank = "bm25(search_fts, 10.0, 4.0, 2.0, 1.0)"

    def _match(self, terms: list[Term]) -> str:
        parts = []
        for term in terms:
            for token in term.tokens:
                parts.append(_fts_string(token) + ("*" if term.prefix else ""))
        return " AND ".join(parts)

    def match_source(self, terms: list[Term]) -> tuple[str, str, str, list[Any]]:
        source = f"search_fts JOIN {ENTRY} e ON e.id = search_fts.rowid"
        return source, "search_fts MATCH %s", self.rank, [self._match(terms)]

    def score_value(self, raw: Any) -> float:
        return -float(raw or 0)

    def search_any(self, query: SearchQuery, words: list[str], exclude_report: int) -> SearchPage:
        clauses, params = self.where(query)
        sql = (
            f"SELECT {', '.join(f'e.{c}' for c in HIT_COLUMNS)}, {self.rank} AS score "  # noqa: S608 - constant identifiers; values are parameters
            f"FROM search_fts JOIN {ENTRY} e ON e.id = search_fts.rowid "
            f"WHERE {' AND '.join(['search_fts MATCH %s', 'e.report_id <> %s', *clauses])} "
            "ORDER BY score ASC LIMIT %s"
        )
        expr = " OR ".join(_fts_string(w) for w in words)
        return _similar_page(sql, [expr, exclude_report, *params, query.limit], self.score_value)


class PostgresSearchBackend(DatabaseSearchBackend):
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

    def match_source(self, terms: list[Term]) -> tuple[str, str, str, list[Any]]:
        source = (
            f"{ENTRY} e CROSS JOIN (SELECT CAST(%s AS tsquery) AS q, CAST(%s AS tsquery) AS qor) q"
        )
        return (
            source,
            "e.tsv @@ q.q",
            self.rank,
            [self._tsquery(terms), self._tsquery(terms, " | ")],
        )

    def _facets_sql(self, facets: Iterable[str]) -> str:
        """All facets in one pass over `m` (GROUPING SETS: one hash table per facet, filled
        from the same scan), instead of a scan per facet."""
        sets, names, values = ["()"], [], []
        for name in facets:
            if name in FACET_COLUMNS:
                expr = FACET_COLUMNS[name]
            elif name == "standard":
                expr = "CAST(standards AS TEXT)"
            elif name == "year":
                expr = "date"
            else:
                continue
            sets.append(f"({expr})")
            names.append(f"WHEN GROUPING({expr}) = 0 THEN '{name}'")
            values.append(f"WHEN GROUPING({expr}) = 0 THEN CAST({expr} AS TEXT)")

        def case(whens: list[str], default: str) -> str:
            return f"CASE {' '.join(whens)} ELSE {default} END" if whens else default

        columns = [case(names, "'_total'"), case(values, "''"), "''"]
        return (
            f"SELECT {', '.join(columns)}, 0, COUNT(*) FROM m "  # noqa: S608 - constant identifiers
            f"GROUP BY GROUPING SETS ({', '.join(sets)})"
        )

    @contextmanager
    def planner(self, ranked: bool) -> Iterator[None]:
        """For a text query: read matches through the GIN index (an exact bitmap needs no
        recheck, so the large vectors are never read) instead of a sequential scan, which the
        planner prefers for common terms without knowing each row check reads kilobytes."""
        if not ranked:
            yield
            return
        nested = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            # JIT compiling costs more (tens of ms) than it saves on these short statements.
            # SET LOCAL semantics: the settings end with our transaction; inside an outer one
            # (a savepoint), the old values are put back by hand.
            cursor.execute(
                "SELECT o.*, set_config('enable_seqscan', 'off', true), "
                "set_config('work_mem', %s, true), set_config('jit', 'off', true) "
                "FROM (SELECT current_setting('enable_seqscan'), current_setting('work_mem'), "
                "current_setting('jit') OFFSET 0) o",
                [self.params.get("WORK_MEM") or "64MB"],
            )
            old = cursor.fetchone()[:3]
            try:
                yield
            finally:
                if nested:
                    cursor.execute(
                        "SELECT set_config('enable_seqscan', %s, true), "
                        "set_config('work_mem', %s, true), set_config('jit', %s, true)",
                        list(old),
                    )

    def search_any(self, query: SearchQuery, words: list[str], exclude_report: int) -> SearchPage:
        clauses, params = self.where(query)
        sql = (
            f"SELECT {', '.join(f'e.{c}' for c in HIT_COLUMNS)}, ts_rank({self.weights}, e.tsv_rank, q.q) AS score "  # noqa: S608 - constant identifiers; values are parameters
            f"FROM {ENTRY} e CROSS JOIN (SELECT CAST(%s AS tsquery) AS q) q "
            f"WHERE {' AND '.join(['e.tsv @@ q.q', 'e.report_id <> %s', *clauses])} "
            "ORDER BY score DESC LIMIT %s"
        )
        expr = " | ".join("'" + w.replace("'", "''") + "'" for w in words)
        with self.planner(True):
            return _similar_page(
                sql, [expr, exclude_report, *params, query.limit], self.score_value
            )


def _similar_page(sql: str, params: list[Any], score_value: Any) -> SearchPage:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits = []
    for row in rows:
        r = dict(zip((*HIT_COLUMNS, "score"), row, strict=True))
        hits.append(
            SearchHit(
                report_id=r["report_id"],
                version_id=r["version_id"],
                score=score_value(r["score"]),
                snippet=snippet({g: r[g] for g in GROUPS}, [], ("conclusion",)),
                report_no=r["report_no"],
                grade=r["grade"],
                county=r["county"],
                firm=r["firm"],
                date=_as_date(r["date"]),
            )
        )
    return SearchPage(hits=hits, total=len(hits))


def SearchBackend(params: Mapping[str, Any]) -> DatabaseSearchBackend:
    """The database backend for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresSearchBackend(params)
    if connection.vendor == "sqlite":
        return SQLiteSearchBackend(params)
    raise NotImplementedError(
        f"No database search for {connection.vendor!r}: use SQLite or PostgreSQL."
    )
