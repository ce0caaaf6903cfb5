"""Elasticsearch backend (elasticsearch.dsl), for a city-wide or multi-server installation.

Supported clusters: Elasticsearch 9.x with the `elasticsearch` client 9.x (pyproject pins
`elasticsearch>=9,<10`; the client's major version must match the cluster's, since it sends
`compatible-with=9` headers). Chinese text is analysed by the built-in `cjk` analyzer (CJK
bigrams) on a `.cjk` sub-field of every text field; when the cluster has the `analysis-smartcn`
or `analysis-ik` plugin, a `.words` sub-field with that word segmenter is added and searched too.
User input goes through `simple_query_string`, which never throws on malformed input.

`rebuild()` fills a new concrete index and then swaps the alias in one atomic call, so
searches never see an empty or half-built index.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch.dsl import Date, Document, Integer, Keyword, MetaField, Q, Search, Text

from search.backends.base import BaseSearchBackend, SearchUnavailable
from search.documents import (
    FIELD_FACETS,
    GROUPS,
    FacetValue,
    SearchHit,
    SearchPage,
    filter_values,
)
from search.highlight import snippet

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from search.documents import ReportDocument, SearchQuery, VersionCheck

# Boosts by field group: conclusion/recommendation above facts, body, then photo captions.
BOOSTS = {"conclusion": 10, "facts": 4, "body": 2, "captions": 1}
WORD_ANALYZERS = {"analysis-smartcn": "smartcn", "analysis-ik": "ik_max_word"}
FACET_FIELDS = {**FIELD_FACETS, "standard": "standards"}
LABEL_FIELDS = {"county": "county", "firm": "firm"}
MAX_FACET_VALUES = 50


def _text() -> Text:
    return Text(analyzer="standard", fields={"cjk": Text(analyzer="cjk")})


class ReportIndexDocument(Document):
    """The explicit mapping of the report index (no dynamic fields)."""

    report_id = Integer()
    version_id = Integer()
    building_id = Integer()
    report_no = Keyword()
    building_no = Keyword()
    address = Keyword(index=False)
    grade = Keyword()
    county_id = Integer()
    county = Keyword()
    firm_id = Integer()
    firm = Keyword()
    structure_type = Keyword()
    floors = Integer()
    floors_bucket = Keyword()
    year_built = Integer()
    year_bucket = Keyword()
    business_use = Keyword()
    appraisal_type = Keyword()
    date = Date()
    year = Integer()
    standards = Keyword(multi=True)
    conclusion = _text()
    facts = _text()
    body = _text()
    captions = _text()

    class Meta:
        dynamic = MetaField("strict")


def index_body(word_analyzer: str | None = None) -> dict[str, Any]:
    """Settings and mappings of a new concrete index."""
    mapping = ReportIndexDocument._doc_type.mapping.to_dict()
    if word_analyzer:
        for group in GROUPS:
            mapping["properties"][group]["fields"]["words"] = {
                "type": "text",
                "analyzer": word_analyzer,
            }
    return {"settings": {"number_of_shards": 1}, "mappings": mapping}


def source_for(doc: ReportDocument) -> dict[str, Any]:
    return {
        "report_id": doc.report_id,
        "version_id": doc.version_id,
        "building_id": doc.building_id,
        "report_no": doc.report_no,
        "building_no": doc.building_no,
        "address": doc.address,
        "grade": doc.grade,
        "county_id": doc.county_id,
        "county": doc.county,
        "firm_id": doc.firm_id,
        "firm": doc.firm,
        "structure_type": doc.structure_type,
        "floors": doc.floors,
        "floors_bucket": doc.floors_bucket,
        "year_built": doc.year_built,
        "year_bucket": doc.year_bucket,
        "business_use": doc.business_use,
        "appraisal_type": doc.appraisal_type,
        "date": doc.date.isoformat() if doc.date else None,
        "year": doc.date.year if doc.date else None,
        "standards": doc.standards,
        **{group: doc.text.get(group, "") for group in GROUPS},
    }


def text_fields(word_analyzer: str | None = None) -> list[str]:
    fields = [f"{g}.cjk^{BOOSTS[g]}" for g in GROUPS]
    if word_analyzer:
        fields += [f"{g}.words^{BOOSTS[g]}" for g in GROUPS]
    return fields


def filter_clauses(query: SearchQuery) -> list[Q]:
    clauses = [Q("term", **{FACET_FIELDS[k]: int(v)}) for k, v in query.scope.items()]
    for name, values in filter_values(query).items():
        clauses.append(Q("terms", **{FACET_FIELDS[name]: values}))
    if query.date_from or query.date_to:
        bounds = {}
        if query.date_from:
            bounds["gte"] = query.date_from.isoformat()
        if query.date_to:
            bounds["lte"] = query.date_to.isoformat()
        clauses.append(Q("range", date=bounds))
    return clauses


def build_search(
    query: SearchQuery, *, word_analyzer: str | None = None, index: str = "reports"
) -> Search:
    """The request for a query (pure: unit-tested as a dict, no server needed)."""
    must = []
    if query.text.strip():
        must.append(
            Q(
                "simple_query_string",
                query=query.text,
                fields=text_fields(word_analyzer),
                default_operator="and",
                flags="AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE",
            )
        )
    s = Search(index=index).query(
        Q("bool", must=must or [Q("match_all")], filter=filter_clauses(query))
    )
    for name in query.facets:
        field = FACET_FIELDS[name]
        agg = s.aggs.bucket(name, "terms", field=field, size=MAX_FACET_VALUES)
        if name in LABEL_FIELDS:
            agg.bucket("label", "terms", field=LABEL_FIELDS[name], size=1)
    if query.text.strip():
        s = s.highlight(
            *(f"{g}.cjk" for g in ("conclusion", "body", "captions", "facts")),
            fragment_size=120,
            number_of_fragments=1,
        ).highlight_options(
            pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", order="score"
        )
    if query.sort == "newest" or (query.sort == "relevance" and not query.text.strip()):
        s = s.sort({"date": {"order": "desc", "missing": "_last"}}, {"report_id": "desc"})
    elif query.sort == "oldest":
        s = s.sort({"date": {"order": "asc", "missing": "_last"}}, {"report_id": "asc"})
    else:
        s = s.sort("_score", {"date": {"order": "desc", "missing": "_last"}}, {"report_id": "desc"})
    s = s.source(
        ["report_id", "version_id", "report_no", "grade", "county", "firm", "date", *GROUPS]
    )
    return s.extra(track_total_hits=True)[query.offset : query.offset + query.limit]


class ElasticsearchSearchBackend(BaseSearchBackend):
    name = "elasticsearch"
    catch_indexing_errors = True
    _clients: ClassVar[dict[tuple[str, float], Elasticsearch]] = {}

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.url = self.params.get("URL") or ""
        self.alias = self.params.get("INDEX") or "jianding-reports"
        self.timeout = float(self.params.get("TIMEOUT") or 5)
        self._word_analyzer: str | None | bool = False  # False: not looked up yet

    @property
    def client(self) -> Elasticsearch:
        if not self.url:
            raise SearchUnavailable("ELASTICSEARCH_URL is not set")
        key = (self.url, self.timeout)
        if key not in self._clients:
            self._clients[key] = Elasticsearch(
                self.url, request_timeout=self.timeout, max_retries=1, retry_on_timeout=False
            )
        return self._clients[key]

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (ApiError, TransportError) as e:
            raise SearchUnavailable(f"Elasticsearch: {e}") from e

    def word_analyzer(self) -> str | None:
        """smartcn or IK when the cluster has the plugin (looked up once per backend)."""
        if self._word_analyzer is False:
            plugins = self._call(lambda: self.client.cat.plugins(format="json"))
            names = {p.get("component") for p in plugins or []}
            self._word_analyzer = next((a for p, a in WORD_ANALYZERS.items() if p in names), None)
        return self._word_analyzer or None

    def _index_word_analyzer(self) -> str | None:
        """The word analyzer the live index was built with (its mapping decides)."""
        mapping = self._call(lambda: self.client.indices.get_mapping(index=self.alias))
        for body in mapping.values():
            words = body["mappings"]["properties"]["body"].get("fields", {}).get("words")
            return words["analyzer"] if words else None
        return None

    # -------------------------------------------------------------------- writing

    def _new_index(self) -> str:
        name = f"{self.alias}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"
        self._call(
            lambda: self.client.indices.create(index=name, **index_body(self.word_analyzer()))
        )
        return name

    def ensure_index(self) -> None:
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            name = self._new_index()
            self._call(lambda: self.client.indices.put_alias(index=name, name=self.alias))

    def _bulk(self, actions: Iterable[dict[str, Any]], *, refresh: bool = True) -> int:
        def run() -> int:
            ok, errors = helpers.bulk(self.client, actions, raise_on_error=False, refresh=refresh)
            real = [e for e in errors if next(iter(e.values())).get("status") != 404]
            if real:
                raise SearchUnavailable(f"Elasticsearch bulk errors: {real[:3]}")
            return ok

        return self._call(run)

    def index(self, documents: Iterable[ReportDocument]) -> None:
        docs = list(documents)
        if not docs:
            return
        self.ensure_index()
        self._bulk(
            {"_index": self.alias, "_id": d.report_id, "_source": source_for(d)} for d in docs
        )

    def delete(self, report_ids: Iterable[int]) -> None:
        ids = list(report_ids)
        if not ids:
            return
        self.ensure_index()
        self._bulk({"_op_type": "delete", "_index": self.alias, "_id": pk} for pk in ids)

    def rebuild(self, documents: Iterable[ReportDocument]) -> int:
        new = self._new_index()
        try:
            n = self._bulk(
                ({"_index": new, "_id": d.report_id, "_source": source_for(d)} for d in documents),
                refresh=False,
            )
            self._call(lambda: self.client.indices.refresh(index=new))
        except SearchUnavailable:
            # The live alias still points at the old index: drop the half-built one.
            with contextlib.suppress(ApiError, TransportError):
                self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        old: list[str] = []
        if self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            old = list(self._call(lambda: self.client.indices.get_alias(name=self.alias)))
        if self._call(lambda: self.client.indices.exists(index=self.alias)) and not old:
            # A concrete index squats the alias name (created by hand): it must go first.
            self._call(lambda: self.client.indices.delete(index=self.alias))
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self._call(lambda: self.client.indices.update_aliases(actions=actions))
        for name in old:
            self._call(
                lambda name=name: self.client.indices.delete(index=name, ignore_unavailable=True)
            )
        return n

    def count(self) -> int:
        return self._call(lambda: self.client.count(index=self.alias))["count"]

    # -------------------------------------------------------------------- reading

    def _execute(self, s: Search) -> dict[str, Any]:
        return self._call(lambda: self.client.search(index=self.alias, body=s.to_dict())).body

    def search(self, query: SearchQuery, visible: VersionCheck | None = None) -> SearchPage:
        # `visible` is the database's: the service checks these hits with its own query.
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            return SearchPage(hits=[], total=0, facets={name: [] for name in query.facets})
        s = build_search(query, word_analyzer=self._index_word_analyzer(), index=self.alias)
        return page_from_response(self._execute(s), query)

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        import dataclasses

        q = dataclasses.replace(query, facets=(), offset=0, limit=limit)
        s = build_search(q, word_analyzer=self._index_word_analyzer(), index=self.alias).source(
            ["report_id"]
        )
        s = s.extra(track_total_hits=False)
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            return []
        # Beyond 10 000 hits, scan (unordered) would be needed; exports are capped below that.
        s = s[: min(limit, 10_000)]
        body = self._execute(s)
        return [h["_source"]["report_id"] for h in body["hits"]["hits"]]

    def similar(self, report_id: int, query: SearchQuery) -> SearchPage:
        s = similar_search(report_id, query, index=self.alias)
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            return SearchPage(hits=[], total=0)
        return page_from_response(self._execute(s), query)


def similar_search(report_id: int, query: SearchQuery, *, index: str = "reports") -> Search:
    like = Q(
        "more_like_this",
        fields=["conclusion.cjk", "body.cjk"],
        like=[{"_index": index, "_id": str(report_id)}],
        min_term_freq=1,
        min_doc_freq=2,
        max_query_terms=25,
    )
    s = Search(index=index).query(Q("bool", must=[like], filter=filter_clauses(query)))
    s = s.source(
        ["report_id", "version_id", "report_no", "grade", "county", "firm", "date", *GROUPS]
    )
    return s[: query.limit]


def page_from_response(body: dict[str, Any], query: SearchQuery) -> SearchPage:
    hits = []
    for h in body["hits"]["hits"]:
        src = h["_source"]
        highlight = h.get("highlight") or {}
        fragment = next(
            (
                highlight[f"{g}.cjk"][0]
                for g in ("conclusion", "body", "captions", "facts")
                if f"{g}.cjk" in highlight
            ),
            None,
        )
        hits.append(
            SearchHit(
                report_id=src["report_id"],
                version_id=src["version_id"],
                score=float(h.get("_score") or 0),
                snippet=fragment
                or snippet({g: src.get(g) or "" for g in GROUPS}, [], ("conclusion", "body")),
                report_no=src.get("report_no") or "",
                grade=src.get("grade") or "",
                county=src.get("county") or "",
                firm=src.get("firm") or "",
                date=dt.date.fromisoformat(src["date"]) if src.get("date") else None,
                building_no=src.get("building_no") or "",
                address=src.get("address") or "",
                structure_type=src.get("structure_type") or "",
                floors=src.get("floors"),
            )
        )
    total = body["hits"].get("total", {}).get("value", len(hits))
    facets: dict[str, list[FacetValue]] = {}
    for name in query.facets:
        buckets = body.get("aggregations", {}).get(name, {}).get("buckets", [])
        values = []
        for b in buckets:
            labels = b.get("label", {}).get("buckets") or []
            label = labels[0]["key"] if labels else str(b["key"])
            values.append(FacetValue(str(b["key"]), str(label), b["doc_count"]))
        if name == "year":
            values.sort(key=lambda v: -int(v.value))
        facets[name] = values
    return SearchPage(hits=hits, total=total, facets=facets)


SearchBackend = ElasticsearchSearchBackend
