"""Group E: load (cases 45-49) at a small scale, asserting the invariants and never time.

The full-size run (50 uploads, 20 claimers over 5,000 tasks, a real worker) is bench/load.py;
these tests keep the same invariants at a size that finishes in under a minute:

* 45: 8 concurrent web uploads from 4 firms, PDF + photos streamed to temporary files.
* 46: 4 claimers drain 200 tasks in 3 counties (the claim queues).
* 47: 30 parse jobs, 10 % hostile, drained by two real `db_worker --batch` processes.
* 48: 20 concurrent searches against an Elasticsearch stand-in that answers too slowly, and
  20 concurrent searches on the database backend.
* 49: login lockout, the verification page limit, the API upload throttle.

Deployment checks (a web server and a process monitor show these, a test process cannot):

* 45 "web-worker RSS stays bounded": uploads above FILE_UPLOAD_MAX_MEMORY_SIZE stream to
  temporary files (asserted below for the files themselves). Check on the server with
  `ps -o rss= -p <gunicorn worker pid>` before and after 50 parallel
  `curl -F pdf=@20mb.pdf -F photos=@8mb.jpg ...` uploads; the web server's
  `client_max_body_size` caps the body before Django sees it.
* 45 "p95 under the agreed target": bench/load.py prints p50/p95; no target is agreed yet.
* 47 "per-worker memory flat, workers recycled after N jobs": every parse runs in its own
  child process (reports.parsing.run_pipeline) that exits after one file, so a parse cannot
  grow the worker; the worker itself can be recycled with `db_worker --max-tasks N` under a
  process monitor that restarts it.
* 48 "the fallback query uses indexes": `EXPLAIN` of search.backends.database on the deployed
  PostgreSQL (bench/search.py prints the timings at 100k rows).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from buildings.models import Building, County
from portal.models import User
from portal.roles import Role
from portal.views.verify import RATE_LIMIT_ATTEMPTS, RATE_LIMITED_MESSAGE
from reports.assignments import (
    task_accept,
    task_assign,
    task_claim_next,
    task_create,
    tasks_create_bulk,
)
from reports.models import (
    AppraisalTask,
    ReportPhoto,
    ReportState,
    ReportTransition,
    ReportVersion,
    TaskState,
    TaskTransition,
)
from reports.workflow import version_upload
from tests.factories import BuildingFactory, BureauUserFactory, FirmMemberFactory, qualified_firm
from tests.reliability import hostile as h
from tests.reliability.fakes import FailingSearchService, race

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {
    "TASKS": {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "parse", "search"],
        }
    }
}
TERMINAL = (ReportState.PARSED, ReportState.PARSE_FAILED)


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    # Files outlive the rolled-back test database: each test counts only its own.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters, the search breaker and axes live in the cache; ids repeat across tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; this test runs in the PostgreSQL pass")


def stored(folder: str) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(str(p) for p in root.rglob("*") if p.is_file())


def jpeg(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120)).save(out, "JPEG")
    return out.getvalue()


def accepted_tasks(firms: int, per_firm: int) -> list[tuple[User, AppraisalTask]]:
    """(member, task) pairs: each task accepted by its firm and ready for an upload."""
    bureau = BureauUserFactory()
    pairs = []
    for f in range(firms):
        firm = qualified_firm("140802", name=f"负载测试鉴定机构{f}")
        member = FirmMemberFactory(firm=firm, username=f"load_firm{f}")
        for _ in range(per_firm):
            task = task_create(building=BuildingFactory(), actor=bureau)
            task_assign(task=task, firm=firm, actor=bureau)
            task_accept(task=task, user=member)
            pairs.append((member, task))
    return pairs


def generated_reports(count: int) -> list[bytes]:
    import random

    from reports.generator import random_spec, render_report

    return [
        render_report(random_spec(random.Random(seed), grade="C"), "numbered_cn")
        for seed in range(count)
    ]


# ---------------------------------------------------------------- case 45


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
@pytest.mark.postgres
def test_case_45_concurrent_uploads_are_each_stored_once_with_one_parse_job(
    needs_postgres, settings, tmp_path
):
    # Anything above 1 KB streams to a temporary file, as a 20 MB PDF would in production.
    temp_dir = tmp_path / "upload-tmp"
    temp_dir.mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(temp_dir)
    pairs = accepted_tasks(firms=4, per_firm=2)
    reports = generated_reports(2)
    bodies = []
    for i, (_member, _task) in enumerate(pairs):
        pdf = h.flate_bomb() if i == 5 else reports[i % 2]  # one hostile file in the mix
        photos = [
            SimpleUploadedFile(f"现场{k}.jpg", jpeg(i * 10 + k), content_type="image/jpeg")
            for k in range(3)
        ]
        bodies.append((SimpleUploadedFile("报告.pdf", pdf, content_type="application/pdf"), photos))

    def uploader(i: int) -> Callable[[], Any]:
        member, task = pairs[i]

        def post() -> Any:
            client = Client()
            client.force_login(member)
            pdf, photos = bodies[i]
            return client.post(
                reverse("report_upload", args=[task.pk]), {"pdf": pdf, "photos": photos}
            )

        return post

    with override_settings(**DB_TASKS):
        results = race(*(uploader(i) for i in range(len(pairs))))

    assert [kind for kind, _ in results] == ["ok"] * len(pairs), results
    responses = [r for _, r in results]
    accepted = []
    for response in responses:
        if response.status_code in (429, 503):
            assert int(response["Retry-After"]) > 0  # refused, and told when to come back
            continue
        assert response.status_code == 302, response.content.decode()[:300]
        accepted.append(int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert accepted, "every upload was refused"

    versions = ReportVersion.objects.filter(pk__in=accepted)
    assert sorted(versions.values_list("pk", flat=True)) == sorted(accepted)  # nothing lost
    assert ReportVersion.objects.count() == len(accepted)  # nothing duplicated
    assert len({v.report.task_id for v in versions}) == len(accepted)
    # One blob per accepted PDF; three (original, image, thumbnail) per photo row.
    assert len(stored("reports")) == len(accepted)
    assert ReportPhoto.objects.count() == 3 * len(accepted)
    assert len(stored("photos")) == 3 * ReportPhoto.objects.count()
    # Every parse job enqueued exactly once, after its upload committed.
    jobs = Counter(
        tuple(r.args_kwargs["args"])
        for r in DBTaskResult.objects.filter(task_path__endswith="parse_report_version")
    )
    assert jobs == Counter((pk,) for pk in accepted)
    uploads = ReportTransition.objects.filter(comment="上传报告")
    assert Counter(uploads.values_list("version", flat=True)) == Counter(accepted)
    assert list(temp_dir.iterdir()) == []  # no leftover temporary upload files


# ---------------------------------------------------------------- case 46


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
@pytest.mark.postgres
def test_case_46_four_claimers_drain_three_county_queues_exactly_once(needs_postgres):
    total, claimers = 200, 4
    counties = list(County.objects.filter(code__in=("140802", "140821", "140822")))
    Building.objects.bulk_create(
        Building(
            building_no=f"{counties[i % 3].code}-{i:06d}",
            county=counties[i % 3],
            address=f"负载测试地址{i}",
            structure_type="砖混结构",
            floors=1 + i % 4,
            initial_judgement=["初判存疑", "存在一定安全隐患", "未发现安全隐患"][i % 3],
        )
        for i in range(total)
    )
    tasks_create_bulk(buildings=Building.objects.all(), actor=None)
    members = [
        User.objects.create(
            username=f"load_claimer{i}",
            role=Role.FIRM,
            firm=qualified_firm("140802", "140821", "140822", max_open_tasks=total),
        )
        for i in range(claimers)
    ]

    def drain(member: User) -> Callable[[], list[int]]:
        def run() -> list[int]:
            claimed = []
            while (task := task_claim_next(user=member)) is not None:
                claimed.append(task.pk)
            return claimed

        return run

    results = race(*(drain(m) for m in members))

    assert [kind for kind, _ in results] == ["ok"] * claimers, results  # no deadlock surfaced
    claimed = [pk for _, batch in results for pk in batch]
    assert Counter(claimed).most_common(1)[0][1] == 1  # no task claimed twice
    assert sorted(claimed) == sorted(AppraisalTask.objects.values_list("pk", flat=True))
    assert sum(len(batch) for _, batch in results) == total  # the sums match
    assert not AppraisalTask.objects.exclude(state=TaskState.ACCEPTED).exists()
    owners = dict(AppraisalTask.objects.values_list("pk", "firm_id"))
    for member, (_, batch) in zip(members, results, strict=True):
        assert all(owners[pk] == member.firm_id for pk in batch)
    audit = Counter(
        TaskTransition.objects.filter(to_state=TaskState.ACCEPTED).values_list("task", flat=True)
    )
    assert set(audit) == set(claimed) and set(audit.values()) == {1}
    per_county = Counter(AppraisalTask.objects.values_list("building__county__code", flat=True))
    assert sorted(per_county.values()) == [66, 67, 67]  # all three queues drained


# ---------------------------------------------------------------- case 47

WORKER = """
import sys
from django.conf import settings
settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default", "parse", "search"]}}
import django
django.setup()
from django.core.management import call_command
from django.db import connections
settings.MEDIA_ROOT = sys.argv[1]
settings.REPORTS = {**settings.REPORTS, "parse_timeout_seconds": 20,
                    "parse_memory_bytes": 400 * 1024 * 1024, "max_pages": 20}
connections["default"].settings_dict["NAME"] = sys.argv[2]
call_command("db_worker", queue_name="*", batch=True, startup_delay=False, worker_id=sys.argv[3],
             verbosity=0)
"""

# Hostile files with the outcome each must reach (from the group A cases 9-11).
HOSTILE = [
    (lambda: h.flate_bomb(inner_mb=1024, layers=3), ReportState.PARSE_FAILED, "too_large:memory"),
    (h.unknown_encryption, ReportState.PARSE_FAILED, "unreadable:encrypted"),
    (h.page_tree_loop, ReportState.PARSE_FAILED, "unreadable:truncated"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
@pytest.mark.postgres
def test_case_47_two_workers_drain_thirty_parse_jobs_with_hostile_files(needs_postgres):
    pairs = accepted_tasks(firms=3, per_firm=10)
    reports = generated_reports(3)
    expected: dict[int, tuple[str, str]] = {}
    benign: list[int] = []
    with override_settings(**DB_TASKS):
        for i, (member, task) in enumerate(pairs):
            hostile = HOSTILE[i // 10] if i % 10 == 3 else None  # 10 %, spread over the queue
            data = hostile[0]() if hostile else reports[i % 3]
            version, created = version_upload(
                task=task, user=member, pdf=SimpleUploadedFile("报告.pdf", data)
            )
            assert created
            if hostile:
                expected[version.pk] = (hostile[1], hostile[2])
            else:
                benign.append(version.pk)
    parse_jobs = DBTaskResult.objects.filter(task_path__endswith="parse_report_version")
    assert parse_jobs.filter(status="READY").count() == 30

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    workers = [
        subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-c",
                WORKER,
                str(settings.MEDIA_ROOT),
                connection.settings_dict["NAME"],
                f"load-worker-{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [e.decode()[-2000:] for _, e in outputs]

    versions = {v.pk: v for v in ReportVersion.objects.all()}
    assert len(versions) == 30
    assert all(v.state in TERMINAL for v in versions.values()), {  # nothing stuck
        pk: v.state for pk, v in versions.items() if v.state not in TERMINAL
    }
    for pk in benign:  # the hostile files did not starve or break the others
        v = versions[pk]
        assert v.state == ReportState.PARSED, (pk, v.failure_code, v.failure_message)
    for pk, (state, code) in expected.items():
        v = versions[pk]
        assert (v.state, v.failure_code) == (state, code), (pk, v.failure_message)
        assert v.failure_message  # the clerk is told what to do (Chinese text)
    # Each version parsed exactly once, each job run once and finished.
    assert {v.parse_attempts for v in versions.values()} == {1}
    parsing = Counter(
        ReportTransition.objects.filter(to_state=ReportState.PARSING).values_list(
            "version", flat=True
        )
    )
    assert parsing == Counter(list(versions))
    jobs = parse_jobs.all()
    assert Counter(tuple(j.args_kwargs["args"]) for j in jobs) == Counter((pk,) for pk in versions)
    assert set(jobs.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert all(len(j.worker_ids) == 1 for j in jobs)
    assert len({j.worker_ids[0] for j in jobs}) == 2, "both workers took jobs"


# ---------------------------------------------------------------- case 48


def searches(user: User, n: int, url: str) -> list[tuple[str, Any]]:
    def one() -> Any:
        client = Client()
        client.force_login(user)
        return client.get(url)

    return race(*[one] * n)


def _search_world():
    from search.indexing import sync_reports
    from tests.search.helpers import make_report

    shown = [make_report(inspection="墙体出现斜裂缝。") for _ in range(3)]
    hidden = make_report(state="submitted", inspection="墙体出现斜裂缝。")
    sync_reports([v.report_id for v in [*shown, hidden]])
    return shown, hidden


def _answered_in_scope(results, shown, hidden) -> list[str]:
    assert [kind for kind, _ in results] == ["ok"] * len(results), results
    bodies = []
    for _, response in results:
        assert response.status_code == 200  # answered, never a 500
        body = response.content.decode()
        assert all(f"/reports/{v.pk}/" in body for v in shown)
        assert f"/reports/{hidden.pk}/" not in body  # a reviewer never sees one under review
        bodies.append(body)
    return bodies


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
def test_case_48_concurrent_searches_with_a_slow_service_fall_back_to_the_database(personas):
    shown, hidden = _search_world()
    url = reverse("search") + "?q=裂缝"
    degraded = "检索服务暂时不可用，以下为数据库检索结果"
    with (
        FailingSearchService(delay=2.0) as service,
        override_settings(
            SEARCH_BACKEND="elasticsearch",
            ELASTICSEARCH_URL=service.url,
            SEARCH_ELASTICSEARCH_TIMEOUT=0.3,
        ),
    ):
        first = searches(personas.reviewer, 20, url)
        first_hits = service.hits
        second = searches(personas.reviewer, 20, url)
        second_hits = service.hits - first_hits
    for body in _answered_in_scope(first, shown, hidden) + _answered_in_scope(
        second, shown, hidden
    ):
        assert degraded in body
    # Each request spends at most its one call on the slow service (no retry on a timeout),
    # and once the breaker is open no request waits on it at all.
    assert 1 <= first_hits <= 20
    assert second_hits == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
def test_case_48_concurrent_searches_on_the_database_backend_all_answer(personas):
    shown, hidden = _search_world()
    with override_settings(SEARCH_BACKEND="database"):
        results = searches(personas.reviewer, 20, reverse("search") + "?q=裂缝")
    for body in _answered_in_scope(results, shown, hidden):
        assert "检索服务暂时不可用" not in body


# ---------------------------------------------------------------- case 49


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def _login(username: str, password: str = "wrong-password", ip: str = "10.9.0.1"):  # noqa: S107
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
@pytest.mark.slow
def test_case_49_a_hundred_login_attempts_on_one_account_are_locked_out(personas, axes_on):
    codes = [_login(personas.firm_member.username).status_code for _ in range(100)]
    limit = settings.AXES_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert codes[limit - 1 :] == [429] * (101 - limit)
    body = _login(personas.firm_member.username).content.decode()
    assert "登录已暂时锁定" in body
    # Another firm's staff member on another address logs in as usual.
    personas.other_firm_member.set_password("right-password-1")
    personas.other_firm_member.save()
    assert (
        _login(personas.other_firm_member.username, "right-password-1", "10.9.0.2").status_code
        == 302
    )


@pytest.mark.django_db
@pytest.mark.slow
def test_case_49_one_address_trying_many_usernames_is_stopped(personas, axes_on):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    codes = [_login(f"guess{i}", ip="10.9.0.7").status_code for i in range(limit + 5)]
    assert codes == [200] * limit + [429] * 5
    refused = _login(personas.firm_member.username, ip="10.9.0.7")
    assert refused.status_code == 429 and "登录已暂时锁定" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    # Another address is not affected.
    assert _login(personas.firm_member.username, ip="10.9.0.8").status_code == 200


@pytest.mark.django_db
def test_case_49_the_verification_page_limits_each_address(client):
    url = reverse("verify")
    codes = [
        client.post(url, {"no": f"JD-{i}", "code": "X"}, REMOTE_ADDR="10.9.1.1").status_code
        for i in range(RATE_LIMIT_ATTEMPTS + 5)
    ]
    assert codes == [200] * RATE_LIMIT_ATTEMPTS + [429] * 5
    refused = client.post(url, {"no": "JD-1", "code": "X"}, REMOTE_ADDR="10.9.1.1")
    assert RATE_LIMITED_MESSAGE in refused.content.decode()
    # Another address still gets its answer.
    assert client.post(url, {"no": "JD-1", "code": "X"}, REMOTE_ADDR="10.9.1.2").status_code == 200


@pytest.mark.django_db
def test_case_49_one_firm_over_its_upload_quota_is_refused_others_are_not(settings):
    from rest_framework.test import APIClient

    from portal.api.tokens import token_issue

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "1000/min", "api_upload": "3/day"},
    }
    pairs = accepted_tasks(firms=2, per_firm=4)
    reports = generated_reports(1)

    def api_upload(member: User, task: AppraisalTask):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=member).key}")
        pdf = SimpleUploadedFile("报告.pdf", reports[0], content_type="application/pdf")
        return client.post(
            reverse("api_report_upload", args=[task.pk]), {"pdf": pdf}, format="multipart"
        )

    first, second = pairs[:4], pairs[4:]
    codes = [api_upload(m, t) for m, t in first]
    assert [r.status_code for r in codes] == [201, 201, 201, 429]
    refused = codes[-1]
    assert refused.json()["detail"].startswith("请求已被限流。")
    assert int(refused["Retry-After"]) > 0
    assert not ReportVersion.objects.filter(report__task=first[3][1]).exists()  # nothing stored
    # The other firm's budget is its own.
    assert api_upload(*second[0]).status_code == 201


@pytest.mark.django_db
def test_case_49_web_uploads_share_the_upload_quota(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "1000/min", "api_upload": "2/day"},
    }
    pairs = accepted_tasks(firms=1, per_firm=3)
    client = Client()
    client.force_login(pairs[0][0])
    responses = [
        client.post(
            reverse("report_upload", args=[task.pk]),
            {"pdf": SimpleUploadedFile("报告.pdf", h.text_page_pdf(b"quota %d" % i))},
        )
        for i, (_member, task) in enumerate(pairs)
    ]
    assert [r.status_code for r in responses] == [302, 302, 429]
    refused = responses[-1]
    assert "上传过于频繁" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert not ReportVersion.objects.filter(report__task=pairs[2][1]).exists()
