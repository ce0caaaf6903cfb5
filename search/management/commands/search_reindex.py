"""Rebuild the report search index (the database one, and Elasticsearch when configured)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuild the report search index from the database (progress on stderr)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--backend",
            choices=["database", "elasticsearch"],
            help="Rebuild only this index (default: the database one and the configured one).",
        )

    def handle(self, *args: Any, backend: str | None = None, **options: Any) -> None:
        from search.indexing import reindex_all

        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 1 or done == total:
                last[0] = now
                rate = done / max(now - started, 1e-6)
                self.stderr.write(f"\rindexed {done}/{total} reports ({rate:.0f}/s)", ending="")
                self.stderr.flush()

        n = reindex_all(progress=progress, backend_name=backend)
        self.stderr.write("")
        self.stdout.write(f"{n} reports indexed in {time.monotonic() - started:.1f}s")
