"""The reviewer search page, its export and similar reports: roles, scope, escaping, queries."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from search.indexing import sync_reports
from search.models import IndexOutbox
from tests.factories import county
from tests.search.helpers import make_report

pytestmark = pytest.mark.django_db


def indexed(*versions):
    sync_reports(v.report_id for v in versions)
    return versions


@pytest.fixture
def two_counties(personas):
    """A report in the county bureau user's county and one in another, each with a marker."""
    mine = make_report(
        county="140802", grade="C", inspection="墙体出现斜裂缝，标记甲一。", captions=("裂缝照片",)
    )
    other = make_report(county="140821", grade="D", inspection="墙体出现斜裂缝，秘密标记乙二。",
                        conclusion="秘密标记乙二，整幢危房。")  # fmt: skip
    return indexed(mine, other)


@pytest.mark.parametrize("who", ["firm_member", "no_role"])
def test_firm_members_and_users_without_a_role_get_403(client, personas, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("search"), {"q": "裂缝"}).status_code == 403
    assert client.get(reverse("search_export"), {"q": "裂缝"}).status_code == 403


def test_anonymous_users_go_to_login(client):
    response = client.get(reverse("search"), {"q": "裂缝"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["reviewer", "city_bureau", "county_bureau", "admin"])
def test_reviewers_bureau_and_admins_may_search(client, personas, two_counties, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("search"), {"q": "裂缝"})
    assert response.status_code == 200
    assert "<mark>裂缝</mark>" in response.content.decode()


def test_county_staff_see_no_trace_of_another_county(client, personas, two_counties):
    """RELIABILITY 20: hits, totals, facets, highlights, similar reports, export, DB path."""
    mine, other = two_counties
    client.force_login(personas.county_bureau)
    for params in (
        {"q": "裂缝"},
        {"q": "秘密标记乙二"},
        {"q": ""},
        {"q": "裂缝", "county": str(county("140821").pk)},
    ):
        response = client.get(reverse("search"), params)
        html = response.content.decode().replace(params["q"], "")  # the query box echoes it
        assert "乙二" not in html and "临猗县" not in html
        assert all(r.version_id == mine.pk for r in response.context["results"].results)
    assert client.get(reverse("search"), {"q": "秘密标记乙二"}).context["results"].total == 0
    response = client.get(reverse("search"), {"q": "裂缝"})
    assert response.context["results"].total == 1
    assert [r.version_id for r in response.context["results"].results] == [mine.pk]
    counts = {
        f["name"]: {v["label"]: v["count"] for v in f["values"]} for f in response.context["facets"]
    }
    assert counts["grade"] == {"C": 1} and counts["county"] == {"盐湖区": 1}
    export = client.get(reverse("search_export"), {"q": "裂缝"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "乙二" not in str(rows)
    similar = client.get(reverse("search_similar", args=[mine.pk])).content.decode()
    assert "乙二" not in similar and f'data-similar="{other.pk}"' not in similar
    assert client.get(reverse("search_similar", args=[other.pk])).status_code == 404


def test_reviewers_never_see_reports_that_are_not_accepted(client, personas):
    accepted = make_report(inspection="墙体出现裂缝。")
    submitted = make_report(state="submitted", inspection="墙体出现裂缝。")
    indexed(accepted, submitted)
    client.force_login(personas.reviewer)
    results = client.get(reverse("search"), {"q": "裂缝"}).context["results"]
    assert [r.version_id for r in results.results] == [accepted.pk]


def test_a_stale_index_never_leaks_and_heals_itself(client, personas, two_counties):
    """RELIABILITY 21: the report moved to another county; the index has not caught up."""
    mine, _ = two_counties
    building = mine.report.task.building
    type(building).objects.filter(pk=building.pk).update(county=county("140821"))  # no signal
    IndexOutbox.objects.all().delete()
    client.force_login(personas.county_bureau)
    response = client.get(reverse("search"), {"q": "裂缝"})
    assert response.context["results"].results == []
    assert response.context["results"].total == 0
    assert IndexOutbox.objects.filter(report_id=mine.report_id).exists()  # reindex queued


def test_snippets_escape_report_text(client, personas):
    indexed(make_report(inspection="墙面<img src=x onerror=alert(1)>露筋锈胀。"))
    client.force_login(personas.reviewer)
    html = client.get(reverse("search"), {"q": "露筋"}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>露筋</mark>" in html


def test_query_count_does_not_grow_with_hits(client, personas):
    client.force_login(personas.reviewer)

    def counted(n):
        # The first search after an index change brings the facet columns up to date (a
        # query or two whatever the number of rows added): counted apart.
        client.get(reverse("search"), {"q": "裂缝"})
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("search"), {"q": "裂缝"})
        assert len(page.context["results"].results) == n
        return queries

    indexed(*(make_report(inspection="墙体出现斜裂缝。") for _ in range(2)))
    few = counted(2)
    indexed(*(make_report(inspection="墙体出现斜裂缝。") for _ in range(20)))
    many = counted(20)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_facet_links_narrow_and_pages_follow(client, personas):
    versions = [
        make_report(grade="C" if i % 2 else "B", inspection="墙体出现斜裂缝。") for i in range(25)
    ]
    indexed(*versions)
    client.force_login(personas.reviewer)
    first = client.get(reverse("search"), {"q": "裂缝"})
    assert first.context["results"].total == 25 and first.context["pages"] == 2
    grade_c = next(
        v
        for f in first.context["facets"]
        if f["name"] == "grade"
        for v in f["values"]
        if v["value"] == "C"
    )
    narrowed = client.get(reverse("search") + grade_c["url"])
    assert narrowed.context["results"].total == 12
    assert all(r.hit.grade == "C" for r in narrowed.context["results"].results)
    second = client.get(reverse("search"), {"q": "裂缝", "page": "2"})
    assert len(second.context["results"].results) == 5
    assert (
        client.get(reverse("search"), {"q": "裂缝", "page": "x", "sort": "bogus"}).status_code
        == 200
    )


def test_export_is_an_attachment_of_text_cells(client, personas):
    version = make_report(
        inspection="墙体出现裂缝。", recommendation='=HYPERLINK("http://evil","x")'
    )
    indexed(version)
    client.force_login(personas.reviewer)
    response = client.get(reverse("search_export"), {"q": "裂缝"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = sheet[2]
    cell = row[header.index("处理建议")]
    assert cell.value == '=HYPERLINK("http://evil","x")'
    assert cell.data_type == "s"
    assert row[header.index("报告编号")].value == version.fields["report_no"]


def test_similar_reports_tag_on_a_report_page(rf, personas):
    from django.template import Context, Template

    a = make_report(grade="C", inspection="二层④轴墙体出现斜裂缝，最大宽度2.5mm，贯通墙厚。")
    b = make_report(grade="C", inspection="一层②轴墙体出现斜裂缝，最大宽度3.0mm，贯通墙厚。")
    c = make_report(grade="A", structure_type="钢结构", inspection="门式钢架锈蚀轻微。")
    indexed(a, b, c)
    request = rf.get("/")
    request.user = personas.reviewer
    html = Template("{% load search_tags %}{% similar_reports version %}").render(
        Context({"request": request, "version": a})
    )
    assert f'data-similar="{b.pk}"' in html
    assert f'data-similar="{a.pk}"' not in html and f'data-similar="{c.pk}"' not in html
    request.user = personas.firm_member
    assert "相似报告" not in Template("{% load search_tags %}{% similar_reports version %}").render(
        Context({"request": request, "version": a})
    )


def test_the_database_backend_rechecks_hits_in_the_statement_that_reads_them(
    personas, two_counties
):
    """The re-check (search.service._indexable) runs inside the display statement: no query
    of its own, and a hit the user may no longer see is still dropped and queued for reindex."""
    from search.documents import SearchQuery
    from search.service import search_reports

    mine, _ = two_counties
    query = SearchQuery(text="裂缝")
    search_reports(user=personas.county_bureau, query=query)  # facet columns read

    def versions_queries(queries):
        return [q["sql"] for q in queries.captured_queries if "reports_reportversion" in q["sql"]]

    with CaptureQueriesContext(connection) as queries:
        found = search_reports(user=personas.county_bureau, query=query)
    assert [r.version_id for r in found.results] == [mine.pk]
    (check,) = versions_queries(queries)
    assert "search_searchentry" in check  # the same statement as the display rows

    building = mine.report.task.building
    type(building).objects.filter(pk=building.pk).update(county=county("140821"))  # no signal
    IndexOutbox.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        found = search_reports(user=personas.county_bureau, query=query)
    assert found.results == [] and found.total == 0
    assert len(versions_queries(queries)) == 1
    assert IndexOutbox.objects.filter(report_id=mine.report_id).exists()


def test_the_compiled_recheck_selects_what_the_scoping_rule_does(personas, two_counties):
    """search.service keeps the re-check's SQL per ReportScope: for every role it selects the
    same versions as `_indexable(user)` (visible_to), and it follows a change of county."""
    from search.service import _indexable, indexable_check

    mine, other = two_counties
    own = make_report(firm=personas.firm_member.firm, county="140821", inspection="墙体裂缝。")
    draft = make_report(county="140802", state="submitted")

    def selected(check):
        # As display_rows uses it: inside "version_id IN (...)".
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM reports_reportversion WHERE id IN ({check.sql})",  # noqa: S608 - the ORM's SQL
                list(check.params),
            )
            return {row[0] for row in cursor.fetchall()}

    expected = {
        personas.county_bureau: {mine.pk},
        personas.other_county_bureau: {other.pk, own.pk},
        personas.city_bureau: {mine.pk, other.pk, own.pk},
        personas.firm_member: {own.pk},
        personas.other_firm_member: set(),
        personas.reviewer: {mine.pk, other.pk, own.pk},
        personas.admin: {mine.pk, other.pk, own.pk},
        personas.no_role: set(),
        None: {mine.pk, other.pk, own.pk},
    }
    for user, versions in expected.items():
        assert (
            selected(indexable_check(user))
            == versions
            == set(_indexable(user).values_list("pk", flat=True))
        ), user
    assert draft.pk not in selected(indexable_check(personas.admin))

    # One compiled check per scope, and none shared across scopes.
    assert indexable_check(personas.firm_member) is indexable_check(personas.colleague)
    staff = personas.county_bureau
    staff.county = county("140821")
    assert selected(indexable_check(staff)) == {other.pk, own.pk}
    staff.is_active = False
    assert selected(indexable_check(staff)) == set()
