"""City bureau reads the dashboard charts, opens one county, builds a 旬 report and downloads
its xlsx and PDF, then the monthly circular — in a real browser."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from buildings.models import Judgement
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD, BuildingFactory, county

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bureau_reads_dashboards_and_exports_reports(page, live_server, personas):
    BuildingFactory(building_no="140802-800001", initial_judgement=Judgement.DOUBTFUL)
    BuildingFactory(building_no="140802-800002", initial_judgement=Judgement.SERIOUS)
    BuildingFactory(building_no="140821-800003", county=county("140821"))

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    funnel = page.locator("svg#chart-funnel")
    assert funnel.get_attribute("role") == "img"
    assert funnel.locator("g[data-bar='排查房屋']").get_attribute("data-value") == "3"
    assert funnel.locator("g[data-bar='排查房屋'] text").last.text_content().startswith("3")
    row = page.locator("table[data-table=counties] tr[data-county='盐湖区']")
    assert row.locator("td[data-metric=uncontrolled]").inner_text() == "1"

    row.get_by_role("link", name="盐湖区").click()
    assert page.locator("h1[data-dashboard=county]").inner_text().startswith("盐湖区")
    assert page.locator("[data-stat=doubtful-open]").inner_text() == "1"
    assert "临猗县" not in page.locator("main").inner_text()

    page.get_by_role("link", name="本县区周调度报表").click()
    page.get_by_label("统计周期").select_option("xun")
    page.get_by_label("日期", exact=True).fill("2025-03-25")
    page.get_by_role("button", name="生成报表").click()
    assert page.locator("[data-period]").inner_text() == "2025年3月下旬（3月21日—31日）"
    shown = page.locator("table[data-table=appraisal] tbody tr").first.locator("td").first
    assert shown.inner_text() == "2"

    with page.expect_download() as download:
        page.locator("a[data-export=xlsx]").click()
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(wb["鉴定进度（现状）"].iter_rows(values_only=True))
    assert rows[1][:2] == ("盐湖区", 2)
    with page.expect_download() as download:
        page.locator("a[data-export=pdf]").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="工作台").first.click()
    page.get_by_role("link", name="月通报（县区排名）").click()
    assert page.locator("table[data-table=circular] tbody tr").count() == 13
    assert page.locator("svg#chart-scores").get_attribute("role") == "img"
