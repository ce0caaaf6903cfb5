"""Bureau imports a ledger, creates tasks for 初判存疑 buildings and assigns one; the firm
sees it first and accepts it — in a real browser."""

from __future__ import annotations

import io

import openpyxl
import pytest

from buildings.ledger.columns import HEADERS
from reports.models import AppraisalTask, TaskState
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD, QualificationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def ledger_xlsx() -> bytes:
    def row(no, judgement, floors=2):
        values = {
            "房屋编号": no, "县区": "盐湖区", "乡镇（街道）": "中城街道", "村（社区）": "康宁社区",
            "详细地址": f"盐湖区中城街道康宁社区{no}号", "产权人": "张三", "联系电话": "138****0000",
            "结构类型": "砖混结构", "层数": floors, "建造年代": 1995, "建筑面积(㎡)": 120.5, "是否经营性": "否",
            "经营用途": None, "是否改扩建": "否", "最大跨度(m)": 4.5, "是否钢结构": "否",
            "设计施工监理验收手续是否完备": "否", "初判结论": judgement, "管控措施": None, "备注": None,
        }  # fmt: skip
        return [values[h] for h in HEADERS]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "排查台账"
    ws.append(list(HEADERS))
    ws.append(row("140802-900001", "未发现安全隐患"))
    ws.append(row("140802-900002", "初判存疑"))
    ws.append(row("140802-900003", "存在一定安全隐患"))
    ws.append(row("140802-900004", "初判存疑", floors=3))
    ws.append(row("140802-900005", "初判存疑", floors="三层"))  # rejected: floors as text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_bureau_imports_creates_assigns_and_firm_accepts(page, live_server, personas):
    firm = personas.firm_member.firm
    QualificationFactory(firm=firm)
    firm.counties.add(personas.county_bureau.county)

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    page.goto(f"{live_server.url}/bureau/ledger/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": ledger_xlsx()}
        ],
    )
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url("**/bureau/ledger/*/")
    body = page.content()
    assert "层数" in body  # the rejected row is listed with its column

    page.goto(f"{live_server.url}/bureau/buildings/?judgement=初判存疑&status=none")
    assert page.locator("[data-total]").inner_text() == "2"
    page.get_by_role("button", name="为筛选结果创建鉴定任务（2 栋）").click()
    assert "已创建 2 个任务" in page.content()

    page.goto(f"{live_server.url}/bureau/tasks/?state=open")
    page.locator("table a").first.click()
    page.get_by_label(firm.name).check()
    page.get_by_role("button", name="派单").click()
    assert f"已派单给{firm.name}" in page.content()
    assigned = AppraisalTask.objects.get(state=TaskState.OFFERED)
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "firm_a", TEST_PASSWORD)
    page.goto(f"{live_server.url}/firm/tasks/")
    first_offered = page.locator("table[data-list=offered] tbody tr").first
    assert assigned.building.building_no in first_offered.inner_text()
    first_offered.get_by_role("button", name="接受").click()
    assert page.locator("[data-state]").get_attribute("data-state") == "accepted"
    assigned.refresh_from_db()
    assert assigned.state == TaskState.ACCEPTED and assigned.firm == firm
