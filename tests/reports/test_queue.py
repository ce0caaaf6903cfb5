"""Queue order (DESIGN contract): 初判存疑 first, then the seed's deadline classes, due date, age."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import override_settings

from reports.assignments import task_create
from reports.campaign import plan_task, suggested_appraisal_type
from reports.models import AppraisalTask, AppraisalType
from reports.queue import get_queue_policy, requeue_building
from tests.factories import BuildingFactory, BureauUserFactory

TODAY = dt.date(2026, 9, 1)


def test_deadline_classes_follow_the_seed(db):
    policy = get_queue_policy()
    assert (
        policy.deadline_class_for(
            BuildingFactory(is_business=True, business_use="餐饮", alteration="加建")
        ).code
        == "business_alteration"
    )
    assert (
        policy.deadline_class_for(
            BuildingFactory(is_business=True, business_use="餐饮", floors=3)
        ).code
        == "business_large"
    )
    assert (
        policy.deadline_class_for(
            BuildingFactory(is_business=True, business_use="餐饮", max_span=15)
        ).code
        == "business_large"
    )
    assert (
        policy.deadline_class_for(
            BuildingFactory(is_business=True, business_use="餐饮", is_steel=True)
        ).code
        == "business_large"
    )
    assert (
        policy.deadline_class_for(BuildingFactory(is_business=True, business_use="餐饮")).code
        == "other"
    )
    assert policy.deadline_class_for(BuildingFactory(floors=5)).code == "other"


def test_due_dates_are_the_campaign_dates_then_grace_days():
    policy = get_queue_policy()
    by_code = {c.code: c for c in policy.deadline_classes}
    assert by_code["business_alteration"].due_date(TODAY) == dt.date(2026, 10, 10)
    assert by_code["business_large"].due_date(TODAY) == dt.date(2026, 10, 31)
    assert by_code["business_alteration"].due_date(dt.date(2026, 11, 29)) == dt.date(2026, 12, 14)
    assert by_code["other"].due_date(TODAY) == dt.date(2026, 10, 31)


def test_safety_assessment_is_suggested_for_recent_complete_houses(db):
    recent = BuildingFactory(year_built=2020, procedures_complete=True)
    assert suggested_appraisal_type(recent, TODAY) == AppraisalType.ASSESSMENT
    assert (
        suggested_appraisal_type(BuildingFactory(year_built=2020), TODAY) == AppraisalType.APPRAISAL
    )
    assert (
        suggested_appraisal_type(BuildingFactory(year_built=1990, procedures_complete=True), TODAY)
        == AppraisalType.APPRAISAL
    )


def test_queue_order_puts_doubtful_first_then_deadline_class_then_due_date_then_age(db):
    bureau = BureauUserFactory()

    def make(judgement, **kw):
        return task_create(
            building=BuildingFactory(initial_judgement=judgement, **kw), actor=bureau, today=TODAY
        )

    none_found_urgent = make(
        "未发现安全隐患", is_business=True, business_use="餐饮", alteration="加建"
    )
    serious = make("存在严重安全隐患")
    doubtful_other = make("初判存疑")
    doubtful_large = make("初判存疑", is_business=True, business_use="住宿", floors=4)
    doubtful_urgent = make("初判存疑", is_business=True, business_use="餐饮", alteration="扩建")
    some = make("存在一定安全隐患")
    doubtful_other_later = make("初判存疑")
    doubtful_other_earlier_due = task_create(
        building=BuildingFactory(initial_judgement="初判存疑"),
        actor=bureau,
        today=dt.date(2026, 8, 1),
    )

    order = list(AppraisalTask.objects.in_queue_order().values_list("pk", flat=True))
    assert order == [
        doubtful_urgent.pk,
        doubtful_large.pk,
        doubtful_other_earlier_due.pk,
        doubtful_other.pk,
        doubtful_other_later.pk,
        serious.pk,
        some.pk,
        none_found_urgent.pk,
    ]


def test_queue_policy_is_configuration(db):
    campaign = {**settings.CAMPAIGN}
    campaign["judgement_order"] = [
        "存在严重安全隐患",
        "初判存疑",
        "存在一定安全隐患",
        "未发现安全隐患",
    ]
    with override_settings(CAMPAIGN=campaign):
        plan = plan_task(BuildingFactory(initial_judgement="存在严重安全隐患"), TODAY)
        assert (
            plan.priority < plan_task(BuildingFactory(initial_judgement="初判存疑"), TODAY).priority
        )
    assert plan_task(BuildingFactory(initial_judgement="初判存疑"), TODAY).priority == 2


def test_requeue_after_a_judgement_change(db):
    task = task_create(
        building=BuildingFactory(initial_judgement="未发现安全隐患"), actor=None, today=TODAY
    )
    building = task.building
    building.initial_judgement = "初判存疑"
    building.save()
    assert requeue_building(building) == 1
    task.refresh_from_db()
    assert task.priority == get_queue_policy().priority("初判存疑", task.deadline_class)
