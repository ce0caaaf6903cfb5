from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from reports.assignments import task_assign, task_create
from tests.factories import BuildingFactory, FirmMemberFactory, qualified_firm


@pytest.fixture
def report_case(db, personas):
    """A task accepted by a qualified firm, and a generated report that matches its building."""
    from reports.assignments import task_accept
    from reports.generator import random_spec, render_report

    firm = qualified_firm("140802", name="运城市测试房屋安全鉴定有限公司")
    member = FirmMemberFactory(firm=firm, username="uploader")
    building = BuildingFactory(
        building_no="140802-000777",
        address="盐湖区中城街道康宁社区解放路77号",
        structure_type="砖混结构",
        floors=2,
        owner="王建国",
    )
    task = task_create(building=building, actor=personas.city_bureau)
    task_assign(task=task, firm=firm, actor=personas.city_bureau)
    task_accept(task=task, user=member)
    spec = random_spec(
        random.Random(7),
        firm=firm.name,
        building_no=building.building_no,
        address="运城市" + building.address,
        county="盐湖区",
        owner=building.owner,
        structure_type=building.structure_type,
        floors=building.floors,
        grade="C",
        appraisal_type="危险性鉴定",
        date=dt.date(2026, 10, 20),
        inspection_date=dt.date(2026, 10, 12),
    )

    class Case:
        pass

    case = Case()
    case.firm, case.member, case.building, case.task, case.spec = firm, member, building, task, spec
    case.render = lambda layout="numbered_cn", **over: render_report(
        dataclasses.replace(spec, **over), layout
    )
    return case
