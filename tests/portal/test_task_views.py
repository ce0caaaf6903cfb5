"""Bureau task screens and the firm's queue screens."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.assignments import task_assign, task_create
from reports.models import AppraisalTask, TaskState
from tests.factories import BuildingFactory, FirmMemberFactory, county, qualified_firm


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_assign_offers_only_eligible_firms_and_audits(client, personas):
    eligible = qualified_firm("140802", name="甲鉴定公司")
    qualified_firm("140821", name="乙鉴定公司")
    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    client.force_login(personas.city_bureau)
    body = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert f'value="{eligible.pk}"' in body
    assert "未登记服务盐湖区" in body
    response = client.post(
        reverse("task_assign", args=[task.pk]),
        {"firm": eligible.pk, "version": task.version},
        follow=True,
    )
    assert "已派单给甲鉴定公司" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and task.firm == eligible


def test_a_stale_assign_form_is_a_conflict_message(client, personas):
    firm = qualified_firm("140802")
    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    client.force_login(personas.city_bureau)
    response = client.post(
        reverse("task_assign", args=[task.pk]),
        {"firm": firm.pk, "version": task.version - 1},
        follow=True,
    )
    assert "刷新页面后重试" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_county_staff_cannot_touch_another_county(client, personas):
    task = task_create(
        building=BuildingFactory(county=county("140821"), building_no="140821-000001"), actor=None
    )
    client.force_login(personas.county_bureau)
    assert client.get(reverse("task_detail", args=[task.pk])).status_code == 404
    firm = qualified_firm("140821")
    assert client.post(reverse("task_assign", args=[task.pk]), {"firm": firm.pk}).status_code == 404


def test_task_list_query_count_is_constant(client, personas):
    firm = qualified_firm("140802")
    client.force_login(personas.city_bureau)
    for _ in range(2):
        task_assign(
            task=task_create(building=BuildingFactory(), actor=None),
            firm=firm,
            actor=personas.city_bureau,
        )
    small = queries(client, reverse("task_list"))
    for _ in range(30):
        task_create(building=BuildingFactory(), actor=None)
    assert queries(client, reverse("task_list")) == small


def test_deadlines_by_county_and_firm(client, personas):
    firm = qualified_firm("140802", name="逾期公司")
    old = task_create(building=BuildingFactory(), actor=None, today=dt.date(2020, 1, 1))
    task_assign(task=old, firm=firm, actor=personas.city_bureau)
    client.force_login(personas.city_bureau)
    body = client.get(reverse("task_deadlines")).content.decode()
    assert "盐湖区" in body and "逾期公司" in body
    overdue = client.get(reverse("task_list"), {"deadline": "overdue"})
    assert [t.pk for t in overdue.context["page_obj"]] == [old.pk]


def test_firm_sees_offered_task_first_and_accepts(client, personas):
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    task = task_assign(
        task=task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=None),
        firm=member.firm,
        actor=personas.city_bureau,
    )
    client.force_login(member)
    response = client.get(reverse("firm_tasks"))
    assert [t.pk for t in response.context["offered"]] == [task.pk]
    client.post(reverse("firm_task_accept", args=[task.pk]))
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED


def test_pool_is_in_queue_order_and_claim_next_takes_the_head(client, personas):
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    plain = task_create(building=BuildingFactory(), actor=None)
    doubtful = task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=None)
    client.force_login(member)
    pool = client.get(reverse("firm_tasks")).context["pool"]
    assert [t.pk for t in pool] == [doubtful.pk, plain.pk]
    response = client.post(reverse("firm_claim_next"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("firm_task_detail", args=[doubtful.pk])
    assert AppraisalTask.objects.get(pk=doubtful.pk).firm == member.firm


def test_firm_queue_query_count_is_constant(client, personas):
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    client.force_login(member)
    for _ in range(2):
        task_create(building=BuildingFactory(), actor=None)
    small = queries(client, reverse("firm_tasks"))
    for _ in range(30):
        task_create(building=BuildingFactory(), actor=None)
    for _ in range(5):
        task_assign(
            task=task_create(building=BuildingFactory(), actor=None),
            firm=member.firm,
            actor=personas.city_bureau,
        )
    assert queries(client, reverse("firm_tasks")) == small


def test_firm_cannot_see_another_firms_task(client, personas):
    other = qualified_firm("140802")
    task = task_assign(
        task=task_create(building=BuildingFactory(), actor=None),
        firm=other,
        actor=personas.city_bureau,
    )
    client.force_login(personas.firm_member)
    assert client.get(reverse("firm_task_detail", args=[task.pk])).status_code == 404
    assert client.post(reverse("firm_task_accept", args=[task.pk])).status_code == 404


def test_decline_needs_a_reason(client, personas):
    member = FirmMemberFactory(firm=qualified_firm("140802"))
    task = task_assign(
        task=task_create(building=BuildingFactory(), actor=None),
        firm=member.firm,
        actor=personas.city_bureau,
    )
    client.force_login(member)
    response = client.post(
        reverse("firm_task_decline", args=[task.pk]), {"reason": ""}, follow=True
    )
    assert "须填写原因" in response.content.decode()
    client.post(reverse("firm_task_decline", args=[task.pk]), {"reason": "人手不足"})
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.firm is None
