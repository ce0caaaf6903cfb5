"""Benchmark of the ledger import: 100,000 realistic rows on the configured database.

    PORTAL_VAR_DIR=$(mktemp -d) .venv/bin/python bench/import_ledger.py          # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jianding_bench \\
        .venv/bin/python bench/import_ledger.py                                   # PostgreSQL

Settings default to portal.settings.dev (DEBUG off); the database is migrated first.

Three runs on one generated file set: a first import (all rows new), a re-import of the
same file (all rows matched, nothing to write) and a re-import where every row changed
(初判结论, 建筑面积, 管控措施: the bulk-update worst case). The goal is <= 15 s per run.
Refuses to run on a database that already holds buildings; removes what it imported.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds a queue.py that would shadow the standard library's queue module: take the
# folder off the import path, put the repository on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DEBUG", "false")  # no query log growing in memory

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from buildings.ledger import import_ledger  # noqa: E402
from buildings.ledger.columns import HEADERS  # noqa: E402
from buildings.models import Building, County, LedgerImport  # noqa: E402
from portal.demo_ledger import generate_ledger, ledger_cells  # noqa: E402

GOAL_SECONDS = 15.0
JUDGEMENT_COLUMN = HEADERS.index("初判结论")
AREA_COLUMN = HEADERS.index("建筑面积(㎡)")
MEASURES_COLUMN = HEADERS.index("管控措施")


def ledger_rows(count: int, counties: list[tuple[str, str]], seed: int) -> list[list[object]]:
    return [ledger_cells(row) for row in generate_ledger(counties, count, seed)]


def write_ledger(path: Path, rows: list[list[object]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("排查台账")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def timed_import(label: str, path: Path, rows: int) -> float:
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int | None) -> None:
        marks[stage] = time.perf_counter()

    start = time.perf_counter()
    record = import_ledger(path, progress=progress)
    seconds = time.perf_counter() - start
    checked = marks.get("check", start) - start
    verdict = "ok" if seconds <= GOAL_SECONDS else f"OVER the {GOAL_SECONDS:.0f} s goal"
    print(
        f"{label:<22} {seconds:6.2f} s  {rows / seconds:8,.0f} rows/s  "
        f"(read+check {checked:5.2f} s, write {seconds - checked:5.2f} s)  "
        f"{record.summary}  [{verdict}]"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported buildings")
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if Building.objects.exists():
        print("The database already holds buildings: run the benchmark on a scratch database.")
        return 2
    counties = list(County.objects.values_list("code", "name"))
    if not counties:
        print("No counties in the database (the seed migration was rolled back?).")
        return 2
    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']}), rows: {args.rows:,}"
    )
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        first, changed = Path(tmp, "ledger.xlsx"), Path(tmp, "ledger-changed.xlsx")
        start = time.perf_counter()
        rows = ledger_rows(args.rows, counties, seed=2022)
        write_ledger(first, rows)
        rng = random.Random(7)
        for row in rows:
            row[AREA_COLUMN] = round(float(row[AREA_COLUMN]) + 1.5, 1)  # type: ignore[arg-type]
            row[JUDGEMENT_COLUMN] = rng.choice(["初判存疑", "存在一定安全隐患", "存在严重安全隐患"])
            row[MEASURES_COLUMN] = "委托安全鉴定"
        write_ledger(changed, rows)
        size = first.stat().st_size / 1e6
        print(f"generated 2 files in {time.perf_counter() - start:.1f} s ({size:.1f} MB each)")
        try:
            worst = max(
                timed_import("import (all new)", first, args.rows),
                timed_import("re-import (unchanged)", first, args.rows),
                timed_import("re-import (all changed)", changed, args.rows),
            )
        finally:
            if not args.keep:
                Building.objects.all().delete()
                LedgerImport.objects.filter(file_name__startswith="ledger").delete()
    print(f"slowest run {worst:.2f} s: {'within' if worst <= GOAL_SECONDS else 'OVER'} the goal")
    return 0 if worst <= GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
