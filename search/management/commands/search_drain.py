"""Process the search outbox now (retrying rows that failed while the search service was down)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Index the reports waiting in the search outbox; --retry-now ignores the back-off."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--retry-now", action="store_true", help="Retry failed rows at once.")

    def handle(self, *args: Any, retry_now: bool = False, **options: Any) -> None:
        from search.indexing import drain
        from search.indexing import retry_now as make_due

        if retry_now:
            make_due()
        result = drain()
        self.stdout.write(
            f"done {result['done']}, failed {result['failed']}, pending {result['pending']}"
        )
