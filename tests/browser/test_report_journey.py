"""Firm uploads a report, sees the parsed fields and a problem, corrects it and submits; the
bureau returns it; the firm uploads version 2; the bureau accepts — in a real browser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from reports.assignments import task_accept, task_assign, task_create
from reports.models import ReportState, ReportVersion, TaskState
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD, BuildingFactory, QualificationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def pdf_upload(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": data}


def test_upload_correct_submit_return_resubmit_accept(page, live_server, personas):
    from reports.generator import random_spec, render_report

    firm = personas.firm_member.firm
    QualificationFactory(firm=firm)
    firm.counties.add(personas.county_bureau.county)
    building = BuildingFactory(
        building_no="140802-000321",
        address="盐湖区中城街道康宁社区解放路21号",
        floors=2,
        owner="李四",
    )
    task = task_create(building=building, actor=personas.city_bureau)
    task_assign(task=task, firm=firm, actor=personas.city_bureau)
    task_accept(task=task, user=personas.firm_member)
    spec = random_spec(
        random.Random(3),
        firm=firm.name, building_no=building.building_no, address=building.address, county="盐湖区",
        owner="李四", structure_type="砖混结构", floors=3, grade="B", appraisal_type="危险性鉴定",
        date=dt.date(2026, 10, 20), inspection_date=dt.date(2026, 10, 15),
    )  # fmt: skip

    login(page, live_server, "firm_a", TEST_PASSWORD)
    page.goto(f"{live_server.url}/firm/tasks/{task.pk}/upload/")
    page.set_input_files(
        "#id_pdf", files=[pdf_upload("鉴定报告.pdf", render_report(spec, "numbered_cn"))]
    )
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("[data-report-state=parsed]", timeout=60_000)
    assert page.locator("tr[data-field=grade] [data-value]").inner_text() == "B"
    assert page.locator("[data-problems] li[data-code='ledger_mismatch:floors']").count() == 1

    page.locator("tr[data-field=floors] input[name=value]").fill("2")
    page.locator("tr[data-field=floors]").get_by_role("button", name="更正").click()
    assert "已更正" in page.content()
    assert page.locator("[data-problems] li[data-code='ledger_mismatch:floors']").count() == 0
    page.get_by_role("button", name="确认并提交审核").click()
    assert page.locator("[data-report-state]").get_attribute("data-report-state") == "submitted"
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    page.goto(f"{live_server.url}/bureau/reports/")
    page.get_by_role("link", name=building.building_no).click()
    page.get_by_label("审核意见").fill("层数与台账不一致，请核实后重新出具报告")
    page.get_by_role("button", name="退回修改").click()
    assert page.locator("[data-report-state]").get_attribute("data-report-state") == "returned"
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "firm_a", TEST_PASSWORD)
    page.goto(f"{live_server.url}/firm/tasks/{task.pk}/upload/")
    fixed = dataclasses.replace(spec, floors=2)
    page.set_input_files(
        "#id_pdf", files=[pdf_upload("鉴定报告-修改.pdf", render_report(fixed, "chapters_toc"))]
    )
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("[data-report-state=parsed]", timeout=60_000)
    assert "版本2" in page.content()
    page.get_by_role("button", name="确认并提交审核").click()
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "bureau_yanhu", TEST_PASSWORD)
    page.goto(f"{live_server.url}/bureau/reports/")
    page.get_by_role("link", name=building.building_no).click()
    assert "与版本1相比的变化" in page.content()
    page.get_by_role("button", name="审核通过").click()
    assert page.locator("[data-report-state]").get_attribute("data-report-state") == "accepted"
    assert page.locator("[data-verification-code]").count() == 1

    versions = list(ReportVersion.objects.filter(report__task=task).order_by("number"))
    assert [v.state for v in versions] == [ReportState.SUPERSEDED, ReportState.ACCEPTED]
    task.refresh_from_db()
    assert task.state == TaskState.APPROVED
