# The audit tables refuse UPDATE and DELETE in the database too (PostgreSQL): the Python guard
# (reports.models.audit.AppendOnly) does not see cascade deletes or raw SQL.
from django.db import migrations

from reports.models.audit import append_only_operations


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_reports_and_control")]

    operations = append_only_operations("reports_tasktransition", "reports_reporttransition")
