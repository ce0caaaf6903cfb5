"""Load: concurrent uploads and claimers against real parse workers (PostgreSQL only).

At once, on a scratch database:

* U uploads (default 50, over 10 firms), each a generated report PDF plus photos, 10 % of them
  hostile PDFs from tests/reliability/hostile.py, through the web upload view
  (`report_upload`: middleware, upload handlers, form, service) with Django's test Client,
  one thread and one database connection per upload (all in this one process, so like one
  web-server process with U threads: Python work in the view shares one core);
* M claimers (default 20, one process and one firm each, as in bench/queue.py) draining T open
  tasks (default 5,000) with reports.assignments.task_claim_next;
* W real `manage.py db_worker --queue-name '*'` processes (default 2) parsing what arrives.

Then it waits (bounded by --wait) until every accepted upload's parse is terminal and prints
upload throughput and p50/p95 latency, claims/s, parse throughput, the hostile outcomes, and
the counts of lost, duplicated and stuck jobs (goal 0, 0, 0). It asserts nothing about time.

    createdb -h 127.0.0.1 -U postgres jianding_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jianding_load PORTAL_VAR_DIR=$(mktemp -d) \\
        .venv/bin/python bench/load.py                                        # default size
    ... .venv/bin/python bench/load.py --uploads 10 --tasks 500 --claimers 4  # about a minute

The run deletes every report and task in that database first: never point it at real data.
Without PORTAL_VAR_DIR the uploaded files go to a new temporary folder.

Counts: lost = an accepted upload without its version row, or a version whose parse job was
never enqueued; duplicated = a task claimed twice, a second version row for one upload, a
version parsed (or enqueued) more than once; stuck = a version not parsed or failed when the
wait ends.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a queue.py that would shadow the standard library's queue module: take the
# folder off the import path, put the repository on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import multiprocessing as mp  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from bench._fixtures import COUNTY, claim_fixture, credit_code, qualify  # noqa: E402
from bench._setup import ROOT, django_setup  # noqa: E402


@dataclass
class Upload:
    username: str
    task_id: int
    pdf: bytes
    photos: list[bytes]
    hostile: str = ""  # the fixture's name, for hostile files
    status: int = 0
    seconds: float = 0.0
    version_id: int | None = None
    error: str = ""


@dataclass
class Figures:
    uploads: list[Upload] = field(default_factory=list)
    upload_seconds: float = 0.0
    claims: list[int] = field(default_factory=list)
    claim_seconds: float = 0.0
    parse_seconds: float = 0.0


# ---------------------------------------------------------------- set-up


def hostile_files(max_pages: int) -> list[tuple[str, bytes]]:
    from tests.reliability import hostile as h

    return [
        ("flate_bomb", h.flate_bomb(inner_mb=1024, layers=3)),
        ("unknown_encryption", h.unknown_encryption()),
        ("page_tree_loop", h.page_tree_loop()),
        ("open_action_js", h.open_action_js()),
        ("circular_xobjects", h.circular_xobjects()),
        ("too_many_pages", h.many_pages(max_pages + 1)),
    ]


def photo(seed: int) -> bytes:
    """A camera-sized JPEG with noise, so re-encoding costs what a real photo costs."""
    from PIL import Image

    image = Image.effect_noise((1600, 1200), 40 + seed % 30).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def clean() -> None:
    """Empty the task and report tables of the scratch database.

    Audit rows are append-only (a trigger refuses DELETE, reports.models.audit), so rows are
    not deleted one by one: TRUNCATE ... CASCADE empties the tables and everything hanging
    off them, as recreating the database would.
    """
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from buildings.models import Building
    from reports.models import AppraisalTask, Report

    tables = [m._meta.db_table for m in (Report, AppraisalTask, DBTaskResult)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    Building.objects.filter(building_no__regex=r"^(LOAD|BENCH)-").delete()


def prepare_uploads(n: int, firms: int, photos: int, hostile_share: float) -> list[Upload]:

    from django.conf import settings

    from buildings.models import Building, County
    from institutions.models import AppraisalFirm
    from portal.models import User
    from portal.roles import Role
    from reports.assignments import task_accept, task_assign, task_create
    from reports.generator import random_spec, render_report

    county = County.objects.get(code=COUNTY)
    bureau, _ = User.objects.get_or_create(username="load_bureau", defaults={"role": Role.BUREAU})
    members = []
    for i in range(firms):
        firm, _ = AppraisalFirm.objects.get_or_create(
            name=f"负载测试鉴定机构{i}", defaults={"credit_code": credit_code(50_000 + i)}
        )
        AppraisalFirm.objects.filter(pk=firm.pk).update(max_open_tasks=n)
        firm.counties.add(county)
        qualify(firm, f"LOAD-{i}")
        member, _ = User.objects.get_or_create(
            username=f"load_up{i}", defaults={"role": Role.FIRM, "firm": firm}
        )
        members.append(member)
    hostile = hostile_files(settings.REPORTS["max_pages"])
    every = max(1, round(1 / hostile_share)) if hostile_share > 0 else 0
    variants = [
        render_report(random_spec(random.Random(seed), grade="CD"[seed % 2]), "numbered_cn")
        for seed in range(min(n, 8))
    ]
    uploads = []
    for i in range(n):
        member = members[i % firms]
        building = Building.objects.create(
            building_no=f"LOAD-{i:06d}",
            county=county,
            address=f"负载测试地址{i}号",
            structure_type="砖混结构",
            floors=2,
        )
        task = task_create(building=building, actor=bureau)
        task_assign(task=task, firm=member.firm, actor=bureau)
        task_accept(task=task, user=member)
        if every and i % every == every - 1:
            name, pdf = hostile[(i // every) % len(hostile)]
        else:
            name, pdf = "", variants[i % len(variants)]
        uploads.append(
            Upload(
                username=member.username,
                task_id=task.pk,
                pdf=pdf,
                photos=[photo(i * photos + k) for k in range(photos)],
                hostile=name,
            )
        )
    return uploads


# ---------------------------------------------------------------- running


def start_workers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DEBUG": "false",
    }
    workers = []
    for n in range(count):
        log = (log_dir / f"worker-{n}.log").open("wb")
        workers.append(
            subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--interval",
                    "0.2",
                    "--no-startup-delay",
                    "--worker-id",
                    f"load-{n}",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def upload_one(upload: Upload, ready: threading.Barrier) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    from portal.models import User

    try:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(User.objects.get(username=upload.username))
        body = {
            "pdf": SimpleUploadedFile("报告.pdf", upload.pdf, content_type="application/pdf"),
            "photos": [
                SimpleUploadedFile(f"现场{k}.jpg", data, content_type="image/jpeg")
                for k, data in enumerate(upload.photos)
            ],
        }
        url = reverse("report_upload", args=[upload.task_id])
        ready.wait()
        began = time.perf_counter()
        response = client.post(url, body)
        upload.seconds = time.perf_counter() - began
        upload.status = response.status_code
        if response.status_code == 302 and "/reports/" in response["Location"]:
            upload.version_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    except Exception as e:  # noqa: BLE001 - counted and printed, the run goes on
        upload.error = f"{type(e).__name__}: {e}"
    finally:
        connections.close_all()


def run(args: argparse.Namespace, uploads: list[Upload], claimers: list[str]) -> Figures:
    from django.db import connections

    from bench.queue import claimer

    figures = Figures(uploads=uploads)
    # Claimers are forked processes: fork before any thread starts and with no connection
    # open, so no child inherits a socket the parent still uses.
    connections.close_all()
    ctx = mp.get_context("fork")
    out, go = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=claimer, args=(name, out, go)) for name in claimers]
    for p in procs:
        p.start()

    ready = threading.Barrier(len(uploads) + 1)
    threads = [threading.Thread(target=upload_one, args=(u, ready)) for u in uploads]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let every claimer connect before the clock starts

    def collect() -> None:
        for _ in procs:
            figures.claims += out.get()
        figures.claim_seconds = time.perf_counter() - began

    began = time.perf_counter()
    go.set()
    ready.wait()
    collector = threading.Thread(target=collect)
    collector.start()
    for t in threads:
        t.join()
    figures.upload_seconds = time.perf_counter() - began
    collector.join()
    for p in procs:
        p.join()

    figures.parse_seconds = wait_for_parses(uploads, args.wait, began)
    return figures


def wait_for_parses(uploads: list[Upload], limit: float, began: float) -> float:
    from reports.models import ReportState, ReportVersion

    ids = [u.version_id for u in uploads if u.version_id]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = ReportVersion.objects.filter(
            pk__in=ids, state__in=(ReportState.PARSED, ReportState.PARSE_FAILED)
        ).count()
        if done == len(ids):
            break
        time.sleep(0.2)
    return time.perf_counter() - began


# ---------------------------------------------------------------- figures


def report(args: argparse.Namespace, figures: Figures) -> None:
    from django_tasks_db.models import DBTaskResult

    from reports.models import ReportState, ReportTransition, ReportVersion

    uploads = figures.uploads
    accepted = [u for u in uploads if u.version_id]
    latencies = sorted(u.seconds for u in uploads if u.status)
    statuses = Counter(u.status or u.error or "no answer" for u in uploads)
    print(
        f"uploads: {len(uploads)} in {figures.upload_seconds:.2f} s = "
        f"{len(uploads) / figures.upload_seconds:.2f} uploads/s; statuses {dict(statuses)}"
    )
    if len(latencies) >= 2:
        q = statistics.quantiles(latencies, n=20, method="inclusive")
        print(
            f"upload latency: p50 {statistics.median(latencies):.2f} s, p95 {q[18]:.2f} s, "
            f"max {latencies[-1]:.2f} s"
        )
    claims = figures.claims
    print(
        f"claims: {len(claims)} of {args.tasks} by {args.claimers} claimers in "
        f"{figures.claim_seconds:.2f} s = {len(claims) / figures.claim_seconds:,.0f} claims/s"
    )

    ids = [u.version_id for u in accepted]
    versions = {v.pk: v for v in ReportVersion.objects.filter(pk__in=ids)}
    terminal = {
        pk
        for pk, v in versions.items()
        if v.state in (ReportState.PARSED, ReportState.PARSE_FAILED)
    }
    print(
        f"parses: {len(terminal)} of {len(ids)} terminal after {figures.parse_seconds:.2f} s = "
        f"{len(terminal) / figures.parse_seconds:.2f} parses/s with {args.workers} worker(s)"
    )
    for u in uploads:
        if u.hostile:
            v = versions.get(u.version_id)
            outcome = (
                f"{v.state} {v.failure_code or ''}".strip()
                if v
                else f"refused ({u.status or u.error})"
            )
            if v and v.state == ReportState.PARSED:
                flagged = sorted({p.get("code", "") for p in v.problems or []})[:3]
                outcome += f" problems={flagged}"
            print(f"  hostile {u.hostile}: {outcome}")

    jobs = Counter(
        tuple(r.args_kwargs["args"])[0]
        for r in DBTaskResult.objects.filter(task_path__endswith="parse_report_version")
    )
    parsing = Counter(
        ReportTransition.objects.filter(version__in=ids, to_state=ReportState.PARSING).values_list(
            "version", flat=True
        )
    )
    per_task = Counter(
        ReportVersion.objects.filter(report__task__in=[u.task_id for u in accepted]).values_list(
            "report__task", flat=True
        )
    )
    lost = sum(1 for pk in ids if pk not in versions) + sum(
        1 for pk in versions if pk not in jobs and pk not in terminal
    )
    duplicated = (
        sum(c - 1 for c in Counter(claims).values())
        + sum(c - 1 for c in per_task.values())
        + sum(c - 1 for c in jobs.values())
        + sum(c - 1 for c in parsing.values())
    )
    stuck = len(versions) - len(terminal)
    missed = args.tasks - len(set(claims))
    print(f"lost={lost} duplicated={duplicated} stuck={stuck} (goal 0, 0, 0); unclaimed={missed}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--firms", type=int, default=10)
    parser.add_argument("--photos", type=int, default=2, help="photos per upload")
    parser.add_argument("--hostile", type=float, default=0.1, help="share of hostile PDFs")
    parser.add_argument("--claimers", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for parses")
    args = parser.parse_args()

    log_dir = Path(os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="load-")))
    # The workers need no 300 s budget for a hostile file; the upload limits stay as set.
    os.environ.setdefault("REPORT_PARSE_TIMEOUT", "30")
    os.environ.setdefault("REPORT_PARSE_MEMORY_MB", "400")
    os.environ.setdefault("TASKS_BACKEND", "database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django_setup()
    # axes logs every forced login at INFO: thousands of lines that hide the figures.
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/load.py needs PostgreSQL: set DATABASE_URL to a scratch database")
    print(
        f"database: {connection.settings_dict['NAME']}; uploads={args.uploads} over "
        f"{args.firms} firms, photos={args.photos}, hostile={args.hostile:.0%}, "
        f"claimers={args.claimers}, tasks={args.tasks}, workers={args.workers}"
    )
    began = time.perf_counter()
    clean()
    claimers = claim_fixture(args.tasks, args.claimers)
    uploads = prepare_uploads(args.uploads, args.firms, args.photos, args.hostile)
    print(f"set-up: {time.perf_counter() - began:.1f} s (not measured below)")
    workers = start_workers(args.workers, log_dir)
    try:
        time.sleep(3.0)  # the workers' Django start-up, outside the measurement
        figures = run(args, uploads, claimers)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
    report(args, figures)
    errors = [u.error for u in uploads if u.error]
    if errors:
        print("upload errors:", *errors[:5], sep="\n  ")
    print(f"worker logs: {log_dir}/worker-*.log")


if __name__ == "__main__":
    main()
