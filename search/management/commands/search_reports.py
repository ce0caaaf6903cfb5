"""Search accepted reports from the command line: one JSON object per hit, per line."""

from __future__ import annotations

import html
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.html import strip_tags

from search.documents import FACETS, SORTS, SearchQuery


class Command(BaseCommand):
    help = 'Search reports: search_reports "QUERY" [--filter grade=C] [--as USERNAME] --json'

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="K=V",
            help=f"Facet filter; K in {', '.join(FACETS)}.",
        )
        parser.add_argument(
            "--as", dest="username", help="Apply this user's scope (default: site-wide)."
        )
        parser.add_argument("--sort", choices=list(SORTS), default="relevance")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument(
            "--json", action="store_true", help="One JSON object per line (the default output)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from portal.models import User
        from search.service import search_reports

        filters: dict[str, list[str]] = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or key not in FACETS:
                raise CommandError(f"--filter {item!r}: use K=V with K one of {', '.join(FACETS)}")
            filters.setdefault(key, []).append(value)
        user = None
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}")
        query = SearchQuery(
            text=options["query"],
            filters={k: tuple(v) for k, v in filters.items()},
            sort=options["sort"],
            limit=max(1, min(options["limit"], 1000)),
            facets=(),
        )
        results = search_reports(user=user, query=query)
        for r in results.results:
            line = {
                "report_id": r.hit.report_id,
                "version_id": r.hit.version_id,
                "report_no": r.hit.report_no,
                "grade": r.hit.grade,
                "county": r.hit.county,
                "firm": r.hit.firm,
                "score": round(r.hit.score, 4),
                "snippet": html.unescape(strip_tags(r.hit.snippet)),
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
