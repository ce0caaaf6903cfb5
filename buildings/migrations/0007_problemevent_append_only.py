# Problem events are an audit trail: the database refuses UPDATE and DELETE (PostgreSQL).
from django.db import migrations

from reports.models.audit import append_only_operations


class Migration(migrations.Migration):
    dependencies = [("buildings", "0006_problems_referrals"), ("reports", "0003_audit_append_only")]

    operations = append_only_operations("buildings_problemevent")
