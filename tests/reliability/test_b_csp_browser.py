"""Case 17 (CSP part) in a real browser: the pages work under the Content Security Policy and
the browser reports no violation; the report page's status polling (a static script since the
policy forbids inline ones) still reloads the page when parsing finishes."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reports.assignments import task_accept, task_assign, task_create
from reports.models import Report, ReportState, ReportVersion
from tests.browser.conftest import browser, login, page  # noqa: F401 - fixtures
from tests.factories import TEST_PASSWORD, BuildingFactory, QualificationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Records every violation the page reports; init scripts are not subject to the page's CSP.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _uploaded_version(personas) -> ReportVersion:
    firm = personas.firm_member.firm
    QualificationFactory(firm=firm)
    firm.counties.add(personas.county_bureau.county)
    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    task_assign(task=task, firm=firm, actor=personas.city_bureau)
    task_accept(task=task, user=personas.firm_member)
    report = Report.objects.create(task=task, firm=firm)
    key = default_storage.save("reports/csp/r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        file=key,
        original_name="r.pdf",
        size=15,
        sha256=hashlib.sha256(b"csp").hexdigest(),
        uploaded_by=personas.firm_member,
        state=ReportState.UPLOADED,
    )
    report.current_version = version
    report.save(update_fields=["current_version"])
    return version


def _violations(pg) -> list[str]:
    return pg.evaluate("window.__csp || []")


def test_case_17_pages_work_under_the_csp_and_polling_still_reloads(page, live_server, personas):  # noqa: F811
    version = _uploaded_version(personas)
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )

    login(page, live_server, "firm_a", TEST_PASSWORD)
    assert _violations(page) == []
    page.goto(f"{live_server.url}/reports/{version.pk}/")
    assert page.locator("[data-report-state]").get_attribute("data-report-state") == "uploaded"
    # The parse finishing elsewhere: the polling script notices and reloads the page.
    ReportVersion.objects.filter(pk=version.pk).update(state=ReportState.PARSE_FAILED)
    page.wait_for_selector("[data-report-state=parse_failed]", timeout=20_000)
    assert _violations(page) == []
    for path in ("/firm/", "/firm/tasks/", "/firms/mine/", "/registry/", "/verify/"):
        page.goto(live_server.url + path)
        assert _violations(page) == [], path
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    for path in (
        "/bureau/",
        "/bureau/buildings/",
        "/bureau/tasks/",
        "/bureau/reports/",
        "/bureau/problems/",
        "/bureau/progress/",
        "/search/?q=裂缝",
        "/api/v1/docs/",
    ):
        page.goto(live_server.url + path)
        assert _violations(page) == [], path
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "siteadmin", TEST_PASSWORD)
    for path in ("/django-admin/", "/django-admin/reports/appraisaltask/", "/cms/", "/cms/pages/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path
    assert errors == []
