"""Report endpoints: upload (real PDF, hostile input), version status, submission, report reads
and their scope per role."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reports.models import ReportVersion
from reports.workflow import version_accept

pytestmark = pytest.mark.django_db


def upload(client, task, data, *, photos=(), name="报告.pdf"):
    body = {"pdf": SimpleUploadedFile(name, data, content_type="application/pdf")}
    if photos:
        body["photos"] = list(photos)
    return client.post(reverse("api_report_upload", args=[task.pk]), body, format="multipart")


def png(name="p.png", size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, "gray").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def stored_files(task):
    """Every stored key of the task's uploads (ids repeat across tests: compare, don't count)."""

    def walk(folder):
        if not default_storage.exists(folder):
            return set()
        dirs, files = default_storage.listdir(folder)
        return {f"{folder}/{f}" for f in files}.union(*(walk(f"{folder}/{d}") for d in dirs))

    return walk(f"reports/{task.pk}") | walk(f"photos/{task.pk}")


@pytest.fixture
def uploaded(api, report_case, django_capture_on_commit_callbacks):
    """A parsed version of the report case, uploaded through the API (parse run inline)."""
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(api(report_case.member), report_case.task, report_case.render(), photos=[png()])
    assert r.status_code == 201, r.json()
    return ReportVersion.objects.get(pk=r.json()["version"]["id"])


def test_upload_a_real_pdf_parse_and_submit(api, report_case, uploaded):
    client = api(report_case.member)
    status = client.get(reverse("api_version", args=[uploaded.pk]))
    body = status.json()
    assert status.status_code == 200
    assert body["state"] == "parsed" and body["state_label"] == "已解析，待确认提交"
    assert body["fields"]["building_no"] == "140802-000777"
    assert body["fields"]["grade"] == "C" and body["blocking_problems"] == 0
    assert body["photos"] == 1 and body["is_current"] is True
    assert body["task_id"] == report_case.task.pk
    r = client.post(reverse("api_version_submit", args=[uploaded.pk]))
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    again = client.post(reverse("api_version_submit", args=[uploaded.pk]))
    assert again.status_code == 409
    assert again.json()["detail"] == "报告当前状态为“已提交，待审核”，不能执行此操作。"
    task = client.get(reverse("api_task", args=[report_case.task.pk])).json()
    assert task["state"] == "submitted"
    assert [v["id"] for v in task["report_versions"]] == [uploaded.pk]


def test_the_same_file_again_returns_the_existing_version(api, report_case, uploaded):
    r = upload(api(report_case.member), report_case.task, report_case.render())
    assert r.status_code == 200
    assert r.json()["created"] is False and r.json()["version"]["id"] == uploaded.pk
    assert "未重复保存" in r.json()["detail"]


@pytest.mark.parametrize(
    ("data", "photos", "status", "message"),
    [
        (b"", (), 400, "文件为空（0字节），请重新选择报告文件。"),
        (b"<html>not a pdf</html>", (), 400, "文件内容不是PDF"),
        (b"\x89PNG\r\n\x1a\n....", (), 400, "文件内容不是PDF"),
        (None, [SimpleUploadedFile("x.jpg", b"not an image")], 400, "不是JPEG或PNG照片"),
        (None, [SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nbroken")], 400, "已损坏或无法识别"),
    ],
)
def test_hostile_uploads_get_the_web_screens_chinese_message_and_store_nothing(
    api, report_case, data, photos, status, message
):
    data = report_case.render() if data is None else data
    before = stored_files(report_case.task)
    r = upload(api(report_case.member), report_case.task, data, photos=photos)
    assert r.status_code == status, r.json()
    assert message in r.json()["detail"]
    assert ReportVersion.objects.count() == 0
    assert stored_files(report_case.task) == before


def test_missing_file_and_wrong_body_type(api, report_case):
    client = api(report_case.member)
    url = reverse("api_report_upload", args=[report_case.task.pk])
    r = client.post(url, {"note": "no file"}, format="multipart")
    assert r.status_code == 400 and r.json()["detail"] == "请选择鉴定报告PDF文件。"
    assert r.json()["errors"] == {"pdf": ["请选择鉴定报告PDF文件。"]}
    r = client.post(url, {"pdf": "JVBERi0="}, format="json")
    assert r.status_code == 415
    assert "不支持" in r.json()["detail"]


def test_an_oversized_upload_is_413_and_stopped_while_streaming(api, report_case, settings):
    settings.REPORTS = {**settings.REPORTS, "max_pdf_bytes": 4096, "max_photo_bytes": 4096}
    before = stored_files(report_case.task)
    r = upload(api(report_case.member), report_case.task, b"%PDF-1.4\n" + b"0" * 20_000)
    assert r.status_code == 413
    assert r.json()["detail"] == "文件超过大小上限，请压缩后重新上传。"
    assert ReportVersion.objects.count() == 0 and stored_files(report_case.task) == before


def test_a_pdf_over_its_own_cap_under_the_stream_cap_is_413_with_the_services_message(
    api, report_case, settings
):
    settings.REPORTS = {**settings.REPORTS, "max_pdf_bytes": 4096, "max_photo_bytes": 1 << 20}
    r = upload(api(report_case.member), report_case.task, b"%PDF-1.4\n" + b"0" * 20_000)
    assert r.status_code == 413
    assert "报告文件超过" in r.json()["detail"]


def test_upload_scope_role_and_state(api, report_case, personas, world):
    data = report_case.render()
    assert upload(api(personas.other_firm_member), report_case.task, data).status_code == 404
    assert upload(api(world.member_a), report_case.task, data).status_code == 404
    r = upload(api(personas.city_bureau), report_case.task, data)
    assert r.status_code == 403
    assert upload(api(), report_case.task, data).status_code == 401
    # Firm A's offered task: its own, but not accepted yet.
    r = upload(api(world.member_a), world.offered_a, data)
    assert r.status_code == 409
    assert r.json()["detail"] == "任务当前状态为“已派单待接受”，不能上传报告。"
    assert ReportVersion.objects.count() == 0


def test_version_status_follows_the_report_scope(api, report_case, uploaded, personas):
    url = reverse("api_version", args=[uploaded.pk])
    for user, status in [
        (report_case.member, 200),
        (personas.city_bureau, 200),
        (personas.county_bureau, 200),
        (personas.admin, 200),
        (personas.other_county_bureau, 404),
        (personas.other_firm_member, 404),
        (personas.reviewer, 404),  # a draft: reviewers read accepted reports only
    ]:
        assert api(user).get(url).status_code == status, user.username
    assert token_client(personas.no_role).get(url).status_code == 403
    # Only the firm submits; others are refused before the service runs.
    submit = reverse("api_version_submit", args=[uploaded.pk])
    assert api(personas.city_bureau).post(submit).status_code == 403
    assert api(personas.other_firm_member).post(submit).status_code == 404
    uploaded.refresh_from_db()
    assert uploaded.state == "parsed"


def token_client(user):
    """A client with a token made directly: the token service refuses users without a role."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _submitted(api, report_case, uploaded):
    r = api(report_case.member).post(reverse("api_version_submit", args=[uploaded.pk]))
    assert r.status_code == 200
    return uploaded.report


def test_report_reads_per_role(api, report_case, uploaded, personas):
    report = _submitted(api, report_case, uploaded)
    listing, detail = reverse("api_reports"), reverse("api_report", args=[report.pk])

    def seen(user):
        rows = api(user).get(listing).json()["results"]
        return [row["id"] for row in rows], api(user).get(detail).status_code

    assert seen(personas.city_bureau) == ([report.pk], 200)
    assert seen(personas.county_bureau) == ([report.pk], 200)
    assert seen(report_case.member) == ([report.pk], 200)
    assert seen(personas.other_county_bureau) == ([], 404)
    assert seen(personas.other_firm_member) == ([], 404)
    assert seen(personas.reviewer) == ([], 404)  # submitted, not accepted
    body = api(personas.county_bureau).get(detail).json()
    assert body["state"] == "submitted" and body["fields"]["owner"] == "王建国"
    assert body["building"]["building_no"] == "140802-000777"
    assert body["firm"]["name"] == "运城市测试房屋安全鉴定有限公司"

    version_accept(version=uploaded, user=personas.city_bureau)
    assert seen(personas.reviewer) == ([report.pk], 200)
    body = api(personas.reviewer).get(detail).json()
    assert body["state"] == "accepted" and body["grade"] == "C"
    assert body["verification_code"] and [v["id"] for v in body["versions"]] == [uploaded.pk]
    # Reviewers read: every write is refused.
    for name in ("api_version_submit",):
        assert api(personas.reviewer).post(reverse(name, args=[uploaded.pk])).status_code == 403
    assert api(personas.reviewer).get(reverse("api_buildings")).status_code == 403


def test_report_list_filters(api, report_case, uploaded, personas):
    report = _submitted(api, report_case, uploaded)
    client = api(personas.city_bureau)
    url = reverse("api_reports")

    def rows(**query):
        r = client.get(url, query)
        assert r.status_code == 200, r.json()
        return [row["id"] for row in r.json()["results"]]

    assert rows(state="submitted") == [report.pk]
    assert rows(state="accepted") == []
    assert rows(building_no="140802-000777", county="140802") == [report.pk]
    assert rows(county="140821") == []
    r = client.get(url, {"state": "parsed"})
    assert r.status_code == 400 and r.json()["detail"] == "state 须为 submitted 或 accepted。"
    r = client.get(url, {"county": "盐湖区"})
    assert r.status_code == 400 and r.json()["detail"] == "county 须为6位行政区划代码。"


def test_report_list_query_count_is_constant(api, personas, django_assert_num_queries):
    from tests.portal.test_report_views import submitted_versions

    client = api(personas.city_bureau)
    url = reverse("api_reports")
    client.get(url)
    submitted_versions(2, personas)
    with django_assert_num_queries(3):  # token+user, count, page
        assert client.get(url).json()["count"] == 2
    submitted_versions(20, personas)
    with django_assert_num_queries(3):
        assert client.get(url).json()["count"] == 22


def test_uploads_have_their_own_tighter_throttle(api, report_case, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "100/min", "api_upload": "2/min"},
    }
    client = api(report_case.member)
    codes = [upload(client, report_case.task, b"").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert client.get(reverse("api_tasks")).status_code == 200  # other calls still go through


def test_session_uploads_check_csrf_and_still_stop_oversized_bodies(report_case, settings):
    from rest_framework.test import APIClient

    settings.REPORTS = {**settings.REPORTS, "max_pdf_bytes": 4096, "max_photo_bytes": 4096}
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(report_case.member)
    client.get(reverse("api_token"))  # the page sets the CSRF cookie
    big = b"%PDF-1.4\n" + b"0" * 20_000
    assert upload(client, report_case.task, big).status_code == 403  # no CSRF token
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    r = upload(client, report_case.task, big)
    assert r.status_code == 413 and r.json()["detail"] == "文件超过大小上限，请压缩后重新上传。"
    assert ReportVersion.objects.count() == 0


def test_a_storage_outage_is_503_with_retry_after_and_nothing_kept(api, report_case, monkeypatch):
    from django.core.files.storage import default_storage

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", refuse)
    r = upload(api(report_case.member), report_case.task, report_case.render())
    assert r.status_code == 503 and r["Retry-After"] == "60"
    assert r.json()["detail"].startswith("文件存储服务暂时不可用")
    assert ReportVersion.objects.count() == 0
