"""PostgreSQL: search_tuned(statement, work_mem) runs a search statement with the planner
settings it needs (no sequential scan, no JIT, more work_mem), in one round trip. The SET
clauses of a function hold for the call only, so no transaction is needed to scope them and
an outer transaction keeps its own values."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION search_tuned(statement text, memory text) RETURNS SETOF record
LANGUAGE plpgsql
SET enable_seqscan = off
SET jit = off
SET work_mem = '64MB'
AS $$
BEGIN
    -- Under the SET clause above, so it too ends with the call.
    PERFORM set_config('work_mem', memory, true);
    RETURN QUERY EXECUTE statement;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS search_tuned(text, text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_index_state_hit_columns")]

    operations = [migrations.RunPython(create, drop)]
