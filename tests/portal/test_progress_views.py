"""Progress screens: dashboards, periodic reports and the circular show the numbers their xlsx
and PDF exports contain; scope, bad input, bounded queries and well-formed SVG charts."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from buildings.models import Judgement
from portal.progress import METRICS, TABLES, progress_for
from reports.models import TaskState
from tests.factories import AppraisalFirmFactory, BuildingFactory, county
from tests.pages import assert_self_contained
from tests.portal.test_progress import D, build_scene, task_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(personas):
    return build_scene(personas)


MONTH = {"preset": "month", "date": "2025-03-01"}


class Tables(HTMLParser):
    """Every <table data-table=KEY> of a page as {KEY: [[cell text, ...], ...]} (header first)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-table" in a:
            self._key = a["data-table"]
            self.tables[self._key] = []
        elif self._key and tag == "tr":
            self.tables[self._key].append([])
        elif self._key and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._key = None
        elif self._key and tag in ("td", "th") and self._cell is not None:
            self.tables[self._key][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200
    return Tables(response.content.decode()).tables


def xlsx_sheets(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return {
        ws.title: [
            ["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
        ]
        for ws in wb.worksheets
    }


def pdf_tables(response) -> dict[tuple[str, ...], list[list[str]]]:
    """Ruled tables of the PDF by header; a table continued on the next page repeats it."""
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    out: dict[tuple[str, ...], list[list[str]]] = {}
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                clean = [[(c or "").replace("\n", "") for c in row] for row in table]
                out.setdefault(tuple(clean[0]), []).extend(clean[1:])
    return out


def pdf_text(response) -> str:
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def report_urls(params):
    from urllib.parse import urlencode

    q = "?" + urlencode(params)
    return [
        reverse(n) + q for n in ("progress_report", "progress_report_xlsx", "progress_report_pdf")
    ]


@pytest.mark.parametrize("persona", ["city_bureau", "county_bureau"])
def test_report_page_xlsx_and_pdf_show_the_same_numbers(client, personas, scene, persona):
    client.force_login(getattr(personas, persona))
    page, xlsx, pdf = report_urls(MONTH)
    html = html_tables(client.get(page))
    sheets = xlsx_sheets(client.get(xlsx))
    pdfs = pdf_tables(client.get(pdf))
    for table in TABLES:
        shown = html[table.key]
        assert shown[0] == table.header
        assert sheets[table.title] == shown, table.title
        assert pdfs[tuple(table.header)] == shown[1:], table.title
    assert [r[:4] for r in sheets["逾期与即将到期（按机构）"][1:]] == html["firms"][1:]
    # The numbers are the hand-checked ones of tests/portal/test_progress.py.
    yanhu = next(r for r in html["appraisal"] if r[0] == "盐湖区")
    assert yanhu[1:7] == ["9", "6", "3", "2", "7", "4"]
    flow = next(r for r in html["flow"] if r[0] == "盐湖区")
    assert flow[1:] == ["1", "3", "1", "1", "1"]
    if persona == "county_bureau":
        assert [r[0] for r in html["appraisal"][1:]] == ["盐湖区"]
        assert "临猗县" not in str(sheets) and "临猗县" not in str(pdfs)


def test_dashboard_numbers_equal_the_report_exports(client, personas, scene):
    client.force_login(personas.city_bureau)
    dashboard = client.get(reverse("bureau_dashboard"))
    shown = html_tables(dashboard)["counties"]
    header, rows = shown[0], shown[1:]
    sheets = xlsx_sheets(client.get(report_urls({"preset": "day"})[1]))
    pdfs = pdf_tables(client.get(report_urls({"preset": "day"})[2]))
    by_label = {}  # (county, metric label) -> value, from every table of the xlsx and the PDF
    for table in TABLES:
        sheet = sheets[table.title]
        assert pdfs[tuple(sheet[0])] == sheet[1:]
        for row in sheet[1:]:
            pairs = zip(sheet[0][1:], row[1:], strict=True)
            by_label.update({(row[0], label): v for label, v in pairs})
    assert [r[0] for r in rows] == [
        *(c.name for c in progress_for(personas.city_bureau).counties),
        "合计",
    ]
    for row in rows:
        for label, value in zip(header[1:], row[1:], strict=True):
            assert by_label[(row[0], label)] == value, (row[0], label)
    # The summary cards are the same numbers again.
    body = dashboard.content.decode()
    total = dict(zip(header[1:], rows[-1][1:], strict=True))
    assert f'data-stat="doubtful-open">{total[METRICS["doubtful_open"][0]]}<' in body
    assert f'data-stat="uncontrolled">{total[METRICS["uncontrolled"][0]]}<' in body
    assert dashboard.context["doubtful_open"] == 3 and dashboard.context["doubtful_total"] == 4


def circular_urls(month="2025-03"):
    q = f"?month={month}"
    names = ("progress_circular", "progress_circular_xlsx", "progress_circular_pdf")
    return [reverse(n) + q for n in names]


def test_circular_page_xlsx_and_pdf_rank_the_same(client, personas, scene):
    client.force_login(personas.city_bureau)
    page, xlsx, pdf = circular_urls()
    shown = html_tables(client.get(page))["circular"]
    sheet = xlsx_sheets(client.get(xlsx))["县区排名"]
    pdfs = pdf_tables(client.get(pdf))
    assert pdfs[tuple(shown[0])] == shown[1:]
    assert len(sheet) == len(shown) == 14  # header + 13 counties
    for typed, text in zip(sheet[1:], shown[1:], strict=True):
        rank, name, score, *rest = typed
        shares, counts, tail = rest[:4], rest[4:8], rest[8:]
        assert text[0] == (rank or "—") and text[1] == name
        assert text[2] == (f"{float(score):.1f}" if score else "—")
        for cell, share, count in zip(text[3:7], shares, counts, strict=True):
            assert cell == f"{float(share):.1f}%（{count}）" if share else cell == f"—（{count}）"
        assert text[7:] == tail
    # The pages use the real today, on which every task of the scene is overdue:
    # (40·1/3 + 25·1/3 + 20·1/4 + 15·0/2) / 100.
    assert shown[1][:4] == ["1", "盐湖区", "26.7", "33.3%（1/3）"]
    assert shown[2][:3] == ["2", "临猗县", "0.0"]
    assert "综合得分" in pdf_text(client.get(pdf))


def test_circular_is_for_city_wide_staff(client, personas, scene):
    client.force_login(personas.county_bureau)
    for url in circular_urls():
        response = client.get(url)
        assert response.status_code == 403
        assert "仅市级工作人员可查看" in response.content.decode()
    client.force_login(personas.admin)
    assert client.get(circular_urls()[0]).status_code == 200


def test_county_dashboard_scope(client, personas, scene):
    yanhu = reverse("progress_county", args=[scene.yanhu.pk])
    linyi = reverse("progress_county", args=[scene.linyi.pk])
    client.force_login(personas.county_bureau)
    response = client.get(yanhu)
    assert response.status_code == 200
    assert 'data-stat="doubtful-open">2<' in response.content.decode()
    assert client.get(linyi).status_code == 404
    assert client.get(reverse("progress_county", args=[99999])).status_code == 404
    client.force_login(personas.city_bureau)
    body = client.get(linyi).content.decode()
    assert 'data-stat="doubtful-open">1<' in body and "盐湖区" not in body
    dashboard = client.get(reverse("bureau_dashboard")).content.decode()
    assert linyi in dashboard and reverse("progress_circular") in dashboard
    client.force_login(personas.county_bureau)
    dashboard = client.get(reverse("bureau_dashboard")).content.decode()
    assert yanhu in dashboard and linyi not in dashboard
    assert reverse("progress_circular") not in dashboard


def test_other_roles_are_refused(client, personas):
    urls = [*report_urls(MONTH), *circular_urls(), reverse("progress_county", args=[1])]
    for persona in ("firm_member", "reviewer"):
        client.force_login(getattr(personas, persona))
        for url in urls:
            assert client.get(url).status_code == 403, url
    client.logout()
    for url in urls:
        assert client.get(url).url.startswith(reverse("login"))


def test_county_staff_cannot_pick_another_county(client, personas, scene):
    client.force_login(personas.county_bureau)
    for url in report_urls({**MONTH, "county": scene.linyi.pk}):
        response = client.get(url)
        assert response.status_code == 400
        assert "请选择您管辖范围内的县区" in response.content.decode()
    client.force_login(personas.city_bureau)
    shown = html_tables(client.get(report_urls({**MONTH, "county": scene.linyi.pk})[0]))
    assert [r[0] for r in shown["appraisal"][1:]] == ["临猗县"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"preset": "custom", "start": "2025-03-10", "end": "2025-03-01"},
            "开始日期不能晚于结束日期",
        ),
        ({"preset": "custom", "start": "2025-03-10"}, "须填写开始日期和结束日期"),
        ({"preset": "day", "date": "2025-02-30"}, "日期格式不正确"),
        ({"preset": "year"}, "请选择统计周期"),
        ({"preset": "custom", "start": "1900-01-01", "end": "2025-01-01"}, "不能超过"),
    ],
)
def test_bad_report_input_is_a_message_not_a_file(client, personas, params, message):
    client.force_login(personas.city_bureau)
    for url in report_urls(params):
        response = client.get(url)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()


def test_bad_month_is_a_message(client, personas):
    client.force_login(personas.city_bureau)
    for url in circular_urls("2025-13"):
        response = client.get(url)
        assert response.status_code == 400 and "月份格式不正确" in response.content.decode()


def test_presets_navigate_by_xun(client, personas, scene):
    client.force_login(personas.city_bureau)
    body = client.get(report_urls({"preset": "xun", "date": "2025-03-25"})[0]).content.decode()
    assert "2025年3月下旬（3月21日—31日）" in body
    assert "preset=xun&amp;date=2025-03-11" in body  # previous: 中旬
    assert "preset=xun&amp;date=2025-04-01" in body  # next: 4月上旬
    custom = report_urls({"preset": "custom", "start": "2025-03-03", "end": "2025-03-12"})[0]
    assert "2025-03-03 至 2025-03-12" in client.get(custom).content.decode()


def more_data(n: int) -> None:
    """Buildings and tasks in more counties, held by more firms: queries must not grow."""
    codes = ["140822", "140823", "140824", "140881", "140882"]
    for i in range(n):
        b = BuildingFactory(
            county=county(codes[i % len(codes)]),
            building_no=f"8{i:05d}",
            initial_judgement=Judgement.SERIOUS if i % 2 else Judgement.DOUBTFUL,
        )
        task_for(b, TaskState.ACCEPTED, firm=AppraisalFirmFactory(), due=D(2025, 3, 1))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        (reverse("bureau_dashboard"), 14),
        (report_urls(MONTH)[0], 12),
        (report_urls(MONTH)[1], 12),
        (circular_urls()[0], 12),
        (circular_urls()[1], 12),
    ],
)
def test_queries_are_bounded_and_do_not_grow(client, personas, scene, url, limit):
    client.force_login(personas.city_bureau)
    queries(client, url)  # warm per-process caches (content types, sessions)
    before = queries(client, url)
    more_data(25)
    after = queries(client, url)
    assert before == after <= limit


def test_county_dashboard_queries_do_not_grow(
    client, personas, scene, django_assert_max_num_queries
):
    client.force_login(personas.city_bureau)
    url = reverse("progress_county", args=[scene.yanhu.pk])
    queries(client, url)
    before = queries(client, url)
    more_data(10)
    with django_assert_max_num_queries(before):
        client.get(url)


def svgs(body: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", body, flags=re.S)
    return [ET.fromstring(m) for m in found]  # noqa: S314 - our own rendered markup


def test_charts_are_well_formed_accessible_svg(client, personas, scene):
    client.force_login(personas.city_bureau)
    body = client.get(reverse("bureau_dashboard")).content.decode()
    charts = svgs(body)
    ns = "{http://www.w3.org/2000/svg}"
    ids = {c.get("id") for c in charts}
    assert {"chart-funnel", "chart-grades", "chart-doubtful", "chart-control"} <= ids
    for chart in charts:
        assert chart.get("role") == "img"
        title_id, desc_id = chart.get("aria-labelledby").split()
        assert chart.find(f"{ns}title").get("id") == title_id
        assert chart.find(f"{ns}desc").get("id") == desc_id
        assert chart.find(f"{ns}title").text
        for bar in chart.iter(f"{ns}g"):
            printed = "".join(bar.itertext())
            assert bar.get("data-value") in printed  # every number is printed, not just drawn
    funnel = next(c for c in charts if c.get("id") == "chart-funnel")
    bars = [(g.get("data-bar"), g.get("data-value")) for g in funnel.iter(f"{ns}g")]
    expected = progress_for(personas.city_bureau).funnel()
    assert bars == [(label, str(value)) for label, value in expected]
    assert "排查房屋 11" in funnel.find(f"{ns}desc").text
    assert_self_contained(body)


def test_chart_text_is_escaped():
    from portal.charts import Segment, bar_chart, stacked_chart

    bad = '<b>"&县'
    for svg in (
        bar_chart("x", bad, [(bad, 3)]),
        stacked_chart("y", bad, [Segment(bad, "#000")], [(bad, [2])]),
    ):
        root = ET.fromstring(str(svg))  # noqa: S314 - our own rendered markup
        assert bad in "".join(root.itertext())
        assert root.find("{http://www.w3.org/2000/svg}g").get("data-bar") == bad


def test_empty_scope_renders(client, personas):
    client.force_login(personas.county_bureau)
    for url in [reverse("bureau_dashboard"), report_urls(MONTH)[0]]:
        body = client.get(url).content.decode()
        for chart in svgs(body):
            assert chart.get("role") == "img"
