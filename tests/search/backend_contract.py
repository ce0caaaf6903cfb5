"""Behaviour every search backend must have. Subclass with a `backend` fixture."""

from __future__ import annotations

import datetime as dt

import pytest

from search.documents import SearchQuery, documents_for
from tests.factories import AppraisalFirmFactory, county
from tests.search.helpers import make_report


@pytest.fixture
def corpus(db):
    """Six accepted reports, one submitted, with known words in known places."""
    firm_a, firm_b = (
        AppraisalFirmFactory(name="甲鉴定公司"),
        AppraisalFirmFactory(name="乙鉴定公司"),
    )
    c = {}
    c["crack"] = make_report(
        firm=firm_a, grade="C", inspection="二层④轴墙体出现斜裂缝，最大宽度2.5mm，贯通墙厚。",
        captions=("外墙现状",), date=dt.date(2023, 5, 10), year_built=1985, floors=3,
    )  # fmt: skip
    c["ring"] = make_report(
        firm=firm_b, county="140821", grade="B", inspection="屋盖处圈梁设置不完整，局部墙体有细微裂缝。",
        date=dt.date(2022, 8, 1), standards=["JGJ 125-2016", "GB 50023-2009"],
    )  # fmt: skip
    c["steel"] = make_report(
        firm=firm_a, grade="A", structure_type="钢结构", inspection="门式钢架锈蚀轻微，节点连接可靠。",
        business_use="餐饮", year_built=2012, date=dt.date(2024, 3, 1), floors=1,
    )  # fmt: skip
    c["conclusion_hit"] = make_report(
        firm=firm_b, grade="C", inspection="局部散水下沉。", conclusion="木屋架糟朽严重，综合评定为C级。",
        date=dt.date(2023, 1, 5),
    )  # fmt: skip
    c["caption_hit"] = make_report(
        firm=firm_b,
        grade="B",
        inspection="墙体基本完好。",
        captions=("屋架糟朽",),
        date=dt.date(2023, 2, 5),
    )
    c["html"] = make_report(
        firm=firm_a,
        grade="B",
        inspection="墙面<script>alert(1)</script>露筋锈胀。",
        date=dt.date(2023, 3, 5),
    )
    c["draft"] = make_report(
        firm=firm_a, grade="D", state="submitted", inspection="裂缝严重，草稿报告。"
    )
    return c


def ids(page) -> set[int]:
    return {h.report_id for h in page.hits}


class BackendContract:
    @pytest.fixture
    def indexed(self, backend, corpus):
        docs, skipped = documents_for(v.report_id for v in corpus.values())
        assert skipped == [corpus["draft"].report_id]  # only accepted reports are indexed
        backend.rebuild(docs)
        return corpus

    def search(self, backend, text="", **kw):
        return backend.search(SearchQuery(text=text, **kw))

    def test_it_finds_two_character_chinese_words(self, backend, indexed):
        assert ids(self.search(backend, "裂缝")) == {
            indexed["crack"].report_id,
            indexed["ring"].report_id,
        }
        assert ids(self.search(backend, "圈梁")) == {indexed["ring"].report_id}
        assert ids(self.search(backend, "钢架")) == {indexed["steel"].report_id}

    def test_every_term_of_a_mixed_query_must_match(self, backend, indexed):
        assert ids(self.search(backend, "C级 砖混 裂缝")) == {indexed["crack"].report_id}
        assert ids(self.search(backend, "C级 钢结构")) == set()

    def test_longer_words_and_numbers_match(self, backend, indexed):
        assert ids(self.search(backend, "露筋锈胀")) == {indexed["html"].report_id}
        assert ids(self.search(backend, "斜裂缝 2.5mm")) == {indexed["crack"].report_id}

    def test_conclusion_matches_rank_above_caption_matches(self, backend, indexed):
        page = self.search(backend, "糟朽")
        assert [h.report_id for h in page.hits] == [
            indexed["conclusion_hit"].report_id,
            indexed["caption_hit"].report_id,
        ]
        assert page.hits[0].score > page.hits[1].score

    def test_snippets_mark_matches_and_escape_everything_else(self, backend, indexed):
        (hit,) = self.search(backend, "露筋").hits
        assert "<mark>露筋</mark>" in hit.snippet
        assert "<script>" not in hit.snippet
        assert "&lt;script&gt;" in hit.snippet

    def test_malformed_input_never_raises(self, backend, indexed):
        for text in [
            '"',
            '"(*&^ AND OR',
            "NOT",
            "||",
            "-",
            "*",
            "裂缝)",
            "'; DROP TABLE x; --",
            "\\",
        ]:
            self.search(backend, text)

    def test_filters_narrow_the_results(self, backend, indexed):
        i = indexed
        assert ids(self.search(backend, filters={"grade": ("C",)})) == {
            i["crack"].report_id,
            i["conclusion_hit"].report_id,
        }
        yuncheng = county("140821")
        assert ids(self.search(backend, filters={"county": (str(yuncheng.pk),)})) == {
            i["ring"].report_id
        }
        assert ids(self.search(backend, filters={"standard": ("GB 50023-2009",)})) == {
            i["ring"].report_id
        }
        assert ids(self.search(backend, filters={"structure_type": ("钢结构",)})) == {
            i["steel"].report_id
        }
        assert ids(self.search(backend, filters={"year_bucket": ("1981–1990年",)})) == {
            i["crack"].report_id
        }
        assert ids(self.search(backend, filters={"business_use": ("餐饮",)})) == {
            i["steel"].report_id
        }
        assert ids(self.search(backend, filters={"floors_bucket": ("3层",)})) == {
            i["crack"].report_id
        }
        assert ids(self.search(backend, filters={"year": ("2024",)})) == {i["steel"].report_id}
        assert ids(self.search(backend, "裂缝", filters={"grade": ("B",)})) == {i["ring"].report_id}
        assert ids(self.search(backend, filters={"county": ("not-a-number",)})) == set()

    def test_filters_take_any_of_their_values_and_all_of_the_filters(self, backend, indexed):
        i = indexed
        both = self.search(backend, filters={"grade": ("A", "C")})
        assert ids(both) == {
            i["crack"].report_id,
            i["conclusion_hit"].report_id,
            i["steel"].report_id,
        }
        assert both.total == 3
        narrowed = self.search(backend, filters={"grade": ("A", "C"), "business_use": ("餐饮",)})
        assert ids(narrowed) == {i["steel"].report_id} and narrowed.total == 1
        # Facets of a filtered search count the filtered set.
        assert {v.value: v.count for v in narrowed.facets["grade"]} == {"A": 1}
        cited = self.search(backend, filters={"standard": ("GB 50023-2009", "no such code")})
        assert ids(cited) == {i["ring"].report_id}
        assert ids(self.search(backend, filters={"year": ("2022", "2024")})) == {
            i["ring"].report_id,
            i["steel"].report_id,
        }
        # An empty value is no filter; an unknown facet name is ignored.
        assert self.search(backend, filters={"grade": ("",), "colour": ("red",)}).total == 6

    def test_numbers_too_big_for_the_index_match_nothing(self, backend, indexed):
        # Typed into a URL: must not overflow the engine's integer columns.
        assert self.search(backend, filters={"county": ("9" * 30,)}).total == 0
        assert self.search(backend, filters={"firm": ("1" * 19, "x")}).total == 0
        assert self.search(backend, filters={"year": ("20230",)}).total == 0
        assert self.search(backend, filters={"year": ("2023", "9" * 12)}).total == 4

    def test_relevance_ties_fall_back_to_the_newest(self, backend, indexed):
        # Both match 糟朽 once in a group of its own; the conclusion match ranks first.
        page = self.search(backend, "糟朽")
        assert [h.report_id for h in page.hits] == [
            indexed["conclusion_hit"].report_id,
            indexed["caption_hit"].report_id,
        ]
        # Without text, relevance means newest first.
        assert self.search(backend, limit=1).hits[0].report_id == indexed["steel"].report_id

    def test_date_range(self, backend, indexed):
        page = self.search(backend, date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 3, 31))
        assert ids(page) == {
            indexed["conclusion_hit"].report_id,
            indexed["caption_hit"].report_id,
            indexed["html"].report_id,
        }

    def test_facets_count_the_whole_match_set(self, backend, indexed):
        page = self.search(backend, limit=1)
        assert page.total == 6
        assert len(page.hits) == 1
        grades = {v.value: v.count for v in page.facets["grade"]}
        assert grades == {"A": 1, "B": 3, "C": 2}
        firms = {v.label: v.count for v in page.facets["firm"]}
        assert firms == {"甲鉴定公司": 3, "乙鉴定公司": 3}
        counties = {v.label: v.count for v in page.facets["county"]}
        assert counties == {"盐湖区": 5, "临猗县": 1}
        standards = {v.value: v.count for v in page.facets["standard"]}
        assert standards["JGJ 125-2016"] == 6 and standards["GB 50023-2009"] == 1
        assert {v.value: v.count for v in page.facets["year"]} == {"2022": 1, "2023": 4, "2024": 1}
        assert {v.value for v in page.facets["year_bucket"]} >= {"1981–1990年", "2011–2015年"}

    def test_facets_follow_the_text_query(self, backend, indexed):
        page = self.search(backend, "裂缝")
        assert {v.value: v.count for v in page.facets["grade"]} == {"B": 1, "C": 1}

    def test_scope_limits_hits_and_counts(self, backend, indexed):
        linyi = county("140821")
        page = backend.search(SearchQuery(text="裂缝", scope={"county": linyi.pk}))
        assert ids(page) == {indexed["ring"].report_id}
        assert page.total == 1
        assert {v.label for v in page.facets["county"]} == {"临猗县"}
        firm = indexed["steel"].report.firm_id
        assert ids(backend.search(SearchQuery(scope={"firm": firm}))) == {
            indexed[k].report_id for k in ("crack", "steel", "html")
        }

    def test_sort_by_date_and_pagination(self, backend, indexed):
        newest = self.search(backend, sort="newest", limit=2)
        assert [h.report_id for h in newest.hits] == [
            indexed["steel"].report_id,
            indexed["crack"].report_id,
        ]
        second = self.search(backend, sort="newest", limit=2, offset=2)
        assert [h.report_id for h in second.hits] == [
            indexed["html"].report_id,
            indexed["caption_hit"].report_id,
        ]
        oldest = self.search(backend, sort="oldest", limit=1)
        assert [h.report_id for h in oldest.hits] == [indexed["ring"].report_id]
        assert newest.total == 6

    def test_a_text_query_sorts_by_date_too(self, backend, indexed):
        # 糟朽: the conclusion match would rank first; by date, the caption match is newer.
        newest = self.search(backend, "糟朽", sort="newest")
        oldest = self.search(backend, "糟朽", sort="oldest")
        by_date = [indexed["caption_hit"].report_id, indexed["conclusion_hit"].report_id]
        assert [h.report_id for h in newest.hits] == by_date
        assert [h.report_id for h in oldest.hits] == by_date[::-1]
        assert newest.total == 2 and {v.value for v in newest.facets["grade"]} == {"B", "C"}
        assert backend.ids(SearchQuery(text="糟朽", sort="newest"), 10) == by_date

    def test_undated_reports_come_last_in_either_date_order(self, backend, indexed):
        undated = make_report(grade="B", inspection="墙面粉刷层空鼓。", fields={"date": ""})
        backend.index(documents_for([undated.report_id])[0])
        for sort in ("newest", "oldest"):
            page = self.search(backend, sort=sort, limit=10)
            assert page.total == 7
            assert page.hits[-1].report_id == undated.report_id, sort
            assert page.hits[-1].date is None
        assert backend.ids(SearchQuery(sort="oldest"), 10)[-1] == undated.report_id

    def test_ids_lists_every_match_in_order(self, backend, indexed):
        assert backend.ids(SearchQuery(sort="newest"), 100)[:2] == [
            indexed["steel"].report_id,
            indexed["crack"].report_id,
        ]
        assert set(backend.ids(SearchQuery(text="裂缝"), 100)) == {
            indexed["crack"].report_id,
            indexed["ring"].report_id,
        }

    def test_delete_and_reindex(self, backend, indexed):
        backend.delete([indexed["crack"].report_id, 999_999])
        assert ids(self.search(backend, "裂缝")) == {indexed["ring"].report_id}
        docs, _ = documents_for([indexed["crack"].report_id])
        backend.index(docs)
        backend.index(docs)  # indexing twice replaces, never duplicates
        assert ids(self.search(backend, "裂缝")) == {
            indexed["crack"].report_id,
            indexed["ring"].report_id,
        }
        assert backend.count() == 6

    def test_similar_reports_exclude_the_report_itself(self, backend, indexed):
        twin = make_report(grade="C", inspection="二层④轴墙体出现斜裂缝，最大宽度3.0mm，贯通墙厚。")
        docs, _ = documents_for([twin.report_id])
        backend.index(docs)
        page = backend.similar(indexed["crack"].report_id, SearchQuery(limit=5, facets=()))
        assert indexed["crack"].report_id not in ids(page)
        assert twin.report_id in ids(page)
