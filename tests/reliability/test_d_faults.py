"""Group D: fault injection (cases 37-40, 43, 44). Case 41/42 (storage) are h5's.

Elasticsearch faults use a tiny local HTTP server started here (answers 500, or sleeps past
the client timeout) or a closed port; there is no cluster on this machine. Database faults
point the connection at nothing, or make PostgreSQL kill the request's own backend from a
trigger in the middle of the upload transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from reports.assignments import task_accept, task_assign, task_create, tasks_create_bulk
from reports.models import (
    AppraisalTask,
    ReportState,
    ReportTransition,
    ReportVersion,
    TaskState,
    TaskTransition,
)
from reports.workflow import stale_versions, version_parse, version_upload
from search.indexing import reindex_all
from search.models import IndexOutbox, SearchEntry
from tests.factories import BuildingFactory, BureauUserFactory, FirmMemberFactory, qualified_firm
from tests.reliability.fakes import FailingSearchService
from tests.search import stub_backend
from tests.search.helpers import make_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_breaker():
    cache.clear()
    stub_backend.StubSearchBackend.up = True
    stub_backend.StubSearchBackend.documents = {}
    yield
    cache.clear()


def es_at(url: str, timeout: float = 5):
    return override_settings(
        SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=url, SEARCH_ELASTICSEARCH_TIMEOUT=timeout
    )


# ---------------------------------------------------------------- case 37


@pytest.mark.django_db
def test_case_37_search_down_on_write_the_review_succeeds_and_the_outbox_drains_later(
    client, personas, django_capture_on_commit_callbacks
):
    # Service-level outage with a closed port: tests/search/test_indexing.py
    # (test_an_elasticsearch_outage_leaves_the_outbox_pending_and_the_save_succeeds).
    version = make_report(state="submitted", inspection="墙体出现斜裂缝。")
    client.force_login(personas.city_bureau)
    with FailingSearchService() as service, es_at(service.url):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("report_review", args=[version.pk]), {"decision": "accept"}
            )
        assert response.status_code == 302
        assert service.hits >= 1  # the drain really tried the service
        assert "报告已审核通过" in client.get(response.url).content.decode()
    version.refresh_from_db()
    assert version.state == ReportState.ACCEPTED
    assert version.report.task.state == TaskState.APPROVED
    pending = IndexOutbox.objects.get(report_id=version.report_id, processed_at__isnull=True)
    assert pending.attempts == 1 and pending.last_error

    # The service is back (a stand-in that records what it receives): the drain catches up.
    with override_settings(SEARCH_BACKEND="tests.search.stub_backend"):
        call_command("search_drain", "--retry-now", stdout=io.StringIO())
    assert set(stub_backend.StubSearchBackend.documents) == {version.report_id}
    assert stub_backend.StubSearchBackend.documents[version.report_id].version_id == version.pk
    assert not IndexOutbox.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_case_37_task_assignment_does_not_depend_on_search(client, personas):
    firm = qualified_firm("140802", name="甲鉴定公司")
    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    client.force_login(personas.city_bureau)
    with es_at("http://127.0.0.1:9"):
        response = client.post(
            reverse("task_assign", args=[task.pk]),
            {"firm": firm.pk, "version": task.version},
            follow=True,
        )
    assert "已派单给甲鉴定公司" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED


# ---------------------------------------------------------------- case 38


@pytest.mark.django_db
@pytest.mark.parametrize("delay", [0.0, 3.0], ids=["500", "sleep"])
def test_case_38_search_page_while_the_service_fails_shows_database_results(
    client, personas, delay
):
    from search.indexing import sync_reports

    accepted = make_report(inspection="墙体出现斜裂缝。")
    hidden = make_report(state="submitted", inspection="墙体出现斜裂缝。")
    sync_reports([accepted.report_id, hidden.report_id])  # the database index is current
    client.force_login(personas.reviewer)
    url = reverse("search") + "?q=裂缝"
    with FailingSearchService(delay) as service, es_at(service.url, timeout=0.5):
        first = client.get(url)
        hits_after_first = service.hits
        second = client.get(url)
        assert service.hits == hits_after_first, "the breaker should keep the service out"
    for response in (first, second):
        assert response.status_code == 200
        body = response.content.decode()
        assert "检索服务暂时不可用，以下为数据库检索结果" in body
        assert f"/reports/{accepted.pk}/" in body
        # Same scoping as the live index: a reviewer never sees a report under review.
        assert f"/reports/{hidden.pk}/" not in body
    assert hits_after_first >= 1
    cache.clear()  # the breaker closes after its pause: the service is tried again
    with FailingSearchService() as service, es_at(service.url, timeout=0.5):
        assert client.get(url).status_code == 200
        assert service.hits >= 1


# ---------------------------------------------------------------- case 39


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; this test runs in the PostgreSQL pass")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(SEARCH_BACKEND="tests.search.stub_backend")
@pytest.mark.postgres
def test_case_39_reindex_while_twenty_writers_accept_reports(needs_postgres, personas):
    from reports.workflow import version_accept
    from search.documents import indexable_report_ids

    already = [make_report() for _ in range(10)]
    submitted = [make_report(state="submitted") for _ in range(20)]
    call_command("search_drain", stdout=io.StringIO())
    errors: list[BaseException] = []
    start = threading.Barrier(21)

    def writer(version):
        try:
            start.wait()
            version_accept(version=version, user=personas.city_bureau)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    def rebuilder():
        try:
            start.wait()
            reindex_all()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(v,)) for v in submitted]
    threads.append(threading.Thread(target=rebuilder))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    call_command("search_drain", "--retry-now", stdout=io.StringIO())

    expected = set(indexable_report_ids())
    assert len(expected) == 30
    assert set(stub_backend.StubSearchBackend.documents) == expected
    assert set(SearchEntry.objects.values_list("report_id", flat=True)) == expected
    assert SearchEntry.objects.count() == len(expected)  # nothing duplicated
    spot = submitted[7]
    assert SearchEntry.objects.get(report_id=spot.report_id).version_id == spot.pk
    assert {v.report_id for v in already} <= expected


# ---------------------------------------------------------------- case 40


@contextlib.contextmanager
def database_gone():
    """Point the default connection at nothing (a closed port / a path that cannot exist)."""
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    if conn.vendor == "postgresql":
        conn.settings_dict.update(HOST="127.0.0.1", PORT="9")
    else:
        conn.settings_dict["NAME"] = "/nonexistent-dir/for-sure/db.sqlite3"
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(saved)


def _blobs(folder: str) -> list[str]:
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_40_database_unreachable_answers_a_plain_503(report_case):
    client = Client()
    client.force_login(report_case.member)
    url = reverse("report_upload", args=[report_case.task.pk])
    folder = f"reports/{report_case.task.pk}"
    blobs = _blobs(folder)
    with database_gone():
        response = client.post(url, {"pdf": SimpleUploadedFile("报告.pdf", report_case.render())})
        page = client.get(reverse("task_list"))
    for r in (response, page):
        assert r.status_code == 503
        assert r["Retry-After"].isdigit()
        body = r.content.decode()
        assert "服务暂时不可用" in body and "未保存" in body
        assert "Traceback" not in body and "OperationalError" not in body
    assert not ReportVersion.objects.exists()
    assert _blobs(folder) == blobs


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_40_the_api_gets_a_json_503(personas):
    client = Client()
    client.force_login(personas.city_bureau)
    with database_gone():
        response = client.get("/api/v1/tasks/")
    assert response.status_code == 503
    assert "数据库暂时不可用" in response.json()["detail"]


KILL_FUNCTION = """
CREATE OR REPLACE FUNCTION reliability_kill_own_backend() RETURNS trigger AS $$
BEGIN
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reliability_kill_own_backend AFTER INSERT ON reports_reporttransition
    FOR EACH ROW EXECUTE FUNCTION reliability_kill_own_backend();
"""
UNKILL = """
DROP TRIGGER IF EXISTS reliability_kill_own_backend ON reports_reporttransition;
DROP FUNCTION IF EXISTS reliability_kill_own_backend();
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgres
def test_case_40_backend_killed_mid_upload_leaves_no_row_and_no_blob(needs_postgres, report_case):
    client = Client()
    client.force_login(report_case.member)
    folder = f"reports/{report_case.task.pk}"
    blobs = _blobs(folder)
    with connection.cursor() as cursor:
        cursor.execute(KILL_FUNCTION)
    try:
        response = client.post(
            reverse("report_upload", args=[report_case.task.pk]),
            {"pdf": SimpleUploadedFile("报告.pdf", report_case.render())},
        )
    finally:
        connection.close()  # the killed connection; the next query opens a new one
        with connection.cursor() as cursor:
            cursor.execute(UNKILL)
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
    # The version row, its audit row and the report row died with the transaction, and the
    # stored PDF was removed again by the upload service.
    assert not ReportVersion.objects.exists()
    assert not ReportTransition.objects.exists()
    assert _blobs(folder) == blobs
    # The portal is fine afterwards: the same upload now goes through.
    ok = client.post(
        reverse("report_upload", args=[report_case.task.pk]),
        {"pdf": SimpleUploadedFile("报告.pdf", report_case.render())},
    )
    assert ok.status_code == 302
    assert ReportVersion.objects.count() == 1
    assert len(_blobs(folder)) == len(blobs) + 1


# ---------------------------------------------------------------- case 43


def _stale(version: ReportVersion, minutes: int = 60) -> None:
    ReportVersion.objects.filter(pk=version.pk).update(
        state=ReportState.PARSING,
        parse_started_at=timezone.now() - dt.timedelta(minutes=minutes),
    )


WORKER = """
import sys, django
django.setup()
from django.conf import settings
from django.db import connections
settings.MEDIA_ROOT = sys.argv[1]
connections["default"].settings_dict["NAME"] = sys.argv[2]
from reports.workflow import version_parse
version_parse(int(sys.argv[3]))
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
@pytest.mark.postgres
def test_case_43_worker_killed_mid_parse_is_parsed_again_once_stale(needs_postgres, report_case):
    version, _ = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
    )
    ReportVersion.objects.filter(pk=version.pk).update(state=ReportState.UPLOADED)
    version.refresh_from_db()
    if version.parse_attempts:  # the immediate task backend parsed it on commit
        ReportVersion.objects.filter(pk=version.pk).update(parse_attempts=0, extracted={})
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    worker = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-c",
            WORKER,
            str(settings.MEDIA_ROOT),
            connection.settings_dict["NAME"],
            str(version.pk),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = ReportVersion.objects.values_list("state", flat=True).get(pk=version.pk)
            if state != ReportState.UPLOADED:
                break
            time.sleep(0.01)
        assert state == ReportState.PARSING, "the worker should be mid-parse"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its parse child
    finally:
        worker.wait(30)
    version.refresh_from_db()
    assert version.state == ReportState.PARSING and version.parse_attempts == 1

    # A parse that is merely slow (fresh heartbeat) is left alone.
    assert version.pk not in stale_versions()
    version_parse(version.pk)
    version.refresh_from_db()
    assert version.parse_attempts == 1

    # Once the heartbeat is stale, two recovery runs at once parse it exactly once.
    _stale(version)
    assert version.pk in stale_versions()
    from reports.workflow import version_parse as parse

    before = ReportTransition.objects.filter(version=version).count()
    results = []

    def recover():
        try:
            parse(version.pk)
            results.append("ok")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recover) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert results == ["ok", "ok"]
    version.refresh_from_db()
    assert version.state == ReportState.PARSED and version.parse_attempts == 2
    new = list(
        ReportTransition.objects.filter(version=version)
        .order_by("pk")
        .values_list("from_state", "to_state")[before:]
    )
    # The retry takes over the stale parse (its audit row says so), then completes it.
    assert new == [
        (ReportState.PARSING, ReportState.PARSING),
        (ReportState.PARSING, ReportState.PARSED),
    ]
    assert version.pk not in stale_versions()


@pytest.mark.django_db
def test_case_43_after_max_attempts_the_version_fails_with_a_reason(report_case):
    version, _ = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
    )
    limit = settings.REPORTS["parse_max_attempts"]
    ReportVersion.objects.filter(pk=version.pk).update(parse_attempts=limit)
    _stale(version)
    out = io.StringIO()
    call_command("reparse_stale", stdout=out)  # the immediate task backend runs the parse
    version.refresh_from_db()
    assert "re-enqueued 1" in out.getvalue()
    assert version.state == ReportState.PARSE_FAILED
    assert version.failure_code == "parse_gave_up" and "多次解析" in version.failure_message
    assert version.file and default_storage.exists(version.file.name)  # the upload is intact
    call_command("reparse_stale", stdout=out)
    assert "re-enqueued 0" in out.getvalue()


# ---------------------------------------------------------------- case 44


@pytest.mark.django_db
def test_case_44_a_denied_action_is_logged_though_its_transaction_rolled_back(personas, caplog):
    from reports.assignments import TaskError

    bureau = BureauUserFactory()
    owner = FirmMemberFactory(firm=qualified_firm("140802"))
    intruder = FirmMemberFactory(firm=qualified_firm("140802"))
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=owner.firm, actor=bureau)
    with (
        caplog.at_level(logging.WARNING, logger="portal.security"),
        pytest.raises(TaskError, match="未派给您的机构"),
    ):
        task_accept(task=task, user=intruder)
    records = [r for r in caplog.records if r.name == "portal.security"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert f"user={intruder.pk}" in message and f"task={task.pk}" in message
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and task.transitions.count() == 2


@pytest.mark.django_db
def test_case_44_a_change_and_its_audit_row_commit_or_roll_back_together(personas):
    bureau = BureauUserFactory()
    firm = qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=bureau)
    with pytest.raises(RuntimeError), transaction.atomic():
        task_assign(task=task, firm=firm, actor=bureau)
        raise RuntimeError("later step fails")
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    assert list(task.transitions.values_list("to_state", flat=True)) == [TaskState.OPEN]
    task_assign(task=task, firm=firm, actor=bureau)
    assert list(task.transitions.values_list("to_state", "actor")) == [
        (TaskState.OPEN, bureau.pk),
        (TaskState.OFFERED, bureau.pk),
    ]


@pytest.mark.django_db
def test_case_44_bulk_creation_writes_an_audit_row_per_task(personas):
    bureau = BureauUserFactory()
    buildings = [BuildingFactory() for _ in range(5)]
    created, skipped = tasks_create_bulk(buildings=buildings, actor=bureau)
    assert (created, skipped) == (5, 0)
    rows = TaskTransition.objects.filter(task__building__in=buildings)
    assert rows.count() == 5
    assert set(rows.values_list("actor", "to_state", "reason")) == {
        (bureau.pk, TaskState.OPEN, "批量创建任务")
    }
    assert set(rows.values_list("task", flat=True)) == set(
        AppraisalTask.objects.filter(building__in=buildings).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_case_44_worker_side_changes_are_recorded_as_the_system(report_case):
    version, _ = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
    )
    version_parse(version.pk)
    rows = list(ReportTransition.objects.filter(version=version).values_list("to_state", "actor"))
    assert rows[0] == (ReportState.UPLOADED, report_case.member.pk)
    # Parse transitions are the worker's: no user, shown as "系统" in the trail.
    assert all(actor is None for state, actor in rows[1:])


class _DatabaseGoneInMiddleware:
    """A middleware that loses the database, as session or auth middleware would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_case_40_an_error_inside_another_middleware_is_a_503_too():
    stack = [
        "portal.middleware.DatabaseUnavailableMiddleware",
        "tests.reliability.test_d_faults._DatabaseGoneInMiddleware",
    ]
    with override_settings(MIDDLEWARE=stack):
        # Django turns the inner error into a 500 before our middleware sees a response; the
        # client's re-raise of that error is switched off to read what a browser would get.
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "服务暂时不可用" in response.content.decode()


class _Bug:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise ValueError("a bug, not an outage")


@pytest.mark.django_db
def test_case_40_other_errors_stay_500s():
    stack = [
        "portal.middleware.DatabaseUnavailableMiddleware",
        "tests.reliability.test_d_faults._Bug",
    ]
    with override_settings(MIDDLEWARE=stack):
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
