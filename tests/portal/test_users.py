from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from portal.models import User
from portal.roles import Role
from tests.factories import AppraisalFirmFactory, county


def test_a_firm_member_must_belong_to_a_firm(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=Role.FIRM)


def test_only_firm_members_belong_to_a_firm(db):
    firm = AppraisalFirmFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role=Role.REVIEWER, firm=firm)


def test_only_bureau_staff_have_a_county(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role=Role.REVIEWER, county=county("140802"))


def test_django_admin_access_follows_the_admin_role(db):
    bureau = User.objects.create(username="b", role=Role.BUREAU, is_staff=True)
    assert bureau.is_staff is False
    admin = User.objects.create(username="a", role=Role.ADMIN)
    assert admin.is_staff is True


def test_createsuperuser_makes_a_site_admin(db):
    user = User.objects.create_superuser("root", "root@example.com", "pw-long-enough-123")
    assert user.role == Role.ADMIN
    assert Role.of(user) == Role.ADMIN
