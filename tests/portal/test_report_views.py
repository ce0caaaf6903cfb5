"""Report screens: upload errors in Chinese, who may read files and pages, review list queries."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from reports.models import ReportState, ReportVersion


def post_upload(client, case, data, name="r.pdf", photos=()):
    return client.post(
        reverse("report_upload", args=[case.task.pk]),
        {"pdf": SimpleUploadedFile(name, data), "photos": list(photos)},
        follow=True,
    )


def test_upload_parses_and_shows_fields(client, report_case, django_capture_on_commit_callbacks):
    client.force_login(report_case.member)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(png, "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(
            client,
            report_case,
            report_case.render(),
            photos=[SimpleUploadedFile("p.png", png.getvalue())],
        )
    version = ReportVersion.objects.get()
    assert version.photos.count() == 1
    page = client.get(reverse("report_version", args=[version.pk])).content.decode()
    assert response.status_code == 200
    assert 'data-report-state="parsed"' in page and "140802-000777" in page


def test_hostile_uploads_get_chinese_messages_and_leave_nothing(client, report_case):
    client.force_login(report_case.member)
    for data, expected in [
        (b"", "为空"),
        (b"<html>not a pdf</html>", "不是PDF"),
        (b"\x89PNG\r\n\x1a\n....", "不是PDF"),
    ]:
        body = post_upload(client, report_case, data).content.decode()
        assert expected in body
    assert ReportVersion.objects.count() == 0


def test_only_the_firm_uploads_to_its_task(client, report_case, personas):
    client.force_login(personas.other_firm_member)
    assert post_upload(client, report_case, report_case.render()).status_code == 404
    client.force_login(personas.city_bureau)
    assert post_upload(client, report_case, report_case.render()).status_code == 403


def test_files_and_pages_follow_the_report_scope(
    client, report_case, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(report_case.member)
        post_upload(client, report_case, report_case.render())
    version = ReportVersion.objects.get()
    urls = [
        reverse("report_version", args=[version.pk]),
        reverse("report_file", args=[version.pk]),
        reverse("report_page", args=[version.pk, 1]),
    ]
    for user, allowed in [
        (report_case.member, True),
        (personas.city_bureau, True),
        (personas.county_bureau, True),
        (personas.other_county_bureau, False),
        (personas.other_firm_member, False),
        (personas.reviewer, False),  # not accepted yet
    ]:
        client.force_login(user)
        for url in urls:
            status = client.get(url).status_code
            assert (status == 200) == allowed, (user.username, url, status)
    client.force_login(report_case.member)
    download = client.get(urls[1])
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("report_page", args=[version.pk, 999])).status_code == 404


def submitted_versions(n, personas):
    """n submitted reports on n tasks, written directly (no parsing needed for a list page)."""
    from reports.assignments import task_accept, task_assign, task_create
    from reports.models import Report
    from tests.factories import BuildingFactory, FirmMemberFactory, qualified_firm

    firm = qualified_firm("140802")
    member = FirmMemberFactory(firm=firm)
    for _ in range(n):
        task = task_create(building=BuildingFactory(), actor=None)
        task_assign(task=task, firm=firm, actor=personas.city_bureau)
        task_accept(task=task, user=member)
        report = Report.objects.create(task=task, firm=firm)
        version = ReportVersion.objects.create(
            report=report, number=1, file="reports/x.pdf", original_name="x.pdf", size=1,
            sha256=f"{task.pk:064d}", uploaded_by=member, state=ReportState.SUBMITTED, fields={"grade": "B"},
        )  # fmt: skip
        report.current_version = version
        report.save()


def test_review_list_query_count_is_constant(client, personas):
    client.force_login(personas.city_bureau)
    url = reverse("review_list")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx), len(response.context["page_obj"])

    submitted_versions(2, personas)
    small, rows = count()
    assert rows == 2
    submitted_versions(20, personas)
    large, rows = count()
    assert (large, rows) == (small, 22)


def test_an_oversized_upload_is_stopped_while_streaming(client, report_case, settings):
    settings.REPORTS = {**settings.REPORTS, "max_pdf_bytes": 4096, "max_photo_bytes": 4096}
    client.force_login(report_case.member)
    response = post_upload(client, report_case, b"%PDF-1.4\n" + b"0" * 20_000)
    assert response.status_code == 200
    body = response.content.decode()
    assert "超过大小上限" in body, body[body.find("<main>") : body.find("<main>") + 1500]
    assert ReportVersion.objects.count() == 0
