from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from buildings.models import Building
from institutions.models import AppraisalFirm, Qualification
from portal.demo import DEMO_PASSWORD
from portal.models import NoticePage, User
from portal.roles import Role
from reports.models import AppraisalTask, ReportState, ReportVersion, TaskState


def test_demo_builds_one_login_per_role_and_is_idempotent(db):
    out = StringIO()
    call_command("demo", "--buildings=600", stdout=out)
    call_command("demo", "--buildings=600", stdout=StringIO())
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    roles = {Role.of(u) for u in User.objects.all()}
    assert roles == {Role.FIRM, Role.BUREAU, Role.REVIEWER, Role.ADMIN}
    for user in User.objects.all():
        assert user.username in text
        assert user.check_password(DEMO_PASSWORD)
    assert AppraisalFirm.objects.count() == 4
    assert Building.objects.count() == 600
    assert set(AppraisalTask.objects.values_list("state", flat=True)) == set(TaskState.values)
    report_states = set(ReportVersion.objects.values_list("state", flat=True))
    assert report_states == set(ReportState.values) - {ReportState.UPLOADED, ReportState.PARSING}
    assert Building.objects.filter(control_required=True).exists()
    today = timezone.localdate()
    assert Qualification.objects.filter(valid_to__lt=today).exists()  # one expired
    assert Qualification.objects.expiring(today, 30).exists()  # one about to expire
    assert NoticePage.objects.live().count() == 3
    for firm in AppraisalFirm.objects.all():
        firm.full_clean()  # credit codes carry valid check digits
