"""manage.py import_ledger FILE.xlsx [--user USERNAME] [--errors PATH] [--today YYYY-MM-DD]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from buildings.ledger import LedgerFileError, error_report, import_ledger

STAGES = {"check": "reading and checking rows", "write": "writing buildings"}


class Progress:
    """A percentage line on stderr, rewritten in place (\\r) when the percentage changes."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.last: tuple[str, int] | None = None

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=str, ending="")  # plain, not the error colour
        self.stream.flush()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if total:
            percent = min(100, done * 100 // total)
            line, key = f"{STAGES[stage]}: {percent:3d}% ({done}/{total})", (stage, percent)
        else:
            line, key = f"{STAGES[stage]}: {done} rows", (stage, done)
        if key == self.last:
            return
        self._write(f"\n{line}" if self.last and self.last[0] != stage else f"\r{line}")
        self.last = key

    def finish(self) -> None:
        if self.last is not None:
            self._write("\n")


class Command(BaseCommand):
    help = "Import the survey ledger (排查台账) from an .xlsx file: upsert buildings by 房屋编号."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the ledger workbook (.xlsx, header in row 1)")
        parser.add_argument(
            "--user", help="import as this user (county bureau staff: own county only)"
        )
        parser.add_argument("--errors", metavar="PATH", help="write the error report (.xlsx) here")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            help="the date rows are checked against (YYYY-MM-DD; default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as e:
                raise CommandError(f"用户“{options['user']}”不存在。") from e
        path = Path(options["file"])
        progress = Progress(self.stderr)
        try:
            record = import_ledger(
                path, user=user, today=options["today"], file_name=path.name, progress=progress
            )
        except LedgerFileError as e:
            raise CommandError(str(e)) from e
        finally:
            progress.finish()
        if record.conflicts:
            self.stdout.write(
                f"conflicts {record.conflicts}: ledger values differ from confirmed corrections "
                "(corrected values kept)"
            )
        if options["errors"]:
            Path(options["errors"]).write_bytes(error_report(record))
            self.stdout.write(f"error report written to {options['errors']}")
        self.stdout.write(record.summary)
