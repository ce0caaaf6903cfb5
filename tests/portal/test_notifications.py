"""E-mail notifications: each kind to the right people, once; never on a rolled-back action;
a mail server that is down never fails the action and is retried by the daily run."""

from __future__ import annotations

import datetime as dt
import smtplib
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.models import NotificationKind, NotificationLog, NotificationStatus
from portal.notifications import send_due_notifications, send_event
from reports.assignments import (
    TaskError,
    task_accept,
    task_assign,
    task_create,
    task_follow_report,
    task_withdraw,
)
from reports.models import AppraisalTask, Report, ReportVersion, TaskState
from reports.workflow import version_return
from tests.factories import (
    BuildingFactory,
    BureauUserFactory,
    FirmMemberFactory,
    QualificationFactory,
    county,
    qualified_firm,
)

pytestmark = pytest.mark.django_db

DOWN = "tests.portal.test_notifications.DownBackend"


class DownBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def today() -> dt.date:
    return timezone.localdate()


class World:
    pass


@pytest.fixture
def world(personas):
    """A qualified firm whose members differ in what can reach them, and bureau staff."""
    w = World()
    w.firm = qualified_firm("140802", "140821", name="运城市通知测试鉴定有限公司")
    w.reachable = FirmMemberFactory(firm=w.firm, username="zhao", email="zhao@firm.test")
    w.reachable2 = FirmMemberFactory(firm=w.firm, username="qian", email="qian@firm.test")
    w.inactive = FirmMemberFactory(
        firm=w.firm, username="gone", email="gone@firm.test", is_active=False
    )
    w.no_email = FirmMemberFactory(firm=w.firm, username="nomail", email="")
    w.other_firm_member = FirmMemberFactory(username="other", email="other@firm.test")
    w.city = BureauUserFactory(username="city", email="city@bureau.test")
    w.yanhu = BureauUserFactory(
        username="yanhu", email="yanhu@bureau.test", county=county("140802")
    )
    w.linyi = BureauUserFactory(
        username="linyi", email="linyi@bureau.test", county=county("140821")
    )
    w.actor = personas.city_bureau
    return w


def to(messages) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def new_task(w, code="140802", due=None) -> AppraisalTask:
    building = BuildingFactory(county=county(code))
    task = task_create(building=building, actor=w.actor)
    if due is not None:
        AppraisalTask.objects.filter(pk=task.pk).update(due_date=due)
        task.refresh_from_db()
    return task


def offered(w, django_capture_on_commit_callbacks, **kw) -> AppraisalTask:
    task = new_task(w, **kw)
    with django_capture_on_commit_callbacks(execute=True):
        task_assign(task=task, firm=w.firm, actor=w.actor)
    return task


# ---------------------------------------------------------------- events


def test_offer_mails_the_reachable_firm_members_once(world, django_capture_on_commit_callbacks):
    task = offered(world, django_capture_on_commit_callbacks)
    assert to(mail.outbox) == ["qian@firm.test", "zhao@firm.test"]
    message = mail.outbox[0]
    assert message.subject.startswith("【鉴定门户】新派单待接受")
    assert task.building.building_no in message.subject
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("firm_task_detail", args=[task.pk])
    assert link in message.body and "运城市通知测试鉴定有限公司" in message.body
    rows = NotificationLog.objects.filter(kind=NotificationKind.TASK_OFFERED, object_id=task.pk)
    assert {r.status for r in rows} == {NotificationStatus.SENT} and rows.count() == 2
    # The same event again (a retried worker) sends nothing.
    assert send_event(NotificationKind.TASK_OFFERED, task.pk, f"v{task.version}") == 0
    assert len(mail.outbox) == 2


def test_offer_in_a_failed_transaction_sends_nothing(world, django_capture_on_commit_callbacks):
    task = new_task(world)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        task_assign(task=task, firm=world.firm, actor=world.actor)
        raise RuntimeError("the rest of the request failed")
    assert callbacks == [] and mail.outbox == []
    assert not NotificationLog.objects.exists()
    assert AppraisalTask.objects.get(pk=task.pk).state == TaskState.OPEN


def test_a_refused_offer_sends_nothing(world, django_capture_on_commit_callbacks):
    task = new_task(world)
    with django_capture_on_commit_callbacks(execute=True):
        task_assign(task=task, firm=world.firm, actor=world.actor)
        with pytest.raises(TaskError, match="不能执行此操作"):
            task_assign(task=task, firm=world.firm, actor=world.actor)
    assert len(mail.outbox) == 2


def test_withdrawn_before_sending_is_not_mailed_and_a_new_offer_is(
    world, django_capture_on_commit_callbacks
):
    task = new_task(world)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        task_assign(task=task, firm=world.firm, actor=world.actor)
    task_withdraw(task=task, actor=world.actor, reason="改派")
    for callback in pending:
        callback()
    assert mail.outbox == []
    task.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        task_assign(task=task, firm=world.firm, actor=world.actor)
    assert to(mail.outbox) == ["qian@firm.test", "zhao@firm.test"]


def submitted_version(w, django_capture_on_commit_callbacks) -> ReportVersion:
    task = offered(w, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    task_accept(task=task, user=w.reachable)
    report = Report.objects.create(task=task, firm=w.firm)
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        file=f"reports/{task.pk}/x.pdf",
        original_name="报告.pdf",
        size=1000,
        sha256="0" * 64,
        uploaded_by=w.reachable,
        state="submitted",
    )
    report.current_version = version
    report.save()
    task_follow_report(task=task, to=TaskState.SUBMITTED, actor=w.reachable, reason="提交")
    return version


def test_return_mails_the_firm_with_the_comment(world, django_capture_on_commit_callbacks):
    version = submitted_version(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        version_return(version=version, user=world.actor, comment="抗震验算依据不足 & 层数不符")
    assert to(mail.outbox) == ["qian@firm.test", "zhao@firm.test"]
    message = mail.outbox[0]
    assert "报告退回修改" in message.subject
    assert "抗震验算依据不足 & 层数不符" in message.body
    assert reverse("report_version", args=[version.pk]) in message.body
    with django_capture_on_commit_callbacks(execute=True):
        send_event(NotificationKind.REPORT_RETURNED, version.pk, "")
    assert len(mail.outbox) == 2


def test_return_in_a_failed_transaction_sends_nothing(world, django_capture_on_commit_callbacks):
    version = submitted_version(world, django_capture_on_commit_callbacks)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        version_return(version=version, user=world.actor, comment="请补充")
        raise RuntimeError("boom")
    assert callbacks == [] and mail.outbox == []
    assert ReportVersion.objects.get(pk=version.pk).state == "submitted"


def test_smtp_down_does_not_fail_the_offer_and_the_daily_run_retries(
    client, world, django_capture_on_commit_callbacks
):
    task = new_task(world)
    client.force_login(world.actor)
    with override_settings(EMAIL_BACKEND=DOWN), django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("task_assign", args=[task.pk]),
            {"firm": world.firm.pk, "version": task.version},
            follow=True,
        )
    assert r.status_code == 200 and "已派单给" in r.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and mail.outbox == []
    failed = NotificationLog.objects.filter(status=NotificationStatus.FAILED)
    assert failed.count() == 2 and "SMTPServerDisconnected" in failed.first().error
    # Still down: nothing sent, the rows stay failed and count the attempt.
    with override_settings(EMAIL_BACKEND=DOWN):
        assert send_due_notifications(today())["retried"] == 0
    assert set(failed.values_list("attempts", flat=True)) == {2}
    # Back up: sent once, then never again.
    assert send_due_notifications(today())["retried"] == 2
    assert to(mail.outbox) == ["qian@firm.test", "zhao@firm.test"]
    assert send_due_notifications(today())["retried"] == 0
    assert len(mail.outbox) == 2


def test_smtp_down_does_not_fail_a_return(world, django_capture_on_commit_callbacks):
    version = submitted_version(world, django_capture_on_commit_callbacks)
    with override_settings(EMAIL_BACKEND=DOWN), django_capture_on_commit_callbacks(execute=True):
        version_return(version=version, user=world.actor, comment="请补充")
    assert ReportVersion.objects.get(pk=version.pk).state == "returned"
    assert NotificationLog.objects.filter(status=NotificationStatus.FAILED).count() == 2


# ---------------------------------------------------------------- daily


def test_due_soon_is_one_digest_per_member_and_sent_once(world, django_capture_on_commit_callbacks):
    days = settings.CAMPAIGN["notify_due_days"]
    first = offered(
        world, django_capture_on_commit_callbacks, due=today() + dt.timedelta(days=days)
    )
    second = offered(world, django_capture_on_commit_callbacks, due=today())
    offered(world, django_capture_on_commit_callbacks, due=today() + dt.timedelta(days=days + 1))
    mail.outbox.clear()
    counts = send_due_notifications(today())
    assert counts[NotificationKind.TASK_DUE_SOON] == 2
    assert to(mail.outbox) == ["qian@firm.test", "zhao@firm.test"]
    message = mail.outbox[0]
    assert f"2项鉴定任务将于{days}日内到期" in message.subject
    assert (
        first.building.building_no in message.body and second.building.building_no in message.body
    )
    mail.outbox.clear()
    assert send_due_notifications(today())[NotificationKind.TASK_DUE_SOON] == 0
    assert mail.outbox == []
    # A new due date is a new reminder.
    AppraisalTask.objects.filter(pk=first.pk).update(due_date=today() + dt.timedelta(days=1))
    send_due_notifications(today())
    assert len(mail.outbox) == 2 and first.building.building_no in mail.outbox[0].body
    assert second.building.building_no not in mail.outbox[0].body


def test_due_soon_skips_submitted_and_open_tasks(world, django_capture_on_commit_callbacks):
    version = submitted_version(world, django_capture_on_commit_callbacks)
    AppraisalTask.objects.filter(pk=version.report.task_id).update(due_date=today())
    new_task(world, due=today())  # open: no firm to remind
    assert send_due_notifications(today())[NotificationKind.TASK_DUE_SOON] == 0


def test_overdue_goes_to_the_firm_and_the_county_staff(world, django_capture_on_commit_callbacks):
    late = offered(world, django_capture_on_commit_callbacks, due=today() - dt.timedelta(days=1))
    unassigned = new_task(world, due=today() - dt.timedelta(days=3))
    linyi_late = new_task(world, code="140821", due=today() - dt.timedelta(days=2))
    mail.outbox.clear()
    counts = send_due_notifications(today())
    assert counts[NotificationKind.TASK_OVERDUE] == 4
    assert to(mail.outbox) == [
        "linyi@bureau.test",
        "qian@firm.test",
        "yanhu@bureau.test",
        "zhao@firm.test",
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    yanhu = by_address["yanhu@bureau.test"].body
    assert late.building.building_no in yanhu and unassigned.building.building_no in yanhu
    assert linyi_late.building.building_no not in yanhu
    assert reverse("task_detail", args=[late.pk]) in yanhu
    firm_body = by_address["zhao@firm.test"].body
    assert late.building.building_no in firm_body
    assert unassigned.building.building_no not in firm_body
    assert reverse("firm_task_detail", args=[late.pk]) in firm_body
    mail.outbox.clear()
    assert send_due_notifications(today())[NotificationKind.TASK_OVERDUE] == 0
    assert mail.outbox == []


def test_qualification_expiring_goes_to_the_firm_and_city_staff(world):
    days = settings.CAMPAIGN["qualification_expiry_warning_days"]
    q = QualificationFactory(
        firm=world.firm, valid_from=dt.date(2020, 1, 1), valid_to=today() + dt.timedelta(days=days)
    )
    QualificationFactory(
        firm=world.other_firm_member.firm, valid_to=today() + dt.timedelta(days=days + 1)
    )
    counts = send_due_notifications(today())
    assert counts[NotificationKind.QUALIFICATION_EXPIRING] == 3
    assert to(mail.outbox) == ["city@bureau.test", "qian@firm.test", "zhao@firm.test"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert q.certificate_no in by_address["city@bureau.test"].body
    assert reverse("firm_detail", args=[world.firm.pk]) in by_address["city@bureau.test"].body
    assert reverse("firm_profile") in by_address["zhao@firm.test"].body
    mail.outbox.clear()
    assert send_due_notifications(today())[NotificationKind.QUALIFICATION_EXPIRING] == 0
    # Renewed but again close to expiry later: a new period, a new warning.
    q.valid_to = today() + dt.timedelta(days=1)
    q.save()
    assert send_due_notifications(today())[NotificationKind.QUALIFICATION_EXPIRING] == 3


def test_inactive_and_addressless_users_never_get_mail(world, django_capture_on_commit_callbacks):
    offered(world, django_capture_on_commit_callbacks, due=today() - dt.timedelta(days=1))
    QualificationFactory(firm=world.firm, valid_to=today() + dt.timedelta(days=2))
    world.yanhu.is_active = False
    world.yanhu.save()
    send_due_notifications(today())
    addresses = set(to(mail.outbox))
    assert addresses and "gone@firm.test" not in addresses and "yanhu@bureau.test" not in addresses
    assert "other@firm.test" not in addresses
    recipients = set(NotificationLog.objects.values_list("recipient__username", flat=True))
    assert recipients.isdisjoint({"gone", "nomail", "yanhu", "other"})


def test_command_runs_for_a_date_and_refuses_a_bad_one(world, django_capture_on_commit_callbacks):
    offered(world, django_capture_on_commit_callbacks, due=dt.date(2030, 5, 10))
    mail.outbox.clear()
    out = StringIO()
    call_command("send_notifications", "--date", "2030-05-08", stdout=out)
    assert "任务即将到期：发送 2 封" in out.getvalue()
    assert len(mail.outbox) == 2
    out = StringIO()
    call_command("send_notifications", "--date", "2030-05-08", stdout=out)
    assert "任务即将到期：发送 0 封" in out.getvalue() and len(mail.outbox) == 2
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("send_notifications", "--date", "2030/05/08")


def test_daily_run_as_a_background_task(world, django_capture_on_commit_callbacks):
    from portal.notifications import send_due_notifications_task

    offered(world, django_capture_on_commit_callbacks, due=dt.date(2030, 5, 10))
    mail.outbox.clear()
    result = send_due_notifications_task.enqueue("2030-05-12")
    # Two firm members and the county's staff member.
    assert result.return_value[NotificationKind.TASK_OVERDUE] == 3
    assert to(mail.outbox) == ["qian@firm.test", "yanhu@bureau.test", "zhao@firm.test"]
