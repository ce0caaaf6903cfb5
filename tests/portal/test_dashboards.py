"""Each role lands on its own dashboard; every other role is refused with 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

DASHBOARDS = {
    "firm_member": "firm_dashboard",
    "city_bureau": "bureau_dashboard",
    "county_bureau": "bureau_dashboard",
    "reviewer": "reviewer_dashboard",
    "admin": "admin_dashboard",
}
ALL_DASHBOARDS = sorted(set(DASHBOARDS.values()))


@pytest.mark.parametrize(("persona", "expected"), DASHBOARDS.items())
def test_it_sends_each_role_to_its_own_dashboard(client, personas, persona, expected):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse(expected)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(("persona", "own"), DASHBOARDS.items())
def test_it_refuses_every_other_dashboard(client, personas, persona, own):
    client.force_login(getattr(personas, persona))
    for name in ALL_DASHBOARDS:
        if name == own:
            continue
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert "无权访问" in response.content.decode()


def test_it_sends_anonymous_users_to_login(client, db):
    for name in [*ALL_DASHBOARDS, "dashboard"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_it_refuses_an_account_without_a_role(client, personas):
    client.force_login(personas.no_role)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


def test_firm_dashboard_shows_own_firm_and_colleagues_only(client, personas):
    client.force_login(personas.firm_member)
    body = client.get(reverse("firm_dashboard")).content.decode()
    assert personas.firm_member.firm.name in body
    assert personas.colleague.username in body
    assert personas.other_firm_member.username not in body
    assert personas.other_firm_member.firm.name not in body


def test_county_bureau_dashboard_is_scoped_to_its_county(client, personas):
    client.force_login(personas.county_bureau)
    body = client.get(reverse("bureau_dashboard")).content.decode()
    assert "住建局工作台 · 盐湖区" in body
    assert "临猗县" not in body
    client.force_login(personas.city_bureau)
    body = client.get(reverse("bureau_dashboard")).content.decode()
    assert "住建局工作台 · 全市" in body
    assert "临猗县" in body


def test_inactive_user_cannot_reach_a_dashboard(client, personas):
    user = personas.reviewer
    user.is_active = False
    user.save()
    client.force_login(user)
    assert client.get(reverse("reviewer_dashboard")).status_code in (302, 403)


def test_bureau_dashboard_counts_doubtful_buildings_without_conclusion(client, personas):
    import datetime as dt

    from django.utils import timezone

    from reports.assignments import task_create
    from reports.models import AppraisalTask, TaskState
    from tests.factories import BuildingFactory, QualificationFactory

    BuildingFactory(initial_judgement="初判存疑")
    in_progress = task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=None)
    done = task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=None)
    AppraisalTask.objects.filter(pk=done.pk).update(
        state=TaskState.APPROVED, firm=personas.firm_member.firm
    )
    assert in_progress.state == TaskState.OPEN
    QualificationFactory(
        firm=personas.firm_member.firm,
        valid_to=timezone.localdate() + dt.timedelta(days=10),
        certificate_no="即将到期001",
    )
    client.force_login(personas.city_bureau)
    response = client.get(reverse("bureau_dashboard"))
    assert response.context["doubtful_open"] == 2
    assert response.context["doubtful_total"] == 3
    assert "即将到期001" in response.content.decode()
    client.force_login(personas.firm_member)
    assert "即将到期001" in client.get(reverse("firm_dashboard")).content.decode()
    client.force_login(personas.other_firm_member)
    assert "即将到期001" not in client.get(reverse("firm_dashboard")).content.decode()
