"""A person logs in as each role in a real browser and lands on the right dashboard."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXPECTED = [
    ("firm_a", "firm", "机构工作台"),
    ("bureau_city", "bureau", "住建局工作台 · 全市"),
    ("bureau_yanhu", "bureau", "住建局工作台 · 盐湖区"),
    ("reviewer", "reviewer", "审查工作台"),
    ("siteadmin", "admin", "系统管理"),
]


def test_each_role_logs_in_and_sees_its_dashboard(page, live_server, personas):
    for username, dashboard, heading in EXPECTED:
        login(page, live_server, username, TEST_PASSWORD)
        h1 = page.locator("h1[data-dashboard]")
        assert h1.get_attribute("data-dashboard") == dashboard
        assert heading in h1.inner_text()
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(f"{live_server.url}/")


def test_wrong_password_shows_a_chinese_error(page, live_server, personas):
    login(page, live_server, "reviewer", "wrong-password")
    assert "请输入一个正确的" in page.content()


def test_a_firm_member_is_refused_the_bureau_dashboard(page, live_server, personas):
    login(page, live_server, "firm_a", TEST_PASSWORD)
    page.wait_for_url(f"{live_server.url}/firm/")
    response = page.goto(f"{live_server.url}/bureau/")
    assert response.status == 403
    assert "无权访问" in page.content()
