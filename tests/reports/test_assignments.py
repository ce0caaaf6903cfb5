"""Task transitions: every change audited, stale changes refused, claims in queue order."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.assignments import (
    TaskConflict,
    TaskError,
    task_accept,
    task_assign,
    task_claim,
    task_claim_next,
    task_create,
    task_decline,
    task_withdraw,
    tasks_create_bulk,
)
from reports.models import AppraisalTask, AppraisalType, TaskState
from tests.factories import (
    BuildingFactory,
    BureauUserFactory,
    FirmMemberFactory,
    county,
    qualified_firm,
)

ON = dt.date(2026, 11, 29)


@pytest.fixture
def bureau(db):
    return BureauUserFactory()


@pytest.fixture
def member(db):
    return FirmMemberFactory(firm=qualified_firm("140802"))


def history(task):
    return [(t.from_state, t.to_state, t.reason) for t in task.transitions.all()]


def test_offer_accept_is_audited(bureau, member):
    task = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=task, firm=member.firm, actor=bureau, on=ON)
    task_accept(task=task, user=member)
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED and task.firm == member.firm and task.version == 3
    assert history(task) == [
        ("", "open", "创建任务"),
        ("open", "offered", "派单"),
        ("offered", "accepted", "接受任务"),
    ]
    actors = [t.actor for t in task.transitions.all()]
    assert actors == [bureau, bureau, member]


def test_decline_returns_the_task_to_the_pool_with_the_reason(bureau, member):
    task = task_assign(
        task=task_create(building=BuildingFactory(), actor=bureau),
        firm=member.firm,
        actor=bureau,
        on=ON,
    )
    with pytest.raises(TaskError, match="原因"):
        task_decline(task=task, user=member, reason=" ")
    task_decline(task=task, user=member, reason="人员不足")
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.firm is None
    assert history(task)[-1] == ("offered", "open", "人员不足")


def test_another_firm_cannot_accept(bureau, member):
    task = task_assign(
        task=task_create(building=BuildingFactory(), actor=bureau),
        firm=member.firm,
        actor=bureau,
        on=ON,
    )
    outsider = FirmMemberFactory(firm=qualified_firm("140802"))
    with pytest.raises(TaskError, match="未派给您的机构"):
        task_accept(task=task, user=outsider)


def test_a_stale_copy_is_refused_as_a_conflict(bureau, member):
    task = task_create(building=BuildingFactory(), actor=bureau)
    stale = AppraisalTask.objects.get(pk=task.pk)
    task_assign(task=task, firm=member.firm, actor=bureau, on=ON)
    task_withdraw(task=task, actor=bureau, reason="重新安排")
    assert task.state == TaskState.OPEN  # same state as the stale copy, newer version
    with pytest.raises(TaskConflict, match="刷新"):
        task_assign(task=stale, firm=member.firm, actor=bureau, on=ON)


def test_one_active_task_per_building(bureau):
    building = BuildingFactory()
    task_create(building=building, actor=bureau)
    with pytest.raises(TaskError, match="已有未办结"):
        task_create(building=building, actor=bureau)


def test_type_override_needs_a_reason(bureau):
    building = BuildingFactory(year_built=2021, procedures_complete=True)
    with pytest.raises(TaskError, match="理由"):
        task_create(building=building, actor=bureau, appraisal_type=AppraisalType.APPRAISAL)
    task = task_create(
        building=building,
        actor=bureau,
        appraisal_type=AppraisalType.APPRAISAL,
        override_reason="有加建",
    )
    assert task.suggested_type == AppraisalType.ASSESSMENT
    assert task.appraisal_type == AppraisalType.APPRAISAL and task.type_override_reason == "有加建"


def test_bulk_create_skips_buildings_with_an_active_task(bureau):
    buildings = [BuildingFactory() for _ in range(5)]
    task_create(building=buildings[0], actor=bureau)
    assert tasks_create_bulk(buildings=buildings, actor=bureau) == (4, 1)
    assert AppraisalTask.objects.count() == 5
    assert all(t.transitions.count() == 1 for t in AppraisalTask.objects.all())


def test_claim_next_takes_the_first_eligible_task_in_queue_order(bureau, member):
    out_of_county = BuildingFactory(
        building_no="140821-000009", county=county("140821"), initial_judgement="初判存疑"
    )
    task_create(building=out_of_county, actor=bureau)
    later = task_create(
        building=BuildingFactory(initial_judgement="存在严重安全隐患"), actor=bureau
    )
    first = task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=bureau)
    assert task_claim_next(user=member, on=ON) == first
    assert task_claim_next(user=member, on=ON) == later
    assert task_claim_next(user=member, on=ON) is None
    first.refresh_from_db()
    assert first.state == TaskState.ACCEPTED and first.firm == member.firm


def test_claim_next_respects_capacity(bureau):
    member = FirmMemberFactory(firm=qualified_firm("140802", max_open_tasks=1))
    for _ in range(3):
        task_create(building=BuildingFactory(), actor=bureau)
    assert task_claim_next(user=member, on=ON) is not None
    assert task_claim_next(user=member, on=ON) is None


def test_claiming_a_taken_task_is_a_conflict(bureau, member):
    task = task_create(building=BuildingFactory(), actor=bureau)
    other = FirmMemberFactory(firm=qualified_firm("140802"))
    task_claim(task=task, user=other, on=ON)
    with pytest.raises(TaskConflict, match="已被其他机构领取"):
        task_claim(task=task, user=member, on=ON)


def test_only_firm_members_claim(bureau):
    task_create(building=BuildingFactory(), actor=bureau)
    with pytest.raises(TaskError, match="只有鉴定机构人员"):
        task_claim_next(user=bureau, on=ON)


def test_close_only_after_approval(bureau, member):
    from reports.assignments import task_close

    task = task_create(building=BuildingFactory(), actor=bureau)
    with pytest.raises(TaskError, match="不能执行此操作"):
        task_close(task=task, actor=bureau)
    AppraisalTask.objects.filter(pk=task.pk).update(state=TaskState.APPROVED, firm=member.firm)
    task.refresh_from_db()
    task_close(task=task, actor=bureau, reason="整治完成")
    task.refresh_from_db()
    assert task.state == TaskState.CLOSED
    assert history(task)[-1] == ("approved", "closed", "整治完成")
