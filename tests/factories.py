from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from buildings.models import County
from institutions.credit_code import check_character
from institutions.models import AppraisalFirm
from portal.models import User
from portal.roles import Role

TEST_PASSWORD = "correct-horse-battery"


def credit_code_for(n: int) -> str:
    body = f"91140802MA0T{n:05d}"
    return body + check_character(body)


class AppraisalFirmFactory(DjangoModelFactory[AppraisalFirm]):
    class Meta:
        model = AppraisalFirm

    name = factory.Sequence(lambda n: f"测试鉴定机构{n}有限公司")
    credit_code = factory.Sequence(credit_code_for)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.REVIEWER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class FirmMemberFactory(UserFactory):
    role = Role.FIRM
    firm = factory.SubFactory(AppraisalFirmFactory)


class BureauUserFactory(UserFactory):
    role = Role.BUREAU
    county = None


class AdminUserFactory(UserFactory):
    role = Role.ADMIN
    is_superuser = True


def county(code: str) -> County:
    return County.objects.get(code=code)
