"""The public checks a report number in a real browser: a wrong code reveals nothing, the right
one shows the public facts only, and the QR code's prefilled link checks straight away."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.views.verify import NOT_FOUND_MESSAGE
from tests.portal.test_verify import CODE, FIELDS, make_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_public_checks_a_report_number(page, live_server, personas):
    make_report(county_bureau=personas.city_bureau)

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="报告验真").click()
    page.get_by_label("报告编号").fill(FIELDS["report_no"])
    page.get_by_label("验证码").fill("WRONGCODE9")
    page.get_by_role("button", name="查询").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == NOT_FOUND_MESSAGE
    body = page.locator("main").inner_text()
    assert FIELDS["firm"] not in body and FIELDS["grade"] not in body

    page.get_by_label("验证码").fill(CODE.lower())
    page.get_by_role("button", name="查询").click()
    result = page.locator("[data-verify-result=ok]")
    assert "该报告已审核通过" in result.inner_text()
    text = result.inner_text()
    for value in (FIELDS["report_no"], FIELDS["firm"], FIELDS["county"]):
        assert value in text
    assert FIELDS["owner"] not in page.content() and FIELDS["address"] not in page.content()

    # The QR code on the accepted report encodes this prefilled link.
    page.goto(f"{live_server.url}/verify/?no={FIELDS['report_no']}&code={CODE}")
    assert "该报告已审核通过" in page.locator("[data-verify-result=ok]").inner_text()
