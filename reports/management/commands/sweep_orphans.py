"""Delete stored report files and photos that no database row refers to.

An upload writes its files before the transaction that records them; if that transaction is
rolled back (an outer atomic block, a lost database connection, a killed worker) the files
stay behind, because storage has no rollback. Uploads delete their own files when they see the
failure; this sweep catches the rest. Files younger than the grace period are left alone: they
may belong to an upload whose transaction has not committed yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.models import ReportPhoto, ReportVersion

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger("reports.sweep")

# Folders written by reports.workflow.version_upload; nothing else is ever stored under them.
FOLDERS = ("reports", "photos")
DEFAULT_GRACE_HOURS = 24


def stored_keys(folder: str) -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in dirs:
        yield from stored_keys(f"{folder}/{name}")


def referenced_keys() -> set[str]:
    keys = set(ReportVersion.objects.values_list("file", flat=True))
    for row in ReportPhoto.objects.values_list("original", "image", "thumbnail"):
        keys.update(row)
    return keys


def orphans(older_than: dt.timedelta) -> list[str]:
    """Keys under FOLDERS that no row references and that were last written before the cut."""
    cut = timezone.now() - older_than
    # Listed before the references are read: a file whose row commits in between is then
    # referenced (kept); the reverse order could see the file but miss its new row.
    candidates = [key for folder in FOLDERS for key in stored_keys(folder)]
    referenced = referenced_keys()
    return [
        key
        for key in candidates
        if key not in referenced and default_storage.get_modified_time(key) < cut
    ]


class Command(BaseCommand):
    help = "Delete report and photo files that no report version or photo row refers to."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="only list what would be deleted"
        )
        parser.add_argument(
            "--older-than",
            type=float,
            default=DEFAULT_GRACE_HOURS,
            metavar="HOURS",
            help=f"only files last written more than HOURS ago (default {DEFAULT_GRACE_HOURS})",
        )

    def handle(self, *args, dry_run: bool, older_than: float, **options):
        if older_than < 0:
            raise CommandError("--older-than must not be negative")
        found = orphans(dt.timedelta(hours=older_than))
        deleted = 0
        for key in found:
            if dry_run:
                self.stdout.write(f"would delete {key}")
                continue
            try:
                default_storage.delete(key)
            except Exception:
                log.exception("could not delete orphan %s", key)
                self.stderr.write(f"could not delete {key}")
                continue
            deleted += 1
            log.warning("deleted orphan file %s", key)
            self.stdout.write(f"deleted {key}")
        if dry_run:
            self.stdout.write(f"{len(found)} orphan file(s) found, nothing deleted (dry run)")
        else:
            self.stdout.write(f"{deleted} orphan file(s) deleted")
