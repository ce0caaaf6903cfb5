"""Public report authenticity check: what it shows, what it hides, rate limit and QR scoping."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.views import verify as verify_views
from reports.models import ReportState, ReportVersion

FIELDS = {
    "report_no": "JD-2025-0042",
    "appraisal_type": "鉴定",
    "firm": "临汾安鉴工程检测有限公司",
    "date": "2025-03-18",
    "grade": "Cd",
    "county": "尧都区",
    "owner": "张秘密",
    "address": "尧都区幸福路88号",
}
CODE = "ABCD234567"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def make_report(state=ReportState.ACCEPTED, code=CODE, county_bureau=None):
    """One report written directly to the DB, with its current version in the given state."""
    from reports.assignments import task_accept, task_assign, task_create
    from reports.models import Report
    from tests.factories import BuildingFactory, FirmMemberFactory, qualified_firm

    firm = qualified_firm("140802")
    member = FirmMemberFactory(firm=firm)
    task = task_create(building=BuildingFactory(), actor=None)
    task_assign(task=task, firm=firm, actor=county_bureau)
    task_accept(task=task, user=member)
    report = Report.objects.create(task=task, firm=firm, verification_code=code)
    version = ReportVersion.objects.create(
        report=report, number=1, file="reports/x.pdf", original_name="x.pdf", size=1,
        sha256=f"{task.pk:064d}", uploaded_by=member, state=state, fields=dict(FIELDS),
    )  # fmt: skip
    report.current_version = version
    report.save()
    return version, member


def check(client, no, code):
    return client.post(reverse("verify"), {"no": no, "code": code})


def test_correct_number_and_code_show_public_facts_only(client, personas):
    make_report(county_bureau=personas.city_bureau)
    response = check(client, "  jd-2025-0042 ", "abcd234567")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-verify-result="ok"' in page
    for shown in ("临汾安鉴工程检测有限公司", "2025-03-18", "鉴定", "Cd", "尧都区"):
        assert shown in page
    assert "张秘密" not in page and "幸福路" not in page


def test_the_qr_link_checks_at_once_and_an_empty_form_does_not(client, personas):
    make_report(county_bureau=personas.city_bureau)
    page = client.get(reverse("verify"), {"no": "JD-2025-0042", "code": CODE}).content.decode()
    assert 'value="JD-2025-0042"' in page and f'value="{CODE}"' in page
    assert 'data-verify-result="ok"' in page
    assert "data-verify-result" not in client.get(reverse("verify")).content.decode()


def _result_text(response):
    page = response.content.decode()
    return page[page.index("data-verify-result") :]


def test_wrong_code_and_wrong_number_look_identical(client, personas):
    make_report(county_bureau=personas.city_bureau)
    wrong_code = check(client, "JD-2025-0042", "ZZZZ999999")
    wrong_no = check(client, "JD-2025-9999", CODE)
    assert wrong_code.status_code == wrong_no.status_code == 200
    assert verify_views.NOT_FOUND_MESSAGE in wrong_code.content.decode()
    assert _result_text(wrong_code) == _result_text(wrong_no)
    assert "临汾安鉴" not in wrong_code.content.decode()


@pytest.mark.parametrize("state", [ReportState.SUBMITTED, ReportState.RETURNED])
def test_report_not_accepted_does_not_verify(client, personas, state):
    make_report(state=state, county_bureau=personas.city_bureau)
    page = check(client, "JD-2025-0042", CODE).content.decode()
    assert verify_views.NOT_FOUND_MESSAGE in page
    assert "临汾安鉴" not in page


def test_attempts_are_rate_limited_per_ip(client, personas):
    make_report(county_bureau=personas.city_bureau)
    for _ in range(verify_views.RATE_LIMIT_ATTEMPTS):
        assert check(client, "JD-2025-0042", "WRONG").status_code == 200
    limited = check(client, "JD-2025-0042", CODE)
    assert limited.status_code == 429
    page = limited.content.decode()
    assert "查询过于频繁，请稍后再试。" in page and "临汾安鉴" not in page
    other_ip = client.post(
        reverse("verify"), {"no": "JD-2025-0042", "code": CODE}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 200


def expected_svg():
    import io

    import segno

    out = io.BytesIO()
    url = f"http://testserver/verify/?no=JD-2025-0042&code={CODE}"
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
    return out.getvalue()


def test_qr_svg_follows_report_scope(client, personas):
    version, member = make_report(county_bureau=personas.city_bureau)
    url = reverse("report_qr", args=[version.pk])
    for user, allowed in [
        (member, True),
        (personas.city_bureau, True),
        (personas.reviewer, True),
        (personas.other_firm_member, False),
        (personas.other_county_bureau, False),
        (personas.no_role, False),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert (response.status_code == 200) == allowed, (user.username, response.status_code)
        if allowed:
            assert response["Content-Type"] == "image/svg+xml"
            assert b"<svg" in response.content
            assert response.content == expected_svg()
    client.logout()
    assert client.get(url).status_code == 404


def test_qr_only_for_accepted_versions(client, personas):
    version, member = make_report(state=ReportState.SUBMITTED, county_bureau=personas.city_bureau)
    client.force_login(member)
    assert client.get(reverse("report_qr", args=[version.pk])).status_code == 404


def test_accepted_version_page_shows_qr_image(client, personas):
    version, member = make_report(county_bureau=personas.city_bureau)
    client.force_login(member)
    page = client.get(reverse("report_version", args=[version.pk])).content.decode()
    assert reverse("report_qr", args=[version.pk]) in page
