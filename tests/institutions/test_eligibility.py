"""The one rule: may this firm take this building's task on this date."""

from __future__ import annotations

import datetime as dt

import pytest

from institutions.eligibility import firm_capabilities, firm_capability
from institutions.models import Qualification
from reports.assignments import TaskError, task_assign, task_create
from reports.models import AppraisalTask, TaskState
from tests.factories import (
    AppraisalFirmFactory,
    BuildingFactory,
    BureauUserFactory,
    QualificationFactory,
    county,
    qualified_firm,
)

ON = dt.date(2026, 11, 29)


def codes(firm, building, on=ON):
    return [r.code for r in firm_capability(firm, on).refusals(building)]


def test_a_qualified_serving_firm_may_take_the_task(db):
    assert codes(qualified_firm("140802"), BuildingFactory()) == []


def test_expired_or_not_yet_valid_qualification_does_not_count(db):
    firm = AppraisalFirmFactory()
    firm.counties.add(county("140802"))
    QualificationFactory(firm=firm, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2026, 11, 28))
    assert codes(firm, BuildingFactory()) == ["no_qualification"]
    QualificationFactory(firm=firm, valid_from=dt.date(2026, 12, 1), valid_to=dt.date(2030, 1, 1))
    assert codes(firm, BuildingFactory()) == ["no_qualification"]
    assert codes(firm, BuildingFactory(), on=dt.date(2026, 12, 1)) == []


def test_scope_must_cover_the_structure_type(db):
    firm = AppraisalFirmFactory()
    firm.counties.add(county("140802"))
    QualificationFactory(firm=firm, scopes=["主体结构"])
    assert codes(firm, BuildingFactory(structure_type="砖混结构")) == []
    refusals = firm_capability(firm, ON).refusals(BuildingFactory(structure_type="钢结构"))
    assert [r.code for r in refusals] == ["scope"]
    assert "钢结构" in refusals[0].message


def test_suspended_or_removed_firm_is_refused_with_the_reason(db):
    firm = qualified_firm("140802")
    QualificationFactory(
        firm=firm,
        kind=Qualification.Kind.REGISTRY,
        scopes=[],
        status=Qualification.Status.SUSPENDED,
        status_reason="报告弄虚作假",
    )
    refusals = firm_capability(firm, ON).refusals(BuildingFactory())
    assert [r.code for r in refusals] == ["barred"]
    assert "暂停" in refusals[0].message and "弄虚作假" in refusals[0].message


def test_bar_ends_on_its_date(db):
    firm = qualified_firm("140802")
    QualificationFactory(
        firm=firm,
        kind=Qualification.Kind.REGISTRY,
        status=Qualification.Status.REMOVED,
        status_reason="转包",
        barred_until=dt.date(2026, 6, 30),
    )
    assert codes(firm, BuildingFactory()) == []


def test_firm_must_serve_the_county(db):
    firm = qualified_firm("140821")
    refusals = firm_capability(firm, ON).refusals(BuildingFactory())
    assert [r.code for r in refusals] == ["county"]
    assert "盐湖区" in refusals[0].message


def test_capacity_counts_offered_accepted_and_returned_work(db):
    firm = qualified_firm("140802", max_open_tasks=2)
    bureau = BureauUserFactory()
    for _ in range(2):
        task_assign(
            task=task_create(building=BuildingFactory(), actor=bureau),
            firm=firm,
            actor=bureau,
            on=ON,
        )
    refusals = firm_capability(firm, ON).refusals(BuildingFactory())
    assert [r.code for r in refusals] == ["capacity"]
    assert "2/2" in refusals[0].message
    # Work already held (e.g. submitting its report) is not refused for capacity.
    assert firm_capability(firm, ON).refusals(BuildingFactory(), count_capacity=False) == []


def test_assignment_refusal_names_the_failed_condition(db):
    firm = qualified_firm("140821")
    bureau = BureauUserFactory()
    task = task_create(building=BuildingFactory(), actor=bureau)
    with pytest.raises(TaskError, match="未登记服务盐湖区"):
        task_assign(task=task, firm=firm, actor=bureau, on=ON)
    assert AppraisalTask.objects.get(pk=task.pk).state == TaskState.OPEN


def test_task_filter_selects_exactly_the_tasks_refusals_allow(db):
    firm = AppraisalFirmFactory()
    firm.counties.add(county("140802"), county("140821"))
    QualificationFactory(firm=firm, scopes=["主体结构"])
    bureau = BureauUserFactory()
    buildings = [
        BuildingFactory(structure_type="砖混结构"),
        BuildingFactory(structure_type="钢结构"),
        BuildingFactory(county=county("140821"), building_no="140821-000001"),
        BuildingFactory(county=county("140822"), building_no="140822-000001"),
    ]
    for b in buildings:
        task_create(building=b, actor=bureau)
    cap = firm_capability(firm, ON)
    allowed = set(
        AppraisalTask.objects.filter(cap.task_filter()).values_list("building_id", flat=True)
    )
    assert allowed == {b.pk for b in buildings if not cap.refusals(b)}
    assert len(allowed) == 2


def test_capabilities_of_many_firms_take_a_fixed_number_of_queries(
    db, django_assert_max_num_queries
):
    firms = [qualified_firm("140802") for _ in range(10)]
    with django_assert_max_num_queries(4):
        caps = firm_capabilities(firms, ON)
    assert all(c.structure_types for c in caps)
