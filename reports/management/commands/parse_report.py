"""``manage.py parse_report FILE... [--json]``: parse appraisal reports with the pipeline.

With ``--json``: one JSON object per file per line, exactly the contract fields of
``shared/samples/truth/*.json``. Without it: a short human-readable summary per file. Exit status
0 for any report, readable or not (an unreadable file is a result); a missing path is an error
in the command's own arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.pipeline import DEFAULT_MAX_PAGES, parse_report


class Command(BaseCommand):
    help = "Parse appraisal report PDFs (contract fields, problems)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="one contract JSON per line")
        parser.add_argument("--full", action="store_true", help="the full result (with --json)")
        parser.add_argument("--no-ocr", action="store_true", help="do not OCR scanned pages")
        parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)

    def handle(self, *args: object, **options: object) -> None:
        paths = [Path(str(f)) for f in options["files"]]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("文件不存在：" + "，".join(missing))
        max_pages = int(options["max_pages"])
        if max_pages < 1:
            raise CommandError("--max-pages 必须大于0")
        for path in paths:
            result = parse_report(path, max_pages=max_pages, ocr=not options["no_ocr"])
            if options["json"]:
                payload = result.to_dict() if options["full"] else result.contract()
                self.stdout.write(json.dumps(payload, ensure_ascii=False))
                continue
            contract = result.contract()
            state = "有效" if contract["valid"] else "无效"
            self.stdout.write(f"{path.name}: {state} {', '.join(contract['problems']) or ''}")
            for problem in result.problems:
                where = f"（第{problem.page}页）" if problem.page else ""
                self.stdout.write(
                    f"  [{problem.severity}] {problem.code}{where} {problem.message_zh}"
                )
