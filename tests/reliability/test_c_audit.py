"""Case 29: audit rows are append-only for application code, the admin and the database role.

The models are every audit trail of the portal: task transitions, report transitions and
problem events (reports.models.audit.AppendOnly).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from buildings.models import Problem, ProblemEvent
from buildings.problem_ledger import log as problem_log
from reports.assignments import task_create
from reports.models import ReportTransition, TaskTransition
from reports.models.audit import AuditImmutable
from tests.factories import BuildingFactory
from tests.search.helpers import make_report

pytestmark = pytest.mark.django_db

AUDIT_MODELS = (TaskTransition, ReportTransition, ProblemEvent)


@pytest.fixture
def audit_rows(personas):
    """One row of each audit model, written by the services that write them."""
    from reports.workflow import version_return

    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    version = make_report(state="submitted")
    version_return(version=version, user=personas.city_bureau, comment="请补充照片")
    problem = Problem.objects.create(
        building=task.building,
        category="结构安全",
        description="承重墙开裂",
        source="排查",
        found_on=dt.date(2026, 11, 1),
        register_year=2026,
        register_serial=1,
        register_no="140802-2026-0001",
        registered_by=personas.city_bureau,
        responsible_name="张三",
        requirement="限期加固",
        deadline=dt.date(2026, 12, 31),
    )
    event = problem_log(problem, "挂号", personas.city_bureau, "测试记录")
    return [task.transitions.get(), version.transitions.last(), event]


def test_case_29_model_save_and_delete_of_an_audit_row_raise(audit_rows):
    for row in audit_rows:
        before = type(row).objects.filter(pk=row.pk).values().get()
        with pytest.raises(AuditImmutable, match="审计记录只能新增"):
            row.save()
        with pytest.raises(AuditImmutable):
            row.delete()
        assert type(row).objects.filter(pk=row.pk).values().get() == before


def test_case_29_queryset_update_delete_and_bulk_update_raise(audit_rows):
    for row in audit_rows:
        model = type(row)
        with pytest.raises(AuditImmutable):
            model.objects.filter(pk=row.pk).update(at=row.at)
        with pytest.raises(AuditImmutable):
            model.objects.filter(pk=row.pk).delete()
        with pytest.raises(AuditImmutable):
            model.objects.all().delete()
        with pytest.raises(AuditImmutable):
            model.objects.bulk_update([row], ["at"])
        with pytest.raises(AuditImmutable):
            model.objects.update_or_create(pk=row.pk, defaults={"at": row.at})
        assert model.objects.filter(pk=row.pk).exists()


def test_case_29_related_managers_are_guarded_too(audit_rows):
    task_row, report_row, event = audit_rows
    with pytest.raises(AuditImmutable):
        task_row.task.transitions.all().delete()
    with pytest.raises(AuditImmutable):
        report_row.version.transitions.update(comment="改写")
    with pytest.raises(AuditImmutable):
        event.problem.events.update(detail="改写")


def test_case_29_new_rows_are_still_written(personas):
    task = task_create(building=BuildingFactory(), actor=personas.city_bureau)
    assert task.transitions.count() == 1


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_case_29_the_database_refuses_update_and_delete_on_postgresql(audit_rows):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the append-only trigger is PostgreSQL's; this test runs in the PostgreSQL pass"
        )
    for row in audit_rows:
        table = row._meta.db_table
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"UPDATE {table} SET at = at WHERE id = %s", [row.pk])  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
        assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.postgres
def test_case_29_a_cascade_from_the_parent_cannot_erase_the_trail(audit_rows):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the append-only trigger is PostgreSQL's; this test runs in the PostgreSQL pass"
        )
    task_row = audit_rows[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        # The collector deletes children with raw DELETEs, past the Python guard.
        from django.db.models.deletion import Collector

        collector = Collector(using="default")
        collector.collect([task_row.task], keep_parents=True)
        collector.delete()
    assert TaskTransition.objects.filter(pk=task_row.pk).exists()


def test_case_29_the_admin_shows_audit_rows_read_only(client, personas, audit_rows):
    client.force_login(personas.admin)
    task_row, report_row, _ = audit_rows
    for model, row in ((TaskTransition, task_row), (ReportTransition, report_row)):
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(change, {"reason": "改写", "comment": "改写"}).status_code == 403
        delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert client.get(add).status_code == 403
        assert model.objects.filter(pk=row.pk).exists()
    task_delete = reverse("admin:reports_appraisaltask_delete", args=[task_row.task_id])
    assert client.post(task_delete, {"post": "yes"}).status_code == 403
