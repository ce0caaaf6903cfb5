"""Firm management by the bureau and firm self-service: access, forms, scoping, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from institutions.models import AppraisalFirm, Engineer, Qualification
from reports.assignments import task_assign, task_create
from tests.factories import (
    AppraisalFirmFactory,
    BuildingFactory,
    BureauUserFactory,
    QualificationFactory,
    county,
    credit_code_for,
)

MANAGERS = ["city_bureau", "county_bureau", "admin"]
NOT_MANAGERS = ["firm_member", "reviewer", "no_role"]


def today() -> dt.date:
    return timezone.localdate()


def in_force(firm, **kwargs) -> Qualification:
    """A qualification in force today whatever the date the tests run on."""
    kwargs.setdefault("valid_from", today() - dt.timedelta(days=365))
    kwargs.setdefault("valid_to", today() + dt.timedelta(days=365))
    return QualificationFactory(firm=firm, **kwargs)


def make_engineer(firm, **kwargs) -> Engineer:
    kwargs.setdefault("name", "李工")
    kwargs.setdefault("role", Engineer.Role.APPRAISER)
    return Engineer.objects.create(firm=firm, **kwargs)


def firm_post(**overrides) -> dict:
    data = {
        "name": "运城市安居房屋安全鉴定有限公司",
        "credit_code": credit_code_for(90001),
        "legal_representative": "王五",
        "address": "运城市盐湖区河东街1号",
        "contact_person": "赵六",
        "contact_phone": "0359-1234567",
        "technical_staff_count": "12",
        "counties": [county("140802").pk, county("140821").pk],
        "max_open_tasks": "",
    }
    data.update(overrides)
    return data


def qualification_post(**overrides) -> dict:
    data = {
        "kind": Qualification.Kind.TESTING,
        "certificate_no": "晋建检字第900001号",
        "level": "专项",
        "issuer": "山西省住房和城乡建设厅",
        "valid_from": "2024-01-01",
        "valid_to": "2029-12-31",
        "scopes": ["主体结构", "地基基础"],
        "status": Qualification.Status.VALID,
        "status_reason": "",
        "barred_until": "",
    }
    data.update(overrides)
    return data


def engineer_post(**overrides) -> dict:
    data = {
        "name": "张工",
        "role": Engineer.Role.APPRAISER,
        "title": "高级工程师",
        "registration_type": "一级注册结构工程师",
        "registration_no": "S141234",
        "registration_valid_to": "2028-06-30",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def errors(response) -> dict:
    return {name: list(errs) for name, errs in response.context["form"].errors.items()}


@pytest.fixture
def world(personas):
    """The personas' firm with one qualification and one engineer, for the page URLs."""
    firm = personas.firm_member.firm
    return {
        "firm": firm,
        "qualification": in_force(firm),
        "engineer": make_engineer(firm),
    }


def manager_pages(world) -> list[str]:
    firm, q = world["firm"], world["qualification"]
    return [
        reverse("firm_list"),
        reverse("firm_create"),
        reverse("firm_detail", args=[firm.pk]),
        reverse("firm_edit", args=[firm.pk]),
        reverse("qualification_create", args=[firm.pk]),
        reverse("qualification_edit", args=[q.pk]),
    ]


def engineer_pages(world) -> list[str]:
    return [
        reverse("engineer_create", args=[world["firm"].pk]),
        reverse("engineer_edit", args=[world["engineer"].pk]),
    ]


# Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_open_every_management_page(client, personas, world, persona):
    client.force_login(getattr(personas, persona))
    for url in manager_pages(world) + engineer_pages(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_are_refused_the_management_pages(client, personas, world, persona):
    client.force_login(getattr(personas, persona))
    for url in manager_pages(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "无权访问" in response.content.decode()
        assert client.post(url, {}).status_code == 403, url


def test_anonymous_users_go_to_login(client, world):
    urls = [*manager_pages(world), *engineer_pages(world), reverse("firm_profile")]
    urls.append(reverse("engineer_deactivate", args=[world["engineer"].pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_firm_profile_is_for_firm_members_only(client, personas):
    client.force_login(personas.firm_member)
    assert client.get(reverse("firm_profile")).status_code == 200
    for persona in [*MANAGERS, "reviewer", "no_role"]:
        client.force_login(getattr(personas, persona))
        assert client.get(reverse("firm_profile")).status_code == 403, persona


def test_firm_member_opens_its_own_engineer_pages(client, personas, world):
    client.force_login(personas.firm_member)
    for url in engineer_pages(world):
        assert client.get(url).status_code == 200, url


def test_reviewer_cannot_manage_engineers(client, personas, world):
    client.force_login(personas.reviewer)
    for url in engineer_pages(world):
        assert client.get(url).status_code == 403, url


def test_firm_member_cannot_reach_another_firm(client, personas, world):
    client.force_login(personas.other_firm_member)
    firm, engineer = world["firm"], world["engineer"]
    # Bureau pages: refused by role.
    assert client.get(reverse("firm_detail", args=[firm.pk])).status_code == 403
    assert client.get(reverse("firm_edit", args=[firm.pk])).status_code == 403
    # Engineer pages: the other firm is outside the member's scope.
    assert client.get(reverse("engineer_create", args=[firm.pk])).status_code == 404
    assert (
        client.post(reverse("engineer_create", args=[firm.pk]), engineer_post()).status_code == 404
    )
    assert client.get(reverse("engineer_edit", args=[engineer.pk])).status_code == 404
    response = client.post(reverse("engineer_edit", args=[engineer.pk]), engineer_post(name="改"))
    assert response.status_code == 404
    assert client.post(reverse("engineer_deactivate", args=[engineer.pk])).status_code == 404
    engineer.refresh_from_db()
    assert engineer.name == "李工" and engineer.is_active
    assert not Engineer.objects.filter(name="张工").exists()
    # Its own profile page shows its own firm only.
    body = client.get(reverse("firm_profile")).content.decode()
    assert personas.other_firm_member.firm.name in body
    assert firm.name not in body
    assert "李工" not in body


# Bureau: registering and editing a firm ------------------------------------------------------


def test_bureau_registers_a_firm_after_fixing_the_check_digit(client, personas):
    client.force_login(personas.county_bureau)
    valid = credit_code_for(90001)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    response = client.post(reverse("firm_create"), firm_post(credit_code=wrong))
    assert response.status_code == 200
    assert errors(response) == {"credit_code": ["统一社会信用代码校验位不正确，请核对。"]}
    assert "统一社会信用代码校验位不正确" in response.content.decode()
    assert not AppraisalFirm.objects.filter(name="运城市安居房屋安全鉴定有限公司").exists()

    # Lower case, spaces and a full-width digit are normalised before the check.
    typed = " " + valid[:6] + " " + valid[6:].lower() + " "
    typed = typed.replace(valid[0], chr(ord(valid[0]) + 0xFEE0), 1)
    response = client.post(reverse("firm_create"), firm_post(credit_code=typed))
    firm = AppraisalFirm.objects.get(name="运城市安居房屋安全鉴定有限公司")
    assert response.status_code == 302
    assert response.url == reverse("firm_detail", args=[firm.pk])
    assert firm.credit_code == valid
    assert set(firm.counties.values_list("code", flat=True)) == {"140802", "140821"}
    assert firm.max_open_tasks is None
    assert firm.technical_staff_count == 12


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("12345", "统一社会信用代码应为18位。"),
        ("91140802MA0T0000IO", "不允许的字符"),
        ("", "必需字段"),
    ],
)
def test_other_credit_code_errors_are_in_chinese(client, personas, code, message):
    client.force_login(personas.city_bureau)
    response = client.post(reverse("firm_create"), firm_post(credit_code=code))
    assert response.status_code == 200
    assert message in " ".join(errors(response)["credit_code"])


def test_duplicate_name_or_credit_code_is_a_form_error(client, personas):
    existing = personas.firm_member.firm
    client.force_login(personas.city_bureau)
    response = client.post(
        reverse("firm_create"),
        firm_post(name=existing.name, credit_code=existing.credit_code.lower()),
    )
    assert response.status_code == 200
    assert set(errors(response)) == {"name", "credit_code"}
    assert AppraisalFirm.objects.count() == 2


def test_bureau_edits_every_firm_field(client, personas):
    firm = personas.other_firm_member.firm
    client.force_login(personas.city_bureau)
    data = firm_post(
        name="改名后的鉴定公司",
        credit_code=credit_code_for(90002),
        counties=[county("140822").pk],
        max_open_tasks="5",
    )
    response = client.post(reverse("firm_edit", args=[firm.pk]), data)
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.name, firm.credit_code, firm.max_open_tasks) == (
        "改名后的鉴定公司",
        credit_code_for(90002),
        5,
    )
    assert list(firm.counties.values_list("code", flat=True)) == ["140822"]


def test_edit_form_shows_counties_as_checkboxes(client, personas):
    firm = personas.firm_member.firm
    firm.counties.add(county("140802"))
    client.force_login(personas.city_bureau)
    body = client.get(reverse("firm_edit", args=[firm.pk])).content.decode()
    assert body.count('type="checkbox" name="counties"') >= 13
    assert f'value="{county("140802").pk}"' in body


@pytest.mark.parametrize(
    "overrides",
    [
        {"technical_staff_count": "99999999999999999999999"},
        {"technical_staff_count": "-1"},
        {"technical_staff_count": "abc"},
        {"max_open_tasks": "1e400"},
        {"max_open_tasks": "-3"},
        {"counties": ["999999"]},
        {"counties": ["abc"]},
        {"name": "机构\x00名称"},
        {"name": "长" * 500},
        {"credit_code": "码" * 500},
        {"credit_code": "\x00" * 18},
    ],
)
def test_bad_firm_input_is_a_form_error_not_a_crash(client, personas, overrides):
    client.force_login(personas.city_bureau)
    response = client.post(reverse("firm_create"), firm_post(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(
        reverse("firm_edit", args=[personas.firm_member.firm_id]), firm_post(**overrides)
    )
    assert response.status_code == 200


def test_unknown_firm_is_404(client, personas):
    client.force_login(personas.city_bureau)
    for name in ["firm_detail", "firm_edit", "qualification_create", "engineer_create"]:
        assert client.get(reverse(name, args=[999999])).status_code == 404, name
    assert client.get(reverse("qualification_edit", args=[999999])).status_code == 404
    assert client.get(reverse("engineer_edit", args=[999999])).status_code == 404


# Bureau: qualifications ----------------------------------------------------------------------


def test_bureau_adds_a_qualification(client, personas):
    firm = personas.firm_member.firm
    client.force_login(personas.county_bureau)
    body = client.get(reverse("qualification_create", args=[firm.pk])).content.decode()
    for scope in ("主体结构", "钢结构", "地基基础"):
        assert f'type="checkbox" name="scopes" value="{scope}"' in body
    response = client.post(
        reverse("qualification_create", args=[firm.pk]),
        qualification_post(scopes=["地基基础", "主体结构"]),
    )
    assert response.status_code == 302
    q = firm.qualifications.get()
    assert q.scopes == ["主体结构", "地基基础"]
    assert q.status == Qualification.Status.VALID


def test_suspension_without_a_reason_is_refused(client, personas, world):
    q = world["qualification"]
    client.force_login(personas.city_bureau)
    url = reverse("qualification_edit", args=[q.pk])
    response = client.post(
        url,
        qualification_post(kind=Qualification.Kind.REGISTRY, status=Qualification.Status.SUSPENDED),
    )
    assert response.status_code == 200
    assert errors(response) == {"status_reason": ["暂停或移出名录须填写原因。"]}
    q.refresh_from_db()
    assert q.status == Qualification.Status.VALID

    response = client.post(
        url,
        qualification_post(
            kind=Qualification.Kind.REGISTRY,
            status=Qualification.Status.SUSPENDED,
            status_reason="出具虚假报告",
            barred_until="2027-06-30",
        ),
    )
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.status, q.status_reason, q.barred_until) == (
        Qualification.Status.SUSPENDED,
        "出具虚假报告",
        dt.date(2027, 6, 30),
    )


def test_new_qualification_suspended_without_reason_is_refused(client, personas):
    firm = personas.firm_member.firm
    client.force_login(personas.admin)
    response = client.post(
        reverse("qualification_create", args=[firm.pk]),
        qualification_post(status=Qualification.Status.REMOVED),
    )
    assert response.status_code == 200
    assert "status_reason" in errors(response)
    assert not firm.qualifications.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"barred_until": "2027-01-01"}, "barred_until"),
        (
            {"status": "suspended", "status_reason": "整改", "barred_until": "2027-01-01"},
            "barred_until",
        ),
        ({"valid_from": "2030-01-01", "valid_to": "2029-01-01"}, "valid_to"),
        ({"valid_to": "2029-02-30"}, "valid_to"),
        ({"valid_to": "99999-01-01"}, "valid_to"),
        ({"scopes": ["木结构"]}, "scopes"),
        ({"kind": "nope"}, "kind"),
        ({"status": "nope"}, "status"),
        ({"certificate_no": ""}, "certificate_no"),
        ({"issuer": "x\x00"}, "issuer"),
    ],
)
def test_bad_qualification_input_is_a_form_error(client, personas, overrides, field):
    firm = personas.firm_member.firm
    client.force_login(personas.city_bureau)
    response = client.post(
        reverse("qualification_create", args=[firm.pk]), qualification_post(**overrides)
    )
    assert response.status_code == 200
    assert field in errors(response)
    assert not firm.qualifications.exists()


def test_duplicate_certificate_is_a_form_error(client, personas, world):
    other = personas.other_firm_member.firm
    client.force_login(personas.city_bureau)
    existing = world["qualification"]
    response = client.post(
        reverse("qualification_create", args=[other.pk]),
        qualification_post(kind=existing.kind, certificate_no=existing.certificate_no),
    )
    assert response.status_code == 200
    assert errors(response)
    assert not other.qualifications.exists()


# Engineers -----------------------------------------------------------------------------------


def test_bureau_adds_and_edits_engineers_of_any_firm(client, personas, world):
    firm = world["firm"]
    client.force_login(personas.county_bureau)
    response = client.post(reverse("engineer_create", args=[firm.pk]), engineer_post())
    assert response.status_code == 302
    assert response.url == reverse("firm_detail", args=[firm.pk])
    engineer = firm.engineers.get(name="张工")
    response = client.post(
        reverse("engineer_edit", args=[engineer.pk]), engineer_post(title="正高级工程师")
    )
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.title == "正高级工程师"


def test_firm_member_manages_its_own_engineers(client, personas, world):
    firm = world["firm"]
    client.force_login(personas.firm_member)
    response = client.post(reverse("engineer_create", args=[firm.pk]), engineer_post())
    assert response.status_code == 302
    assert response.url == reverse("firm_profile")
    engineer = firm.engineers.get(name="张工")
    assert engineer.is_active

    response = client.post(
        reverse("engineer_edit", args=[engineer.pk]), engineer_post(registration_no="S149999")
    )
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.registration_no == "S149999"

    assert client.get(reverse("engineer_deactivate", args=[engineer.pk])).status_code == 405
    response = client.post(reverse("engineer_deactivate", args=[engineer.pk]))
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert not engineer.is_active

    # Unticking 在职 in the edit form also deactivates; ticking it reactivates.
    other = world["engineer"]
    data = engineer_post(name=other.name)
    del data["is_active"]
    client.post(reverse("engineer_edit", args=[other.pk]), data)
    other.refresh_from_db()
    assert not other.is_active
    body = client.get(reverse("firm_profile")).content.decode()
    assert "张工" in body and "离职" in body


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"role": "boss"},
        {"registration_valid_to": "not a date"},
        {"name": "x" * 200},
    ],
)
def test_bad_engineer_input_is_a_form_error(client, personas, world, overrides):
    client.force_login(personas.firm_member)
    response = client.post(
        reverse("engineer_create", args=[world["firm"].pk]), engineer_post(**overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert world["firm"].engineers.count() == 1


# Firm members: own profile -------------------------------------------------------------------


def test_firm_member_edits_contact_details_but_not_registration(client, personas):
    firm = personas.firm_member.firm
    firm.counties.set([county("140802")])
    before = (firm.name, firm.credit_code, firm.max_open_tasks)
    client.force_login(personas.firm_member)
    response = client.post(
        reverse("firm_profile"),
        {
            "legal_representative": "陈七",
            "address": "运城市盐湖区新地址8号",
            "contact_person": "周八",
            "contact_phone": "13800000000",
            "technical_staff_count": "20",
            # Fields only the bureau changes: ignored.
            "name": "自己改的名字",
            "credit_code": credit_code_for(90003),
            "counties": [county("140821").pk, county("140822").pk],
            "max_open_tasks": "999",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("firm_profile")
    firm.refresh_from_db()
    assert (firm.legal_representative, firm.address, firm.contact_person) == (
        "陈七",
        "运城市盐湖区新地址8号",
        "周八",
    )
    assert (firm.contact_phone, firm.technical_staff_count) == ("13800000000", 20)
    assert (firm.name, firm.credit_code, firm.max_open_tasks) == before
    assert list(firm.counties.values_list("code", flat=True)) == ["140802"]


def test_firm_profile_form_has_only_contact_fields(client, personas):
    client.force_login(personas.firm_member)
    response = client.get(reverse("firm_profile"))
    assert set(response.context["form"].fields) == {
        "legal_representative",
        "address",
        "contact_person",
        "contact_phone",
        "technical_staff_count",
    }
    body = response.content.decode()
    assert 'name="counties"' not in body
    assert 'name="name"' not in body


def test_bad_profile_input_is_a_form_error(client, personas):
    client.force_login(personas.firm_member)
    response = client.post(
        reverse("firm_profile"),
        {"technical_staff_count": "-5", "contact_phone": "1" * 100},
    )
    assert response.status_code == 200
    assert set(errors(response)) == {"technical_staff_count", "contact_phone"}


def test_firm_profile_warns_of_expiring_qualifications(client, personas):
    firm = personas.firm_member.firm
    in_force(firm, certificate_no="快到期-1", valid_to=today() + dt.timedelta(days=10))
    in_force(personas.other_firm_member.firm, certificate_no="别人的-1")
    client.force_login(personas.firm_member)
    body = client.get(reverse("firm_profile")).content.decode()
    assert "资质即将到期" in body
    assert "快到期-1" in body
    assert "别人的-1" not in body


# Firm list: summary and query count ----------------------------------------------------------


def test_firm_list_summarises_qualifications_and_load(client, personas):
    on = today()
    firm = personas.firm_member.firm
    firm.counties.set([county("140802"), county("140821")])
    in_force(firm, valid_to=on + dt.timedelta(days=400))
    in_force(firm, kind=Qualification.Kind.CMA, valid_to=on + dt.timedelta(days=5))
    QualificationFactory(firm=firm, valid_from=on - dt.timedelta(days=900), valid_to=on)
    bureau = personas.city_bureau
    for _ in range(2):
        task = task_create(building=BuildingFactory(), actor=bureau)
        task_assign(task=task, firm=firm, actor=bureau, on=on)
    task_create(building=BuildingFactory(), actor=bureau)  # open, not the firm's load

    barred = personas.other_firm_member.firm
    in_force(barred)
    in_force(
        barred,
        kind=Qualification.Kind.REGISTRY,
        status=Qualification.Status.SUSPENDED,
        status_reason="整改",
    )

    client.force_login(bureau)
    response = client.get(reverse("firm_list"))
    rows = {f.pk: f for f in response.context["firms"]}
    assert rows[firm.pk].in_force_count == 3  # the one expiring today is still in force
    assert rows[firm.pk].nearest_expiry == on
    assert rows[firm.pk].open_tasks == 2
    assert not rows[firm.pk].is_barred
    assert rows[barred.pk].is_barred
    assert rows[barred.pk].open_tasks == 0
    body = response.content.decode()
    assert "盐湖区、临猗县" in body
    assert "已暂停/移出名录" in body
    assert "即将到期" in body
    assert on.strftime("%Y-%m-%d") in body
    assert f"2 / {firm.capacity}" in body


def test_firm_list_search(client, personas):
    AppraisalFirmFactory(name="河东鉴定所")
    client.force_login(personas.city_bureau)
    names = [f.name for f in client.get(reverse("firm_list"), {"q": "河东"}).context["firms"]]
    assert names == ["河东鉴定所"]
    code = personas.firm_member.firm.credit_code
    firms = client.get(reverse("firm_list"), {"q": code[-6:].lower()}).context["firms"]
    assert [f.pk for f in firms] == [personas.firm_member.firm_id]
    assert client.get(reverse("firm_list"), {"q": "x" * 1000}).status_code == 200


def add_firms(n: int) -> None:
    bureau = BureauUserFactory()
    for _ in range(n):
        firm = AppraisalFirmFactory()
        firm.counties.set([county("140802"), county("140821")])
        in_force(firm)
        in_force(firm, kind=Qualification.Kind.CMA)
        task_assign(
            task=task_create(building=BuildingFactory(), actor=bureau),
            firm=firm,
            actor=bureau,
            on=today(),
        )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_firm_list_query_count_does_not_grow_with_firms(client, personas):
    client.force_login(personas.city_bureau)
    url = reverse("firm_list")
    add_firms(2)
    few = count_queries(client, url)
    add_firms(18)
    many = count_queries(client, url)
    assert len(client.get(url).context["firms"]) == 22
    assert many == few
    assert few <= 5  # session, user, firms with their summary, counties


def test_firm_detail_query_count_is_bounded(client, personas, world, django_assert_max_num_queries):
    for _ in range(10):
        in_force(world["firm"])
        make_engineer(world["firm"])
    client.force_login(personas.city_bureau)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("firm_detail", args=[world["firm"].pk])).status_code == 200
