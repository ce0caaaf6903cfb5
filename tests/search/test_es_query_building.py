"""The Elasticsearch mapping and request bodies, as plain dicts (no server needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from search.backends import SearchUnavailable, get_search_backend
from search.backends.elasticsearch import (
    build_search,
    index_body,
    page_from_response,
    similar_search,
)
from search.documents import SearchQuery

CJK_TEXT = {
    "type": "text",
    "analyzer": "standard",
    "fields": {"cjk": {"type": "text", "analyzer": "cjk"}},
}


def test_mapping_is_explicit_with_cjk_subfields():
    body = index_body()
    assert body["mappings"]["dynamic"] == "strict"
    props = body["mappings"]["properties"]
    for group in ("conclusion", "facts", "body", "captions"):
        assert props[group] == CJK_TEXT
    for keyword in (
        "grade",
        "county",
        "firm",
        "structure_type",
        "floors_bucket",
        "year_bucket",
        "business_use",
        "appraisal_type",
        "standards",
        "report_no",
    ):
        assert props[keyword] == {"type": "keyword"}, keyword
    for integer in (
        "report_id",
        "version_id",
        "county_id",
        "firm_id",
        "floors",
        "year_built",
        "year",
    ):
        assert props[integer] == {"type": "integer"}, integer
    assert props["date"] == {"type": "date"}


def test_a_word_segmenter_plugin_adds_a_words_subfield():
    props = index_body("smartcn")["mappings"]["properties"]
    assert props["body"]["fields"]["words"] == {"type": "text", "analyzer": "smartcn"}


def test_query_body():
    query = SearchQuery(
        text="C级 裂缝",
        filters={"grade": ("C",), "county": ("3", "x"), "standard": ("JGJ 125-2016",)},
        date_from=dt.date(2023, 1, 1),
        scope={"county": 3},
        facets=("grade", "county"),
        offset=20,
        limit=20,
    )
    body = build_search(query, index="reports").to_dict()
    assert body["query"] == {
        "bool": {
            "must": [
                {
                    "simple_query_string": {
                        "query": "C级 裂缝",
                        "fields": [
                            "conclusion.cjk^10",
                            "facts.cjk^4",
                            "body.cjk^2",
                            "captions.cjk^1",
                        ],
                        "default_operator": "and",
                        "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE",
                    }
                }
            ],
            "filter": [
                {"term": {"county_id": 3}},
                {"terms": {"grade": ["C"]}},
                {"terms": {"county_id": [3]}},
                {"terms": {"standards": ["JGJ 125-2016"]}},
                {"range": {"date": {"gte": "2023-01-01"}}},
            ],
        }
    }
    assert body["aggs"] == {
        "grade": {"terms": {"field": "grade", "size": 50}},
        "county": {
            "terms": {"field": "county_id", "size": 50},
            "aggs": {"label": {"terms": {"field": "county", "size": 1}}},
        },
    }
    assert body["highlight"]["pre_tags"] == ["<mark>"] and body["highlight"]["encoder"] == "html"
    assert body["sort"][0] == "_score"
    assert (body["from"], body["size"], body["track_total_hits"]) == (20, 20, True)


def test_browsing_without_text_sorts_by_date_and_skips_highlighting():
    body = build_search(SearchQuery(facets=()), index="reports").to_dict()
    assert body["query"] == {"bool": {"must": [{"match_all": {}}]}}
    assert body["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}
    assert "highlight" not in body


def test_similar_uses_more_like_this_within_scope():
    body = similar_search(7, SearchQuery(scope={"firm": 2}, limit=5), index="reports").to_dict()
    mlt = body["query"]["bool"]["must"][0]["more_like_this"]
    assert mlt["like"] == [{"_index": "reports", "_id": "7"}]
    assert body["query"]["bool"]["filter"] == [{"term": {"firm_id": 2}}]
    assert body["size"] == 5


def test_page_from_response_reads_hits_highlights_and_facets():
    response = {
        "hits": {
            "total": {"value": 42},
            "hits": [
                {
                    "_score": 3.5,
                    "_source": {
                        "report_id": 1,
                        "version_id": 11,
                        "report_no": "X-1",
                        "grade": "C",
                        "county": "盐湖区",
                        "firm": "甲",
                        "date": "2023-05-10",
                        "conclusion": "结论",
                    },
                    "highlight": {"body.cjk": ["墙体出现<mark>裂缝</mark>&lt;b&gt;"]},
                }
            ],
        },
        "aggregations": {
            "county": {
                "buckets": [
                    {
                        "key": 3,
                        "doc_count": 42,
                        "label": {"buckets": [{"key": "盐湖区", "doc_count": 42}]},
                    }
                ]
            }
        },
    }
    page = page_from_response(response, SearchQuery(facets=("county",)))
    assert page.total == 42
    assert page.hits[0].snippet == "墙体出现<mark>裂缝</mark>&lt;b&gt;"
    assert page.hits[0].date == dt.date(2023, 5, 10)
    assert page.facets["county"][0].label == "盐湖区" and page.facets["county"][0].value == "3"


def test_a_closed_port_is_unavailable_not_a_crash():
    backend = get_search_backend("elasticsearch", URL="http://127.0.0.1:9", TIMEOUT=2)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="裂缝"))
    with pytest.raises(SearchUnavailable):
        backend.delete([1])
