from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from institutions.models import AppraisalFirm
from portal.demo import DEMO_PASSWORD
from portal.models import NoticePage, User
from portal.roles import Role


def test_demo_builds_one_login_per_role_and_is_idempotent(db):
    out = StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=StringIO())
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    roles = {Role.of(u) for u in User.objects.all()}
    assert roles == {Role.FIRM, Role.BUREAU, Role.REVIEWER, Role.ADMIN}
    for user in User.objects.all():
        assert user.username in text
        assert user.check_password(DEMO_PASSWORD)
    assert AppraisalFirm.objects.count() == 3
    assert NoticePage.objects.live().count() == 3
    for firm in AppraisalFirm.objects.all():
        firm.full_clean()  # credit codes carry valid check digits
