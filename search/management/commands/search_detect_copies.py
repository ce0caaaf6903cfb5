"""Flag accepted or submitted reports whose fact-bearing text is near-identical to another's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute suspected copied reports (shown to the bureau at /search/copies/)."

    def handle(self, *args: Any, **options: Any) -> None:
        from search.copies import detect_copies

        pairs = detect_copies(progress=self.stderr.write)
        for p in pairs:
            self.stdout.write(
                f"{p.version_a_id}\t{p.version_b_id}\t{p.similarity:.2f}\t{p.shared_shingles}"
            )
