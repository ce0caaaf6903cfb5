"""Control (管控), rectification (整治) and re-inspection (复核) services."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from buildings.control import (
    ControlError,
    control_lift,
    measure_record,
    patrol_record,
    rectification_save,
    reinspection_record,
    uncontrolled,
)
from buildings.models import Building, ControlMeasure, Judgement
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def png(name: str = "现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def d_building(**kw) -> Building:
    return BuildingFactory(
        appraisal_grade="D", control_required=True, control_required_since=dt.date(2025, 1, 2), **kw
    )


def measure(building, user, **kw):
    args = {
        "kind": "停止使用",
        "started_on": timezone.localdate(),
        "responsible": "李四",
        "photos": [png()],
    }
    return measure_record(building=building, actor=user, **{**args, **kw})


def plan(building, user, progress="已整治", **kw):
    args = {
        "measure": "维修加固",
        "department": "盐湖区住建局",
        "responsible": "王五",
        "deadline": dt.date(2030, 6, 30),
    }
    return rectification_save(building=building, actor=user, progress=progress, **{**args, **kw})


def reinspect(building, user):
    return reinspection_record(
        building=building,
        inspected_on=timezone.localdate(),
        inspector="赵六",
        finding="加固到位，可解除管控",
        actor=user,
    )


def test_the_control_rule(personas):
    d = d_building()
    serious = BuildingFactory(initial_judgement=Judgement.SERIOUS)
    BuildingFactory(initial_judgement=Judgement.SOME)
    BuildingFactory(appraisal_grade="B")
    assert set(Building.objects.requiring_control()) == {d, serious}
    assert d.requires_control and serious.requires_control
    assert set(uncontrolled(Building.objects.all())) == {d, serious}
    measure(d, personas.city_bureau)
    assert set(uncontrolled(Building.objects.all())) == {serious}


def test_measure_is_recorded_with_who_when_and_stripped_photos(personas):
    b = d_building()
    m = measure(b, personas.city_bureau, kind="其他", detail="拉设警戒线")
    assert m.recorded_by == personas.city_bureau and m.recorded_at is not None
    assert m.is_active and len(m.photos) == 1
    assert m.photos[0]["image"].startswith(f"control/{b.pk}/images/")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"kind": "关门"}, "请选择平台列出的管控措施"),
        ({"kind": "其他"}, "须填写措施说明"),
        ({"responsible": " "}, "请填写管控责任人"),
        ({"photos": []}, "至少一张"),
        ({"started_on": dt.date(2999, 1, 1)}, "不能晚于今天"),
        (
            {"photos": [SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image")]},
            "不是JPEG或PNG照片",
        ),
    ],
)
def test_measure_refusals(personas, kw, message):
    b = d_building()
    with pytest.raises(ControlError, match=message):
        measure(b, personas.city_bureau, **kw)
    assert not ControlMeasure.objects.exists()


def test_measure_refused_for_a_building_without_control(personas):
    b = BuildingFactory(appraisal_grade="B")
    with pytest.raises(ControlError, match="无需管控"):
        measure(b, personas.city_bureau)


def test_patrol_is_recorded(personas):
    b = d_building()
    p = patrol_record(
        building=b,
        patrolled_on=timezone.localdate(),
        inspector="巡查员",
        finding="无人员回流",
        photos=[png()],
        actor=personas.county_bureau,
    )
    assert p.recorded_by == personas.county_bureau and len(p.photos) == 1
    with pytest.raises(ControlError, match="请填写巡查情况"):
        patrol_record(
            building=b,
            patrolled_on=timezone.localdate(),
            inspector="巡查员",
            finding="",
            photos=[],
            actor=personas.county_bureau,
        )


def test_lift_is_refused_until_rectified_and_reinspected(personas):
    user = personas.city_bureau
    b = d_building()
    with pytest.raises(ControlError, match="没有在控的管控措施"):
        control_lift(building=b, actor=user)
    measure(b, user)
    with pytest.raises(ControlError, match="尚未制定整治方案"):
        control_lift(building=b, actor=user)
    plan(b, user, progress="整治中")
    with pytest.raises(ControlError, match="整治尚未完成（当前进度：整治中）"):
        control_lift(building=b, actor=user)
    with pytest.raises(ControlError, match="不能录入复核"):
        reinspect(b, user)
    rect = plan(b, user)
    assert rect.completed_at is not None and rect.updated_by == user
    with pytest.raises(ControlError, match="尚未录入复核记录"):
        control_lift(building=b, actor=user)
    reinspect(b, user)

    assert control_lift(building=b, actor=user) == 1
    b.refresh_from_db()
    assert not b.control_required and not b.requires_control
    m = b.measures.get()
    assert m.ended_on == timezone.localdate() and m.lifted_by == user and m.lifted_at


def test_reopened_rectification_needs_a_new_reinspection(personas):
    user = personas.city_bureau
    b = d_building()
    measure(b, user)
    plan(b, user)
    reinspect(b, user)
    plan(b, user, progress="整治中")
    first_done = plan(b, user).completed_at
    assert first_done is not None
    with pytest.raises(ControlError, match="尚未录入复核记录"):
        control_lift(building=b, actor=user)
    reinspect(b, user)
    control_lift(building=b, actor=user)


def test_lifting_a_serious_judgement_building_ends_its_requirement(personas):
    user = personas.city_bureau
    b = BuildingFactory(initial_judgement=Judgement.SERIOUS)
    measure(b, user)
    plan(b, user, measure="拆除重建", illegal_action="全部拆除")
    reinspect(b, user)
    control_lift(building=b, actor=user)
    assert not b.requires_control
    assert not uncontrolled(Building.objects.all()).exists()


def test_plan_other_needs_detail(personas):
    b = d_building()
    with pytest.raises(ControlError, match="须填写措施说明"):
        plan(b, personas.city_bureau, illegal_action="其他")
    with pytest.raises(ControlError, match="违法建设查处"):
        plan(b, personas.city_bureau, illegal_action="拘留")
