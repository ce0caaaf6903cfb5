"""Group C: concurrency on PostgreSQL with real threads, one connection each (cases 30-32,
35, 36). Case 33/34 (duplicate upload) are h5's; the 1000-task claim race is in
tests/reports/test_claim_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from institutions.eligibility import firm_capability
from reports.assignments import (
    TaskConflict,
    _candidates,
    task_accept,
    task_assign,
    task_claim,
    task_claim_next,
    task_create,
    task_withdraw,
)
from reports.models import AppraisalTask, ReportVersion, TaskState, TaskTransition
from reports.workflow import version_parse, version_upload
from tests.factories import BuildingFactory, BureauUserFactory, FirmMemberFactory, qualified_firm
from tests.reliability.fakes import race

if TYPE_CHECKING:
    pass

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DB_TASKS = {
    "TASKS": {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "parse", "search"],
        }
    }
}


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between real connections: this test runs in the PostgreSQL pass")


def fresh(task: AppraisalTask) -> AppraisalTask:
    return AppraisalTask.objects.select_related("building").get(pk=task.pk)


# ---------------------------------------------------------------- case 30


@pytest.mark.postgres
def test_case_30_eight_claimers_on_five_tasks(needs_postgres):
    bureau = BureauUserFactory()
    tasks = [task_create(building=BuildingFactory(), actor=bureau) for _ in range(5)]
    members = [FirmMemberFactory(firm=qualified_firm("140802")) for _ in range(8)]

    results = race(*(lambda m=m: task_claim_next(user=m) for m in members))

    assert [kind for kind, _ in results].count("ok") == 8, results  # no deadlock surfaced
    claimed = [value.pk for _, value in results if value is not None]
    assert len(claimed) == 5 and set(claimed) == {t.pk for t in tasks}
    assert [value for _, value in results].count(None) == 3
    assert AppraisalTask.objects.filter(state=TaskState.ACCEPTED).count() == 5
    audit = Counter(
        TaskTransition.objects.filter(to_state=TaskState.ACCEPTED).values_list("task", flat=True)
    )
    assert sorted(audit) == sorted(claimed) and set(audit.values()) == {1}


@pytest.mark.postgres
def test_case_30_a_claim_query_outside_a_transaction_fails_loudly(needs_postgres):
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    task_create(building=BuildingFactory(), actor=None)
    with pytest.raises(TransactionManagementError):
        _candidates(firm_capability(member.firm, dt.date(2026, 11, 29))).first()


# ---------------------------------------------------------------- case 31


def _one_winner(results):
    kinds = [kind for kind, _ in results]
    assert sorted(kinds) == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, TaskConflict), loser
    # Which refusal the loser gets depends on when it read the task: a stale version ("请刷新")
    # or, for a claim that waited on the row lock, the claim's own "已被其他机构领取或已派单".
    assert "刷新" in str(loser) or "已被其他机构领取" in str(loser), str(loser)
    return kinds.index("ok")


def _trail_agrees(task: AppraisalTask) -> None:
    task.refresh_from_db()
    last = task.transitions.order_by("pk").last()
    assert last.to_state == task.state and last.firm_id == task.firm_id
    states = [t.to_state for t in task.transitions.order_by("pk")]
    assert all(a != b for a, b in zip(states, states[1:], strict=False)), states


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.postgres
def test_case_31_claim_against_assign_one_transition_wins(needs_postgres, round_):
    bureau = BureauUserFactory()
    claimer = FirmMemberFactory(firm=qualified_firm("140802"))
    other = qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=bureau)
    a, b = fresh(task), fresh(task)

    results = race(
        lambda: task_claim(task=a, user=claimer),
        lambda: task_assign(task=b, firm=other, actor=bureau),
    )

    winner = _one_winner(results)
    task.refresh_from_db()
    if winner == 0:
        assert (task.state, task.firm_id) == (TaskState.ACCEPTED, claimer.firm_id)
    else:
        assert (task.state, task.firm_id) == (TaskState.OFFERED, other.pk)
    assert task.version == 2 and task.transitions.count() == 2
    _trail_agrees(task)


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.postgres
def test_case_31_accept_against_withdraw_one_transition_wins(needs_postgres, round_):
    bureau = BureauUserFactory()
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=member.firm, actor=bureau)
    a, b = fresh(task), fresh(task)

    results = race(
        lambda: task_accept(task=a, user=member),
        lambda: task_withdraw(task=b, actor=bureau, reason="机构未按时响应"),
    )

    winner = _one_winner(results)
    task.refresh_from_db()
    expected = (TaskState.ACCEPTED, member.firm_id) if winner == 0 else (TaskState.OPEN, None)
    assert (task.state, task.firm_id) == expected
    assert task.version == 3 and task.transitions.count() == 3
    _trail_agrees(task)


def test_case_31_no_report_is_attached_to_a_withdrawn_task(db):
    from reports.workflow import ReportError

    bureau = BureauUserFactory()
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=member.firm, actor=bureau)
    task_withdraw(task=fresh(task), actor=bureau, reason="重新派单")
    with pytest.raises(ReportError, match="未派给您的机构"):
        version_upload(
            task=fresh(task), user=member, pdf=SimpleUploadedFile("报告.pdf", b"%PDF-1.7\n")
        )
    assert not ReportVersion.objects.exists()


# ---------------------------------------------------------------- case 32


def _version_on_page(client, task) -> int:
    body = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    return int(re.search(r'name="version" value="(\d+)"', body).group(1))


def test_case_32_two_bureau_users_assign_the_same_task_the_second_gets_a_conflict(db):
    from django.test import Client

    first_user, second_user = BureauUserFactory(), BureauUserFactory()
    firm_a, firm_b = qualified_firm("140802", name="甲鉴定公司"), qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=first_user)
    first, second = Client(), Client()
    first.force_login(first_user)
    second.force_login(second_user)
    seen_first, seen_second = _version_on_page(first, task), _version_on_page(second, task)
    assert seen_first == seen_second == task.version

    url = reverse("task_assign", args=[task.pk])
    ok = first.post(url, {"firm": firm_a.pk, "version": seen_first}, follow=True)
    assert "已派单给甲鉴定公司" in ok.content.decode()
    lost = second.post(url, {"firm": firm_b.pk, "version": seen_second}, follow=True)
    assert "已被他人处理或修改，请刷新页面后重试" in lost.content.decode()

    task.refresh_from_db()
    assert (task.state, task.firm_id, task.version) == (TaskState.OFFERED, firm_a.pk, 2)
    assert list(task.transitions.values_list("actor", flat=True)) == [first_user.pk] * 2


def test_case_32_a_stale_withdraw_changes_nothing(client):
    bureau = BureauUserFactory()
    firm = qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=firm, actor=bureau)
    client.force_login(bureau)
    seen = _version_on_page(client, task)
    # Meanwhile the firm declines and the bureau offers again: same state, newer version.
    from reports.assignments import task_decline

    member = FirmMemberFactory(firm=firm)
    task_decline(task=fresh(task), user=member, reason="人手不足")
    task_assign(task=fresh(task), firm=firm, actor=bureau)
    response = client.post(
        reverse("task_withdraw", args=[task.pk]),
        {"version": seen, "reason": "撤回"},
        follow=True,
    )
    assert "请刷新页面后重试" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and task.version == seen + 2
    assert task.transitions.count() == 4


@pytest.mark.postgres
def test_case_32_eight_saves_from_one_stale_copy_only_one_lands(needs_postgres):
    bureau = BureauUserFactory()
    firm = qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=firm, actor=bureau)
    copies = [fresh(task) for _ in range(8)]

    results = race(
        *(lambda c=c: task_withdraw(task=c, actor=bureau, reason="撤回") for c in copies)
    )

    kinds = Counter(kind for kind, _ in results)
    assert kinds == {"ok": 1, "error": 7}, results
    assert all(isinstance(v, TaskConflict) for k, v in results if k == "error")
    task.refresh_from_db()
    assert (task.state, task.version) == (TaskState.OPEN, 3)
    assert (
        task.transitions.filter(to_state=TaskState.OPEN, from_state=TaskState.OFFERED).count() == 1
    )


# ---------------------------------------------------------------- cases 35, 36


def _jobs(task_path_end: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=task_path_end).count()


@override_settings(**DB_TASKS)
def test_case_35_a_rolled_back_upload_enqueues_no_parse_job(report_case):
    with pytest.raises(RuntimeError), transaction.atomic():
        version_upload(
            task=report_case.task,
            user=report_case.member,
            pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
        )
        raise RuntimeError("the request fails after the upload service returned")
    assert not ReportVersion.objects.exists()
    assert _jobs("parse_report_version") == 0

    version, created = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
    )
    assert created and _jobs("parse_report_version") == 1
    assert DBTaskResult.objects.get(task_path__endswith="parse_report_version").args_kwargs[
        "args"
    ] == [version.pk]


@override_settings(**DB_TASKS)
def test_case_35_a_rolled_back_savepoint_drops_its_jobs_the_outer_ones_run(db):
    bureau = BureauUserFactory()
    firm_a, firm_b = qualified_firm("140802"), qualified_firm("140802")
    kept = task_create(building=BuildingFactory(), actor=bureau)
    dropped = task_create(building=BuildingFactory(), actor=bureau)
    with transaction.atomic():
        task_assign(task=kept, firm=firm_a, actor=bureau)
        with pytest.raises(RuntimeError), transaction.atomic():
            task_assign(task=dropped, firm=firm_b, actor=bureau)
            raise RuntimeError("the inner step fails")
    mails = DBTaskResult.objects.filter(task_path__endswith="send_event_task")
    assert [r.args_kwargs["args"][1] for r in mails] == [kept.pk]
    dropped.refresh_from_db()
    assert dropped.state == TaskState.OPEN and dropped.transitions.count() == 1


def test_case_35_a_rolled_back_offer_sends_no_mail(db):
    bureau = BureauUserFactory()
    member = FirmMemberFactory(firm=qualified_firm("140802"), email="firm@example.cn")
    task = task_create(building=BuildingFactory(), actor=bureau)
    with pytest.raises(RuntimeError), transaction.atomic():
        task_assign(task=task, firm=member.firm, actor=bureau)
        raise RuntimeError("rolled back")
    assert mail.outbox == []
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    task_assign(task=task, firm=member.firm, actor=bureau)
    assert [m.to for m in mail.outbox] == [["firm@example.cn"]]


@override_settings(**DB_TASKS)
@pytest.mark.postgres
def test_case_36_the_parse_job_is_invisible_until_the_upload_commits(needs_postgres, report_case):
    inside = threading.Event()
    release = threading.Event()
    seen: dict[str, Any] = {}

    def uploader():
        with transaction.atomic():
            version, _ = version_upload(
                task=report_case.task,
                user=report_case.member,
                pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
            )
            seen["version"] = version.pk
            inside.set()
            release.wait(60)
        return version.pk

    def worker():
        inside.wait(60)
        try:
            # What another connection sees while the upload transaction is open.
            seen["jobs"] = _jobs("parse_report_version")
            seen["rows"] = ReportVersion.objects.count()
            # A worker handed the id early does nothing and marks nothing failed.
            version_parse(seen["version"])
        finally:
            release.set()

    results = race(uploader, worker)
    assert [k for k, _ in results] == ["ok", "ok"], results
    assert seen["jobs"] == 0 and seen["rows"] == 0
    version = ReportVersion.objects.get(pk=seen["version"])
    assert version.state == "uploaded" and version.parse_attempts == 0
    assert _jobs("parse_report_version") == 1
    # The committed job runs normally.
    version_parse(version.pk)
    version.refresh_from_db()
    assert version.state == "parsed" and version.parse_attempts == 1


# The edit form's URL, until the lead adds it to portal/urls.py (same path and name).
def _urlpatterns():
    from django.urls import path

    from portal import urls
    from portal.views import tasks

    return [
        path("bureau/tasks/<int:pk>/edit/", tasks.task_edit_view, name="task_edit"),
        *urls.urlpatterns,
    ]


urlpatterns = _urlpatterns()


@pytest.mark.urls(__name__)
def test_case_32_two_bureau_users_edit_one_task_the_second_save_is_refused(db):
    from django.test import Client

    first_user, second_user = BureauUserFactory(), BureauUserFactory()
    task = task_create(building=BuildingFactory(), actor=first_user)
    original_due = task.due_date
    first, second = Client(), Client()
    first.force_login(first_user)
    second.force_login(second_user)
    seen = _version_on_page(first, task)
    assert _version_on_page(second, task) == seen
    url = reverse("task_edit", args=[task.pk])
    new_due = original_due + dt.timedelta(days=10)

    ok = first.post(
        url,
        {
            "version": seen,
            "due_date": new_due.isoformat(),
            "note": "村委会协调入户",
            "reason": "户主外出",
        },
        follow=True,
    )
    assert "任务信息已保存" in ok.content.decode()
    lost = second.post(
        url,
        {"version": seen, "due_date": original_due.isoformat(), "note": "另一人的备注"},
        follow=True,
    )
    assert "已被他人处理或修改，请刷新页面后重试" in lost.content.decode()

    task.refresh_from_db()
    assert (task.due_date, task.note, task.version) == (new_due, "村委会协调入户", seen + 1)
    edit = task.transitions.order_by("pk").last()
    assert edit.actor == first_user and edit.from_state == edit.to_state == TaskState.OPEN
    assert "完成时限" in edit.reason and "户主外出" in edit.reason
    # Reloaded, the second user's page carries the new version and the save goes through.
    again = second.post(
        url,
        {
            "version": _version_on_page(second, task),
            "due_date": new_due.isoformat(),
            "note": "另一人的备注",
        },
        follow=True,
    )
    assert "任务信息已保存" in again.content.decode()
    task.refresh_from_db()
    assert task.note == "另一人的备注" and task.version == seen + 2


@pytest.mark.urls(__name__)
def test_case_32_edit_refusals_are_clear_and_change_nothing(client):
    bureau = BureauUserFactory()
    task = task_create(building=BuildingFactory(), actor=bureau)
    client.force_login(bureau)
    url = reverse("task_edit", args=[task.pk])
    later = (task.due_date + dt.timedelta(days=3)).isoformat()
    cases = [
        ({"version": task.version, "due_date": later}, "调整完成时限须填写理由"),
        ({"version": task.version, "due_date": task.due_date.isoformat()}, "没有需要保存的修改"),
        ({"version": task.version, "due_date": "明天"}, "请填写有效的完成时限"),
        ({"version": "x", "due_date": later, "reason": "r"}, "请刷新页面后重试"),
    ]
    for data, message in cases:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode(), data
    task.refresh_from_db()
    assert task.version == 1 and task.transitions.count() == 1


@pytest.mark.postgres
def test_case_32_eight_concurrent_edits_of_one_version_one_lands(needs_postgres):
    from reports.assignments import task_edit

    bureau = BureauUserFactory()
    task = task_create(building=BuildingFactory(), actor=bureau)
    copies = [fresh(task) for _ in range(8)]
    results = race(
        *(
            lambda c=c, i=i: task_edit(task=c, actor=bureau, due_date=c.due_date, note=f"备注{i}")
            for i, c in enumerate(copies)
        )
    )
    assert Counter(kind for kind, _ in results) == {"ok": 1, "error": 7}, results
    winner = next(i for i, (kind, _) in enumerate(results) if kind == "ok")
    task.refresh_from_db()
    assert task.note == f"备注{winner}" and task.version == 2
    assert task.transitions.count() == 2


# ---------------------------------------------------------------- double submit (issue 7)


def test_double_submit_of_one_version_lands_once(needs_postgres, report_case):
    """Two submits of the same parsed version at once (a double click, the web and the API):
    one submits, the other is refused with the state message; one audit row, one task move."""
    from reports.models import ReportState, ReportTransition
    from reports.workflow import ReportError, version_submit

    version, _ = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
    )
    version.refresh_from_db()
    assert version.state == ReportState.PARSED, version.problems

    def submit():
        v = ReportVersion.objects.get(pk=version.pk)
        return version_submit(version=v, user=report_case.member).state

    outcomes = race(submit, submit)
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, ReportError)
    assert "不能执行此操作" in str(error) or "已被他人更改" in str(error)
    version.refresh_from_db()
    assert version.state == ReportState.SUBMITTED
    submits = ReportTransition.objects.filter(version=version, to_state=ReportState.SUBMITTED)
    assert submits.count() == 1
    task = fresh(report_case.task)
    assert task.state == TaskState.SUBMITTED
    assert task.transitions.filter(to_state=TaskState.SUBMITTED).count() == 1
