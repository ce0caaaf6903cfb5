"""Concurrent claimers on PostgreSQL: every task claimed exactly once (SKIP LOCKED)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from buildings.models import Building, County
from portal.models import User
from portal.roles import Role
from reports.assignments import task_claim_next, tasks_create_bulk
from reports.models import AppraisalTask, TaskState
from tests.factories import qualified_firm

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.slow,
    pytest.mark.postgres,
]

ON = dt.date(2026, 11, 29)
TASKS = 1000
CLAIMERS = 8


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SKIP LOCKED claims are a PostgreSQL feature; this test runs in the PostgreSQL pass"
        )


def test_eight_claimers_take_every_task_exactly_once(needs_postgres):
    county = County.objects.get(code="140802")
    Building.objects.bulk_create(
        Building(
            building_no=f"140802-{i:06d}",
            county=county,
            address=f"地址{i}",
            structure_type="砖混结构",
            floors=1 + i % 4,
            initial_judgement=["初判存疑", "存在一定安全隐患", "未发现安全隐患"][i % 3],
        )
        for i in range(TASKS)
    )
    tasks_create_bulk(buildings=Building.objects.all(), actor=None, today=ON)
    members = [
        User.objects.create(
            username=f"claimer{i}",
            role=Role.FIRM,
            firm=qualified_firm("140802", max_open_tasks=TASKS),
        )
        for i in range(CLAIMERS)
    ]
    claimed: list[list[int]] = [[] for _ in members]
    errors: list[BaseException] = []
    start = threading.Barrier(CLAIMERS)

    def claimer(index: int) -> None:
        try:
            start.wait()
            while (task := task_claim_next(user=members[index], on=ON)) is not None:
                claimed[index].append(task.pk)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(CLAIMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert not errors, errors
    every = [pk for batch in claimed for pk in batch]
    counts = Counter(every)
    assert len(every) == TASKS
    assert max(counts.values()) == 1
    assert sum(1 for batch in claimed if batch) > 1, "claims were not spread over claimers"
    assert AppraisalTask.objects.filter(state=TaskState.ACCEPTED).count() == TASKS
    owners = dict(AppraisalTask.objects.values_list("pk", "firm_id"))
    for index, batch in enumerate(claimed):
        assert all(owners[pk] == members[index].firm_id for pk in batch)
