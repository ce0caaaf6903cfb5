"""A reviewer searches 裂缝, narrows by county and grade, opens a hit and exports the results."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from search.indexing import sync_reports
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD
from tests.search.helpers import make_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_reviewer_searches_narrows_opens_and_exports(page, live_server, personas):
    reports = [
        make_report(
            county="140821", grade="C", inspection="二层④轴墙体出现斜裂缝，最大宽度2.5mm。"
        ),
        make_report(county="140821", grade="B", inspection="局部墙体有细微裂缝。"),
        make_report(county="140802", grade="C", inspection="屋面板裂缝渗水。"),
        make_report(county="140821", grade="A", inspection="未见明显损伤。"),
    ]
    sync_reports(v.report_id for v in reports)
    target = reports[0]

    login(page, live_server, "reviewer", TEST_PASSWORD)
    page.get_by_role("link", name="报告检索").click()
    page.get_by_label("关键词").fill("裂缝")
    page.get_by_role("button", name="检索").click()
    assert page.locator("[data-total]").inner_text() == "3"
    assert page.locator("[data-hit] mark").first.inner_text() == "裂缝"

    page.locator("[data-facet=county] a", has_text="临猗县").click()
    assert page.locator("[data-total]").inner_text() == "2"
    page.locator("[data-facet=grade] [data-facet-value=C]").click()
    assert page.locator("[data-total]").inner_text() == "1"
    assert page.locator("[data-hit]").count() == 1

    page.locator(f"[data-hit='{target.pk}'] h3 a").click()
    page.wait_for_url(f"**/reports/{target.pk}/")
    assert target.report.task.building.building_no in page.locator("h1").inner_text()
    page.go_back()

    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == target.fields["report_no"]
