"""PostgreSQL: the full-text GIN index without a pending list (fastupdate off).

With fastupdate, new entries wait in an unsorted pending list until a vacuum (or 4 MB of
them) merges it into the index, and every search scans the whole list: 1,000 reports
indexed and removed again left 388 pending pages, which made a rare word's index lookup
9× slower (1.8 ms instead of 0.2). Index writes come from the task worker, a few at a
time, where merging each entry at once costs little; searches are what people wait for.
"""

from django.db import migrations

INDEX = "search_entry_tsv_idx"


def no_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
        # What is pending stays scanned until merged: merge it now.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}')")


def pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_search_tuned")]

    operations = [migrations.RunPython(no_pending_list, pending_list)]
