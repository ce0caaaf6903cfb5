"""Claims per second for 1, 4 and 8 concurrent claimers draining 10k open tasks (PostgreSQL).

Each claimer is a separate process (its own connection), a member of its own firm, calling
reports.assignments.task_claim_next until the pool is empty. Prints claims/s and checks
that no task was claimed twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jianding_bench .venv/bin/python bench/queue.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's queue module: drop its folder from
# the import path before anything imports `queue`, and import the helpers by package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import multiprocessing as mp  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from bench._fixtures import JUDGEMENTS, claim_fixture  # noqa: E402
from bench._setup import django_setup  # noqa: E402


def claimer(username: str, out: mp.Queue, start: mp.Event) -> None:
    from django.db import connections

    from portal.models import User
    from reports.assignments import task_claim_next

    connections.close_all()
    user = User.objects.select_related("firm").get(username=username)
    start.wait()
    claimed = []
    while (task := task_claim_next(user=user)) is not None:
        claimed.append(task.pk)
    out.put(claimed)
    connections.close_all()


def prepare(tasks: int, claimers: int) -> list[str]:
    from django.db import connection

    from buildings.models import Building

    # Audit rows are append-only (a trigger refuses DELETE); TRUNCATE is the bench's reset.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_tasktransition, reports_appraisaltask CASCADE")
    Building.objects.filter(building_no__startswith="BENCH-").delete()
    # Every fourth building is judged safe: no task (the eligibility rule, as in a ledger).
    return claim_fixture(tasks, claimers, (*JUDGEMENTS, "未发现安全隐患"))


def run(tasks: int, n: int) -> tuple[float, int, int]:
    from django.db import connections

    names = prepare(tasks, n)
    connections.close_all()
    ctx = mp.get_context("fork")
    out, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=claimer, args=(name, out, start)) for name in names]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every claimer connect before the clock starts
    began = time.perf_counter()
    start.set()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    claimed = [pk for batch in results for pk in batch]
    duplicates = sum(c - 1 for c in Counter(claimed).values() if c > 1)
    return elapsed, len(claimed), duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--claimers", type=int, nargs="+", default=[1, 4, 8])
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    print(f"database: {connection.vendor}, tasks: {args.tasks}")
    for n in args.claimers:
        elapsed, claimed, duplicates = run(args.tasks, n)
        print(
            f"claimers={n}: {claimed} claims in {elapsed:.2f} s = {claimed / elapsed:,.0f} claims/s, "
            f"duplicates={duplicates}, missed={args.tasks - claimed + duplicates}"
        )


if __name__ == "__main__":
    main()
