"""The public registry (公示名录): only firms qualified today, no personal data, fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from institutions.models import AppraisalFirm, Engineer, Qualification
from institutions.selectors import registry_firms
from tests.factories import AppraisalFirmFactory, QualificationFactory, county


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def firm_with(name: str | None = None, **qualification) -> AppraisalFirm:
    firm = AppraisalFirmFactory(**({"name": name} if name else {}))
    qualification.setdefault("valid_from", days(-365))
    qualification.setdefault("valid_to", days(365))
    QualificationFactory(firm=firm, **qualification)
    return firm


def registry_entry(firm, status, **kwargs) -> Qualification:
    return QualificationFactory(
        firm=firm,
        kind=Qualification.Kind.REGISTRY,
        scopes=[],
        valid_from=days(-365),
        valid_to=days(365),
        status=status,
        status_reason="整改期间",
        **kwargs,
    )


def listed_names(client, **params) -> list[str]:
    response = client.get(reverse("firm_registry"), params)
    assert response.status_code == 200
    return [f.name for f in response.context["firms"]]


def test_registry_is_public_and_shows_qualifications(client, db):
    firm = firm_with(
        "甲鉴定公司",
        certificate_no="晋建检字第123456号",
        level="甲级",
        issuer="山西省住房和城乡建设厅",
        valid_from=dt.date(2024, 3, 1),
        valid_to=days(100),
        scopes=["主体结构", "钢结构"],
    )
    firm.counties.set([county("140802"), county("140821")])
    response = client.get(reverse("firm_registry"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "甲鉴定公司",
        firm.credit_code,
        "建设工程质量检测机构资质",
        "晋建检字第123456号",
        "甲级",
        "山西省住房和城乡建设厅",
        "2024-03-01",
        days(100).strftime("%Y-%m-%d"),
        "主体结构、钢结构",
        "盐湖区、临猗县",
    ]:
        assert text in body, text


def test_registry_lists_only_qualified_firms(client, db):
    firm_with("有效公司")
    firm_with("过期公司", valid_from=days(-800), valid_to=days(-1))
    firm_with("未生效公司", valid_from=days(1), valid_to=days(800))
    firm_with("证书暂停公司", status=Qualification.Status.SUSPENDED, status_reason="整改")
    registry_entry(firm_with("名录暂停公司"), Qualification.Status.SUSPENDED)
    registry_entry(firm_with("移出名录公司"), Qualification.Status.REMOVED)
    registry_entry(firm_with("限期内公司"), Qualification.Status.REMOVED, barred_until=days(0))
    registry_entry(firm_with("禁入期满公司"), Qualification.Status.REMOVED, barred_until=days(-1))
    AppraisalFirmFactory(name="无资质公司")

    assert listed_names(client) == ["有效公司", "禁入期满公司"]
    body = client.get(reverse("firm_registry")).content.decode()
    for name in [
        "过期公司",
        "未生效公司",
        "名录暂停公司",
        "移出名录公司",
        "限期内公司",
        "无资质公司",
    ]:
        assert name not in body, name


def test_only_in_force_qualifications_are_shown(client, db):
    firm = firm_with("甲公司", certificate_no="现行证书")
    QualificationFactory(
        firm=firm, certificate_no="旧证书", valid_from=days(-900), valid_to=days(-10)
    )
    QualificationFactory(
        firm=firm,
        certificate_no="暂停证书",
        kind=Qualification.Kind.CMA,
        valid_from=days(-10),
        valid_to=days(300),
        status=Qualification.Status.SUSPENDED,
        status_reason="整改",
    )
    body = client.get(reverse("firm_registry")).content.decode()
    assert "现行证书" in body
    assert "旧证书" not in body
    assert "暂停证书" not in body


def test_registry_shows_no_personal_or_internal_data(client, db):
    firm = firm_with("甲公司")
    firm.legal_representative = "王法人"
    firm.contact_person = "赵联系"
    firm.contact_phone = "13912345678"
    firm.max_open_tasks = 7
    firm.save()
    Engineer.objects.create(
        firm=firm, name="钱工程师", role=Engineer.Role.APPRAISER, registration_no="S140001"
    )
    registry_entry(firm_with("乙公司"), Qualification.Status.SUSPENDED)
    body = client.get(reverse("firm_registry")).content.decode()
    assert "甲公司" in body
    for private in ["王法人", "赵联系", "13912345678", "钱工程师", "S140001", "整改期间"]:
        assert private not in body, private


def test_registry_search_by_name(client, db):
    firm_with("河东房屋鉴定公司")
    firm_with("河西检测公司")
    assert listed_names(client, q="河东") == ["河东房屋鉴定公司"]
    assert listed_names(client, q="  鉴定 ") == ["河东房屋鉴定公司"]
    assert listed_names(client, q="公司") == ["河东房屋鉴定公司", "河西检测公司"]
    assert listed_names(client, q="没有") == []
    assert (
        "没有符合条件的鉴定机构"
        in client.get(reverse("firm_registry"), {"q": "没有"}).content.decode()
    )
    # Odd input is not an error.
    assert listed_names(client, q="%_'\"<script>") == []
    assert client.get(reverse("firm_registry"), {"q": "x" * 5000}).status_code == 200


def test_registry_answers_head_and_refuses_writes(client, db):
    assert client.head(reverse("firm_registry")).status_code == 200
    assert client.post(reverse("firm_registry")).status_code == 405


@pytest.mark.parametrize("persona", ["firm_member", "city_bureau", "reviewer", "admin"])
def test_signed_in_users_see_the_registry_too(client, personas, persona):
    firm_with("甲公司")
    client.force_login(getattr(personas, persona))
    assert listed_names(client) == ["甲公司"]


def add_listed_firms(n: int) -> None:
    for _ in range(n):
        firm = firm_with()
        QualificationFactory(
            firm=firm, kind=Qualification.Kind.CMA, valid_from=days(-30), valid_to=days(30)
        )
        firm.counties.set([county("140802"), county("140822")])


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_registry_query_count_does_not_grow_with_firms(client, db):
    url = reverse("firm_registry")
    add_listed_firms(2)
    few = count_queries(client, url)
    add_listed_firms(18)
    many = count_queries(client, url)
    assert len(client.get(url).context["firms"]) == 20
    assert many == few == 3  # firms, their in-force qualifications, their counties


def test_registry_selector_is_the_publicly_listed_set(db):
    listed = firm_with("甲公司")
    registry_entry(firm_with("乙公司"), Qualification.Status.SUSPENDED)
    firms = list(registry_firms(today()))
    assert [f.pk for f in firms] == [listed.pk]
    assert [q.certificate_no for q in firms[0].listed_qualifications] == [
        listed.qualifications.get().certificate_no
    ]
