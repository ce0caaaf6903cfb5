"""``python -m reports.pipeline FILE [--full]``: one JSON line on stdout, nothing else.

Exit status 0 for every report, readable or not (an unreadable file is a result); 2 for wrong
arguments or a missing file. Meant for a sandboxed subprocess with memory and time limits.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from . import DEFAULT_MAX_PAGES, parse_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.pipeline", description=__doc__)
    parser.add_argument("file", help="the report (PDF)")
    parser.add_argument("--full", action="store_true", help="the full result, not the contract")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR scanned pages")
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)
    parser.add_argument("--name", help="file name to report (default: the path's name)")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        result = parse_report(
            args.file, file_name=args.name, max_pages=args.max_pages, ocr=not args.no_ocr
        )
    except OSError as exc:
        sys.stderr.write(f"{args.file}: {exc}\n")
        return 2
    payload = result.to_dict() if args.full else result.contract()
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
