"""Background tasks of report search (django-tasks, queue "search")."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="search")
def drain_search_outbox() -> dict[str, int]:
    from search.indexing import drain

    return drain()


@task(queue_name="search")
def detect_copied_reports() -> int:
    from search.copies import detect_copies

    return len(detect_copies())
