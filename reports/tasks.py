"""Background tasks (django-tasks). The database worker runs them: `manage.py db_worker --queue-name '*'`."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="parse")
def parse_report_version(version_id: int) -> None:
    from reports.workflow import version_parse

    version_parse(version_id)
