"""Bureau registers a problem (挂号) on a building, refers it (移送) to a department, prints the
referral letter, records receipt and handling, and is refused closing (销号) at each step that is
still missing — in a real browser."""

from __future__ import annotations

import pytest

from buildings.models import Problem
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD, BuildingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bureau_registers_refers_and_is_refused_closing(page, live_server, personas):
    building = BuildingFactory(building_no="140802-700002")

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    page.goto(f"{live_server.url}/bureau/buildings/{building.pk}/")
    page.get_by_role("link", name="问题挂号").click()

    register = page.locator("form[data-form=register]")
    register.get_by_label("问题类别").select_option(label="违规经营")
    register.get_by_label("问题描述").fill("未取得营业执照从事餐饮经营")
    register.get_by_label("问题来源").select_option("排查")
    register.get_by_label("发现日期").fill("2026-11-20")
    register.locator("[name=responsible_name]").fill("王某")
    register.get_by_label("整改要求").fill("停止经营，办理证照")
    register.get_by_label("整改期限").fill("2027-01-20")
    register.get_by_role("button", name="挂号").click()
    assert "已挂号" in page.locator(".messages").inner_text()
    problem = Problem.objects.get(building=building)

    refer = page.locator("form[data-form=refer]")
    refer.get_by_label("牵头部门").select_option("市场监管部门")
    refer.get_by_label("移送日期").fill("2026-11-21")
    refer.get_by_label("移送事项").fill("请依法查处无证经营")
    refer.get_by_label("办结期限").fill("2026-12-21")
    refer.get_by_role("button", name="移送").click()
    problem.refresh_from_db()
    assert problem.referral.department == "市场监管部门"

    # The referral letter (问题移送函) is a PDF for this problem.
    letter = page.request.get(f"{live_server.url}/bureau/problems/{problem.pk}/referral.pdf")
    assert letter.status == 200 and letter.body()[:5] == b"%PDF-"

    close = page.locator("form[data-form=close]")
    close.get_by_label("销号日期").fill("2026-11-22")
    close.get_by_role("button", name="销号").click()
    assert "尚未办结" in page.locator("main").inner_text()

    receipt = page.locator("form[data-form=receipt]")
    receipt.get_by_label("接收日期").fill("2026-11-22")
    receipt.get_by_label("接收人").fill("市场监管局赵某")
    receipt.get_by_role("button", name="登记接收").click()
    handling = page.locator("form[data-form=handling]")
    handling.get_by_label("办理状态").select_option("已办结")
    handling.get_by_label("处理结果/进展").fill("已责令停业并立案")
    handling.get_by_label("办结日期（办结时填写）").fill("2026-11-25")
    handling.get_by_role("button", name="保存办理情况").click()
    problem.refresh_from_db()
    assert problem.referral.status == "已办结"

    close = page.locator("form[data-form=close]")
    close.get_by_label("销号日期").fill("2026-11-26")
    close.get_by_role("button", name="销号").click()
    assert "挂号后尚未录入复核记录" in page.locator("main").inner_text()
    problem.refresh_from_db()
    assert problem.status != "已销号"
