"""Append-only audit rows: written once, in the transaction of the change, never changed.

`AppendOnly` is the one guard every audit model uses (task and report transitions, problem
events). Application code that tries to change or remove a row gets `AuditImmutable`: model
save() of an existing row, delete(), and queryset update()/delete()/bulk_update(). Django's
cascade collector deletes without going through these, so on PostgreSQL a trigger
(`append_only_trigger_sql`, installed by migrations) refuses UPDATE and DELETE on the tables
as well; retention purges need a database role that may disable it, not the portal's.
"""

from __future__ import annotations

from typing import Any

from django.db import models

IMMUTABLE_MESSAGE = "审计记录只能新增，不能修改或删除。"


class AuditImmutable(Exception):
    """An attempt to change or delete an audit row; the message is shown as is (Chinese)."""

    def __init__(self, message: str = IMMUTABLE_MESSAGE) -> None:
        super().__init__(message)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AuditImmutable

    # update_or_create would save an existing row: refused by save(); refuse it up front so
    # nothing is looked up for a write that cannot happen.
    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditImmutable


class AppendOnly(models.Model):
    """Mixin (abstract model) for audit trails: rows can be created and read, nothing else."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable


TRIGGER_FUNCTION = "jianding_audit_append_only"


def append_only_function_sql() -> str:
    return f"""
CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit table % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def append_only_trigger_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}();
"""


def drop_trigger_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"


def append_only_operations(*tables: str) -> list[Any]:
    """Migration operations installing the trigger on these tables (PostgreSQL only)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(append_only_function_sql(), params=None)
        for table in tables:
            schema_editor.execute(append_only_trigger_sql(table), params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(drop_trigger_sql(table), params=None)

    return [migrations.RunPython(forwards, backwards, elidable=False)]
