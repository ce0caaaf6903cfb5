"""Bureau control screens: scope, form errors in Chinese, lifting, the uncontrolled list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from buildings.control import measure_record, rectification_save, reinspection_record
from buildings.models import ControlMeasure, Judgement, Patrol, Rectification
from tests.buildings.test_control import png
from tests.factories import BuildingFactory, county

pytestmark = pytest.mark.django_db


def d_building(**kw):
    return BuildingFactory(appraisal_grade="D", control_required=True, **kw)


def linyi_d(**kw):
    return d_building(county=county("140821"), building_no=kw.pop("no", "140821-000001"), **kw)


def url(b):
    return reverse("building_control", args=[b.pk])


def test_control_page_is_bureau_only_and_scoped(client, personas):
    b = linyi_d()
    for user in (personas.firm_member, personas.reviewer):
        client.force_login(user)
        assert client.get(url(b)).status_code == 403
    client.force_login(personas.county_bureau)
    assert client.get(url(b)).status_code == 404
    assert client.post(url(b), {"action": "lift"}).status_code == 404
    for user in (personas.other_county_bureau, personas.city_bureau, personas.admin):
        client.force_login(user)
        assert client.get(url(b)).status_code == 200


def test_record_measure_and_patrol_through_the_page(client, personas):
    b = d_building()
    client.force_login(personas.county_bureau)
    today = timezone.localdate().isoformat()
    r = client.post(
        url(b),
        {
            "action": "measure",
            "kind": "封控警示",
            "started_on": today,
            "responsible": "李四",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    assert r.status_code == 302
    m = ControlMeasure.objects.get(building=b)
    assert m.kind == "封控警示" and len(m.photos) == 2 and m.recorded_by == personas.county_bureau
    r = client.post(
        url(b),
        {"action": "patrol", "patrolled_on": today, "inspector": "巡查员", "finding": "无回流"},
    )
    assert r.status_code == 302 and Patrol.objects.filter(building=b).count() == 1
    body = client.get(url(b)).content.decode()
    assert "封控警示" in body and "无回流" in body
    photo = reverse("control_photo", args=["measure", m.pk, 1])
    assert client.get(photo).status_code == 200
    assert client.get(reverse("control_photo", args=["measure", m.pk, 2])).status_code == 404
    client.force_login(personas.other_county_bureau)
    assert client.get(photo).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "measure", "kind": "停止使用", "responsible": "李四"}, "请填写日期"),
        (
            {"action": "measure", "kind": "停止使用", "started_on": "昨天", "responsible": "李四"},
            "日期格式不正确",
        ),
        ({"action": "measure", "kind": "拆房", "started_on": "2025-01-01"}, "请选择平台列出的"),
        (
            {
                "action": "measure",
                "kind": "停止使用",
                "started_on": "2025-01-01",
                "responsible": "李",
            },
            "请上传至少一张",
        ),
        (
            {
                "action": "measure",
                "kind": "停止使用",
                "started_on": "2025-01-01",
                "responsible": "李",
                "photos": [SimpleUploadedFile("x.jpg", b"not an image")],
            },
            "不是JPEG或PNG照片",
        ),
        ({"action": "rectification", "measure": "维修加固", "progress": "完了"}, "请选择整治进度"),
        ({"action": "reinspection", "inspected_on": "2025-01-01"}, "请填写复核人"),
        (
            {
                "action": "reinspection",
                "inspected_on": "2025-01-01",
                "reinspector": "赵",
                "reinspection_finding": "好",
            },
            "整治尚未完成",
        ),
    ],
)
def test_bad_input_gives_chinese_form_errors(client, personas, data, message):
    b = d_building()
    client.force_login(personas.city_bureau)
    r = client.post(url(b), data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not ControlMeasure.objects.exists() and not Rectification.objects.exists()


def test_unknown_action_is_refused(client, personas):
    b = d_building()
    client.force_login(personas.city_bureau)
    r = client.post(url(b), {"action": "drop"}, follow=True)
    assert "未知操作" in r.content.decode()


def test_lift_refused_then_allowed(client, personas):
    user = personas.city_bureau
    b = d_building()
    measure_record(
        building=b,
        kind="停止使用",
        started_on=timezone.localdate(),
        responsible="李四",
        photos=[png()],
        actor=user,
    )
    client.force_login(user)
    r = client.post(url(b), {"action": "lift"}, follow=True)
    assert "不能解除管控：尚未制定整治方案" in r.content.decode()
    rectification_save(
        building=b,
        measure="维修加固",
        department="住建局",
        responsible="王五",
        deadline=dt.date(2030, 1, 1),
        progress="已整治",
        actor=user,
    )
    r = client.post(url(b), {"action": "lift"}, follow=True)
    assert "整治完成后尚未录入复核记录" in r.content.decode()
    reinspection_record(
        building=b, inspected_on=timezone.localdate(), inspector="赵", finding="合格", actor=user
    )
    r = client.post(url(b), {"action": "lift"}, follow=True)
    assert "已解除管控" in r.content.decode()
    b.refresh_from_db()
    assert not b.control_required
    assert ControlMeasure.objects.get().ended_on == timezone.localdate()


def test_rectification_form_creates_then_updates(client, personas):
    b = d_building()
    client.force_login(personas.city_bureau)
    data = {
        "action": "rectification",
        "measure": "拆除重建",
        "illegal_action": "部分拆除",
        "department": "盐湖区住建局",
        "rect_responsible": "王五",
        "deadline": "2030-06-30",
        "progress": "待整治",
    }
    assert client.post(url(b), data).status_code == 302
    assert client.post(url(b), {**data, "progress": "整治中"}).status_code == 302
    plan = Rectification.objects.get(building=b)
    assert plan.progress == "整治中" and plan.illegal_action == "部分拆除"


def test_building_detail_shows_the_panel(client, personas):
    b = d_building()
    client.force_login(personas.city_bureau)
    body = client.get(reverse("building_detail", args=[b.pk])).content.decode()
    assert 'data-panel="control"' in body and url(b) in body
    assert 'data-requires-control="1"' in body


def test_uncontrolled_list_and_dashboard_count_are_scoped(client, personas):
    d_building(building_no="140802-000001")
    BuildingFactory(building_no="140802-000002", initial_judgement=Judgement.SERIOUS)
    BuildingFactory(building_no="140802-000003")
    linyi_d(no="140821-000009")
    client.force_login(personas.county_bureau)
    body = client.get(reverse("uncontrolled_list")).content.decode()
    assert "140802-000001" in body and "140802-000002" in body
    assert "140802-000003" not in body and "140821-000009" not in body
    r = client.get(reverse("bureau_dashboard"))
    assert r.context["uncontrolled"] == 2
    assert reverse("uncontrolled_list") in r.content.decode()
    client.force_login(personas.city_bureau)
    assert client.get(reverse("bureau_dashboard")).context["uncontrolled"] == 3
    client.force_login(personas.firm_member)
    assert client.get(reverse("uncontrolled_list")).status_code == 403


def test_uncontrolled_list_query_count_is_constant(client, personas):
    client.force_login(personas.city_bureau)

    def queries(n):
        for _ in range(n):
            d_building()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(reverse("uncontrolled_list"))
        assert r.status_code == 200
        return len(ctx.captured_queries)

    few = queries(2)
    assert queries(18) == few  # 20 rows now


def test_control_page_query_count_is_constant(client, personas):
    user = personas.city_bureau
    b = d_building()
    client.force_login(user)

    def add(n):
        for _ in range(n):
            ControlMeasure.objects.create(
                building=b,
                kind="停止使用",
                started_on=timezone.localdate(),
                responsible="李四",
                recorded_by=user,
            )
            Patrol.objects.create(
                building=b,
                patrolled_on=timezone.localdate(),
                inspector="巡",
                finding="无",
                recorded_by=user,
            )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(b)).status_code == 200
        return len(ctx.captured_queries)

    few = add(2)
    assert add(18) == few
