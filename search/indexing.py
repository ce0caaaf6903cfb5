"""Keeping the index up to date: an outbox written with the change, drained after commit.

`enqueue_reports()` adds outbox rows in the caller's transaction and, on commit, enqueues the
`drain_search_outbox` task. `drain()` brings every pending report up to date: the database
backend's entries always (they serve searches, and the fallback when Elasticsearch is down),
and Elasticsearch too when it is the configured backend. One path for both backends.

Failure policy: the database index is written in the portal's database, so its errors are
bugs and surface. Elasticsearch errors (`SearchUnavailable`) never fail the report save: the
rows stay pending with `attempts` and `last_error`, and are retried with back-off by the next
drain (`manage.py search_drain`, or any later change).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from search.backends import SearchUnavailable, get_search_backend
from search.documents import documents_for, indexable_report_ids
from search.models import IndexOutbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

BATCH = 200
MAX_BACKOFF = dt.timedelta(hours=1)
KEEP_PROCESSED = dt.timedelta(days=2)


def enqueue_reports(report_ids: Iterable[int]) -> None:
    """Mark reports for reindexing, in the current transaction; drain after commit."""
    ids = set(report_ids)
    if not ids:
        return
    pending = set(
        IndexOutbox.objects.filter(
            report_id__in=ids, processed_at__isnull=True, attempts=0
        ).values_list("report_id", flat=True)
    )
    IndexOutbox.objects.bulk_create([IndexOutbox(report_id=pk) for pk in sorted(ids - pending)])
    transaction.on_commit(_enqueue_drain)


def _enqueue_drain() -> None:
    from search.tasks import drain_search_outbox

    try:
        drain_search_outbox.enqueue()
    except Exception:
        # The rows are committed: a later drain (command or the next change) picks them up.
        log.exception("could not enqueue the search outbox drain")


# Key of the PostgreSQL advisory lock that serialises writers of the database index.
DATABASE_INDEX_LOCK = 0x6A64_6978  # "jdix"


@contextlib.contextmanager
def database_index_writer():
    """One writer of the database index at a time.

    Its writes are delete-then-insert per report: two drains (or a drain and a rebuild) for
    the same report in parallel transactions each miss the other's uncommitted row and both
    insert, which breaks the one-entry-per-report constraint. SQLite serialises writers
    itself; on PostgreSQL a transaction-scoped advisory lock does it.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DATABASE_INDEX_LOCK])
        yield


def external_backend():
    """The configured backend when it is not the database one, else None."""
    name = getattr(settings, "SEARCH_BACKEND", "database") or "database"
    return None if name == "database" else get_search_backend(name)


def sync_reports(report_ids: Iterable[int]) -> None:
    """Bring these reports' index entries up to date now, in every index we keep."""
    from search.backends.database import SearchBackend as DatabaseBackend

    report_ids = list(report_ids)
    with database_index_writer():
        # Documents are read under the lock, so the last writer writes the newest state.
        docs, gone = documents_for(report_ids)
        database = DatabaseBackend({})
        database.delete(gone)
        database.index(docs)
    if (other := external_backend()) is not None:
        other.delete(gone)
        other.index(docs)


def drain(
    limit: int | None = None, now: Callable[[], dt.datetime] = timezone.now
) -> dict[str, int]:
    """Process due outbox rows. Returns {"done": n, "failed": n, "pending": n}."""
    done = failed = 0
    seen = 0
    while limit is None or seen < limit:
        rows = list(
            IndexOutbox.objects.filter(
                processed_at__isnull=True, next_attempt_at__lte=now()
            ).order_by("pk")[: min(BATCH, (limit - seen) if limit is not None else BATCH)]
        )
        if not rows:
            break
        seen += len(rows)
        ids = [r.pk for r in rows]
        try:
            sync_reports(r.report_id for r in rows)
        except SearchUnavailable as e:
            failed += len(rows)
            for row in rows:
                row.attempts += 1
                backoff = min(MAX_BACKOFF, dt.timedelta(seconds=30 * 2 ** min(row.attempts, 10)))
                IndexOutbox.objects.filter(pk=row.pk).update(
                    attempts=row.attempts, last_error=str(e)[:2000], next_attempt_at=now() + backoff
                )
            log.warning("search index unavailable, %d reports left pending: %s", len(rows), e)
            break
        IndexOutbox.objects.filter(pk__in=ids).update(processed_at=now(), last_error="")
        done += len(rows)
    IndexOutbox.objects.filter(processed_at__lt=now() - KEEP_PROCESSED).delete()
    return {
        "done": done,
        "failed": failed,
        "pending": IndexOutbox.objects.filter(processed_at__isnull=True).count(),
    }


def retry_now() -> None:
    """Make every pending row due now (after the search service is back)."""
    IndexOutbox.objects.filter(processed_at__isnull=True).update(next_attempt_at=timezone.now())


def reindex_all(
    progress: Callable[[int, int], None] | None = None, backend_name: str | None = None
) -> int:
    """Rebuild the database index and, if configured, the external one (new index + alias
    swap, so search never goes dark). Reports changed while it ran are indexed again after."""
    from search.backends.database import SearchBackend as DatabaseBackend

    started = timezone.now()
    ids = list(indexable_report_ids())
    total = len(ids)

    def documents():
        for i in range(0, total, 500):
            docs, _ = documents_for(ids[i : i + 500])
            yield from docs
            if progress:
                progress(min(i + 500, total), total)

    if backend_name:
        backends = [get_search_backend(backend_name)]
    else:
        backends = [DatabaseBackend({})]
        if (other := external_backend()) is not None:
            backends.append(other)
    n = 0
    for backend in backends:
        if backend.name == "database":
            with database_index_writer():
                n = backend.rebuild(documents())
        else:
            n = backend.rebuild(documents())
    # Changes that raced with the rebuild went to the old index: replay them.
    changed = set(
        IndexOutbox.objects.filter(created_at__gte=started).values_list("report_id", flat=True)
    )
    if changed:
        sync_reports(changed)
    return n
