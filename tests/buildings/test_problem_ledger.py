"""Registered problems (挂号), closing (销号) and the building ledger (一栋一台账)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings

from buildings.models import Problem, ProblemEvent, Referral
from buildings.problem_ledger import (
    ProblemError,
    building_timeline,
    close_refusal,
    problem_close,
    register_from_report,
)
from tests.buildings.problem_helpers import (
    accepted_version,
    finish,
    linyi_building,
    receive,
    rectify,
    refer,
    register,
    reinspect,
    today,
)
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def test_register_stores_code_numbers_per_county_and_audits(personas):
    user = personas.county_bureau
    b1, b2 = BuildingFactory(), BuildingFactory()
    p1 = register(b1, user)
    p2 = register(b2, user, category="illegal_business")
    other = register(linyi_building(), personas.city_bureau)
    year = today().year
    assert p1.category == "fire_safety" and p1.category_label == "消防安全隐患"
    assert p1.register_no == f"140802-{year}-0001" and p2.register_no == f"140802-{year}-0002"
    assert other.register_no == f"140821-{year}-0001"
    assert p1.status == "已挂号" and p1.registered_by == user
    event = ProblemEvent.objects.get(problem=p1)
    assert event.action == "挂号" and event.actor == user and "消防安全隐患" in event.detail


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"category": "消防安全隐患"}, "请选择平台列出的问题类别"),
        ({"category": "mould"}, "请选择平台列出的问题类别"),
        ({"source": "举报"}, "请选择问题来源"),
        ({"description": "  "}, "请填写问题描述"),
        ({"responsible_name": ""}, "请填写责任主体"),
        ({"requirement": " "}, "请填写整改要求"),
        ({"found_on": dt.date(2999, 1, 1)}, "发现日期不能晚于今天"),
        ({"deadline": dt.date(2000, 1, 1)}, "整改期限不能早于发现日期"),
    ],
)
def test_register_refusals(personas, kw, message):
    with pytest.raises(ProblemError, match=message):
        register(BuildingFactory(), personas.city_bureau, **kw)
    assert not Problem.objects.exists() and not ProblemEvent.objects.exists()


def test_categories_come_from_settings(personas):
    campaign = {
        **settings.CAMPAIGN,
        "problem_categories": [{"code": "mould", "label": "霉变", "department": "住建部门"}],
    }
    with override_settings(CAMPAIGN=campaign):
        p = register(BuildingFactory(), personas.city_bureau, category="mould")
        assert p.category_label == "霉变"
        with pytest.raises(ProblemError, match="问题类别"):
            register(BuildingFactory(), personas.city_bureau, category="fire_safety")


def test_one_open_problem_per_building_and_category(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    first = register(b, user)
    with pytest.raises(
        ProblemError, match=f"已有未销号的“消防安全隐患”问题（挂号编号 {first.register_no}"
    ):
        register(b, user)
    register(b, user, category="illegal_construction")  # another category is fine
    reinspect_after_rectify(b, user)
    problem_close(problem=first, actor=user)
    again = register(b, user)  # closing frees the slot
    assert again.pk != first.pk and Problem.objects.filter(building=b).count() == 3


def reinspect_after_rectify(building, user):
    rectify(building, user)
    return reinspect(building, user)


# ---------------------------------------------------------------- 销号


def test_close_refused_before_reinspection_and_says_why(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    assert close_refusal(p) == "不能销号：挂号后尚未录入复核记录。"
    with pytest.raises(ProblemError, match="挂号后尚未录入复核记录"):
        problem_close(problem=p, actor=user)
    p.refresh_from_db()
    assert p.status == "已挂号" and p.closed_on is None
    assert not ProblemEvent.objects.filter(problem=p, action="销号").exists()


def test_a_reinspection_recorded_before_registration_does_not_count(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    reinspect_after_rectify(b, user)
    p = register(b, user)
    assert close_refusal(p) == "不能销号：挂号后尚未录入复核记录。"
    reinspect(b, user)
    assert close_refusal(p) is None


def test_close_allowed_after_reinspection_and_audited(personas):
    user = personas.county_bureau
    b = BuildingFactory()
    p = register(b, user)
    reinspect_after_rectify(b, user)
    closed = problem_close(problem=p, actor=user, note="复核合格")
    assert closed.status == "已销号" and closed.closed_by == user
    assert closed.closed_on == today() and closed.closing_note == "复核合格"
    assert list(p.events.values_list("action", flat=True)) == ["挂号", "销号"]
    with pytest.raises(ProblemError, match="该问题已销号"):
        problem_close(problem=p, actor=user)


def test_close_date_checks(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    reinspect_after_rectify(b, user)
    with pytest.raises(ProblemError, match="销号日期不能晚于今天"):
        problem_close(problem=p, actor=user, closed_on=dt.date(2999, 1, 1))
    with pytest.raises(ProblemError, match="销号日期不能早于挂号日期"):
        problem_close(problem=p, actor=user, closed_on=dt.date(2000, 1, 1))


def test_house_safety_needs_rectification_done_then_reinspection(personas):
    user = personas.city_bureau
    b = BuildingFactory(appraisal_grade="D", control_required=True)
    p = register(b, user, category="house_safety", description="D级危房")
    assert close_refusal(p) == "不能销号：房屋安全隐患尚未制定整治方案。"
    rectify(b, user, progress="整治中")
    assert close_refusal(p) == "不能销号：房屋整治尚未完成（当前进度：整治中）。"
    with pytest.raises(ProblemError, match="整治尚未完成"):
        problem_close(problem=p, actor=user)
    rectify(b, user, progress="已整治")
    assert close_refusal(p) == "不能销号：整治完成后尚未录入复核记录。"
    reinspect(b, user)
    assert close_refusal(p) is None
    # Re-opening the rectification takes the permission away again.
    rectify(b, user, progress="整治中")
    assert "整治尚未完成" in close_refusal(p)
    rectify(b, user, progress="已整治")
    assert close_refusal(p) == "不能销号：整治完成后尚未录入复核记录。"
    reinspect(b, user)
    problem_close(problem=p, actor=user)
    assert Problem.objects.get(pk=p.pk).status == "已销号"


def test_other_categories_do_not_need_rectification_done(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user, category="illegal_business")
    rectify(b, user)
    reinspect(b, user)
    rectify(b, user, progress="整治中")  # a later plan change does not matter here
    assert close_refusal(p) is None


def test_referred_problem_needs_handling_done(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    r = refer(p, user)
    reinspect_after_rectify(b, user)
    p.refresh_from_db()
    assert close_refusal(p) == "不能销号：移送消防救援机构的问题尚未办结（当前：待接收）。"
    receive(r, user)
    p = Problem.objects.get(pk=p.pk)
    assert close_refusal(p) == "不能销号：移送消防救援机构的问题尚未办结（当前：已接收）。"
    with pytest.raises(ProblemError, match="尚未办结"):
        problem_close(problem=p, actor=user)
    finish(Referral.objects.get(pk=r.pk), user)
    p = Problem.objects.get(pk=p.pk)
    assert close_refusal(p) is None
    problem_close(problem=p, actor=user)
    assert Problem.objects.get(pk=p.pk).status == "已销号"


# ---------------------------------------------------------------- from an accepted report


@pytest.mark.parametrize("grade", ["C", "D", "d"])
def test_register_from_report_registers_house_safety_once(personas, grade):
    user = personas.city_bureau
    b = BuildingFactory(owner="李四", owner_phone="13900000000")
    version = accepted_version(b, user, grade=grade)
    p = register_from_report(version, user)
    assert p is not None and p.category == "house_safety" and p.source == "鉴定"
    assert f"{grade.upper()}级" in p.description and "建议拆除重建" in p.description
    assert p.responsible_name == "李四" and p.responsible_contact == "13900000000"
    assert "YC-2025-001" in p.source_note and p.registered_by == user
    assert register_from_report(version, user) == p
    assert Problem.objects.filter(building=b).count() == 1


@pytest.mark.parametrize("grade", ["A", "B", "", None])
def test_register_from_report_ignores_a_and_b(personas, grade):
    version = accepted_version(BuildingFactory(), personas.city_bureau, grade=grade)
    assert register_from_report(version, personas.city_bureau) is None
    assert not Problem.objects.exists()


def test_register_from_report_reuses_an_open_manual_registration(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    manual = register(b, user, category="house_safety")
    assert register_from_report(accepted_version(b, user), user) == manual


# ---------------------------------------------------------------- 一栋一台账


def test_timeline_is_in_date_order(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user, found_on=today() - dt.timedelta(days=5))
    r = refer(p, user, referred_on=today())
    receive(r, user)
    finish(Referral.objects.get(pk=r.pk), user)
    rectify(b, user)
    reinspect(b, user)
    problem_close(problem=Problem.objects.get(pk=p.pk), actor=user)
    kinds = [e.kind for e in building_timeline(b)]
    assert kinds == ["挂号", "移送", "接收", "办结", "整治方案", "整治完成", "复核", "销号"]
    days = [e.day for e in building_timeline(b)]
    assert days == sorted(days)
    other = BuildingFactory()
    assert building_timeline(other) == []


# ---------------------------------------------------------------- demo


def test_seed_demo_shows_every_state_and_is_idempotent(personas):
    from buildings.demo_problems import seed_demo

    for _ in range(3):
        BuildingFactory(is_business=True, business_use="餐饮")
    BuildingFactory()
    BuildingFactory(initial_judgement="存在严重安全隐患")
    d = BuildingFactory(appraisal_grade="D")
    version = accepted_version(d, personas.city_bureau, grade="D")
    # The workflow may already have registered the accepted report's problem.
    register_from_report(version, personas.city_bureau)
    linyi_building()
    made = seed_demo(bureau=personas.city_bureau)
    assert len(made) == 7
    statuses = sorted(p.status for p in Problem.objects.all())
    assert statuses.count("已销号") == 1 and statuses.count("已移送") == 3
    handling = sorted(Referral.objects.values_list("status", flat=True))
    assert handling == ["处理中", "已办结", "待接收", "待接收"]
    assert Problem.objects.filter(building=d, category="house_safety").exists()
    assert seed_demo(bureau=personas.city_bureau) == []
    assert Problem.objects.count() == 7
