from __future__ import annotations

import datetime as dt

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


class QualificationFactory(DjangoModelFactory["Qualification"]):
    class Meta:
        model = "institutions.Qualification"

    firm = factory.SubFactory(AppraisalFirmFactory)
    kind = "testing"
    certificate_no = factory.Sequence(lambda n: f"晋建检字第{n:06d}号")
    level = "专项"
    issuer = "山西省住房和城乡建设厅"
    valid_from = dt.date(2021, 1, 1)
    valid_to = dt.date(2027, 12, 31)
    scopes = factory.LazyFunction(lambda: ["主体结构", "钢结构", "地基基础"])


def qualified_firm(*county_codes: str, **kwargs) -> AppraisalFirm:
    """A firm with an in-force qualification covering every structure type, serving counties."""
    firm = AppraisalFirmFactory(**kwargs)
    QualificationFactory(firm=firm)
    firm.counties.set(County.objects.filter(code__in=county_codes or ("140802",)))
    return firm


class BuildingFactory(DjangoModelFactory["Building"]):
    class Meta:
        model = "buildings.Building"

    building_no = factory.Sequence(lambda n: f"140802-{n:06d}")
    county = factory.LazyFunction(lambda: County.objects.get(code="140802"))
    township = "中城街道"
    village = "康宁社区"
    address = factory.Sequence(lambda n: f"盐湖区中城街道康宁社区解放路{n}号")
    owner = "张三"
    structure_type = "砖混结构"
    floors = 2
    year_built = 1998
    is_business = False
    alteration = "否"
    max_span = 5
    is_steel = False
    procedures_complete = False
    initial_judgement = "未发现安全隐患"
