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
    import datetime as dt

    from django.db import connection

    from buildings.models import Building, County
    from institutions.models import AppraisalFirm, Qualification
    from portal.models import User
    from portal.roles import Role
    from reports.assignments import tasks_create_bulk

    # Audit rows are append-only (a trigger refuses DELETE); TRUNCATE is the bench's reset.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_tasktransition, reports_appraisaltask CASCADE")
    Building.objects.filter(building_no__startswith="BENCH-").delete()
    county = County.objects.get(code="140802")
    Building.objects.bulk_create(
        (
            Building(
                building_no=f"BENCH-{i:06d}",
                county=county,
                address=f"基准测试地址{i}",
                structure_type="砖混结构",
                floors=1 + i % 5,
                initial_judgement=[
                    "初判存疑",
                    "存在严重安全隐患",
                    "存在一定安全隐患",
                    "未发现安全隐患",
                ][i % 4],
                is_business=i % 3 == 0,
                alteration=["否", "加建"][i % 2],
            )
            for i in range(tasks)
        ),
        batch_size=2000,
    )
    tasks_create_bulk(
        buildings=Building.objects.filter(building_no__startswith="BENCH-"), actor=None
    )
    names = []
    for i in range(claimers):
        firm, _ = AppraisalFirm.objects.get_or_create(
            name=f"基准测试机构{i}", defaults={"credit_code": _code(i), "max_open_tasks": tasks}
        )
        AppraisalFirm.objects.filter(pk=firm.pk).update(max_open_tasks=tasks)
        firm.counties.add(county)
        Qualification.objects.get_or_create(
            kind="testing",
            certificate_no=f"BENCH-{i}",
            defaults={
                "firm": firm,
                "issuer": "bench",
                "valid_from": dt.date(2020, 1, 1),
                "valid_to": dt.date(2099, 1, 1),
                "scopes": ["主体结构"],
            },
        )
        User.objects.get_or_create(username=f"bench{i}", defaults={"role": Role.FIRM, "firm": firm})
        names.append(f"bench{i}")
    return names


def _code(i: int) -> str:
    from institutions.credit_code import check_character

    body = f"91140802MA0B{i:05d}"
    return body + check_character(body)


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
