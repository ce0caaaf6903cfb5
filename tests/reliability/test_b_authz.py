"""Reliability group B (RELIABILITY.md cases 18–28): who must NOT see or do what.

One world is built per module: two firms (F1 serving county C1 = 盐湖区, F2 serving C2 =
临猗县), city-wide and county bureau staff, a reviewer, a site admin and an anonymous visitor.
In each county: an offered task, an open pool task, a task with a parsed draft, a task with a
submitted report and one with an accepted report (file, page image, photo), a registered
problem with a referral, and a supervision round. Every object carries a marker (its building
number, or a unique search word) so a page can be checked for exactly the rows it should show.

The matrix below states, per read path and object, the set of personas that may read it; the
tests compare the set of personas that actually could with it, so a leak and an over-block
both fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from buildings.models import Building
from portal.api.tokens import token_issue
from portal.supervision import round_create
from reports.assignments import task_accept, task_assign, task_create
from reports.models import (
    AppraisalTask,
    Report,
    ReportPhoto,
    ReportState,
    ReportVersion,
    TaskState,
)
from tests.factories import (
    TEST_PASSWORD,
    AdminUserFactory,
    BuildingFactory,
    BureauUserFactory,
    FirmMemberFactory,
    UserFactory,
    county,
    qualified_firm,
)

pytestmark = pytest.mark.django_db

C1, C2 = "140802", "140821"
PERSONAS = ("f1", "f2", "city", "c1", "c2", "rev", "admin", "anon")
# Unique search words (ASCII runs are single tokens for both database backends).
MARKERS = {1: "qzmarkone", 2: "qzmarktwo"}
DRAFT_MARKERS = {1: "qzdraftone", 2: "qzdrafttwo"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Side:
    """One firm and its county, with everything the matrix reads."""

    n: int
    firm: Any
    offered: AppraisalTask
    pool: AppraisalTask
    draft: ReportVersion  # parsed, not submitted: the firm's working copy
    submitted: ReportVersion
    accepted: ReportVersion
    photo: ReportPhoto  # on the accepted version
    problem: Any
    referral: Any
    round: Any
    measure: Any  # a control measure (管控) with one photo
    record: Any  # an accountability record (约谈)

    @property
    def buildings(self) -> list[Building]:
        return [
            self.offered.building,
            self.pool.building,
            self.draft.report.task.building,
            self.submitted.report.task.building,
            self.accepted.report.task.building,
        ]


@dataclass
class World:
    users: dict[str, Any]
    sides: dict[int, Side] = field(default_factory=dict)
    copy_pair: Any = None  # F1's and F2's accepted reports, flagged as copies across counties

    def side(self, n: int) -> Side:
        return self.sides[n]


def _version(task: AppraisalTask, member: Any, state: str, text: str, n: int) -> ReportVersion:
    """A report version as the pipeline leaves it: stored PDF, one cached page image."""
    report = Report.objects.create(task=task, firm=task.firm)
    key = default_storage.save(f"reports/authz/{task.pk}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    building = task.building
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        file=key,
        original_name="report.pdf",
        size=15,
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        uploaded_by=member,
        state=state,
        page_count=1,
        fields={
            "report_no": f"AUTHZ-{task.pk}",
            "building_no": building.building_no,
            "address": building.address,
            "county": building.county.name,
            "firm": task.firm.name,
            "grade": "C",
            "structure_type": building.structure_type,
            "floors": building.floors,
            "appraisal_type": "危险性鉴定",
            "date": "2026-10-20",
            "recommendation": f"加固处理 {text}",
            "standards": ["JGJ 125-2016"],
        },
        extracted={"sections": [{"key": "conclusion", "text": f"评定为C级。{text}"}]},
    )
    from django.conf import settings

    width = settings.REPORTS["page_image_width"]
    default_storage.save(f"cache/pages/{version.pk}/1-{width}.png", ContentFile(_png()))
    report.current_version = version
    report.save(update_fields=["current_version"])
    return version


def _side(n: int, code: str, users: dict[str, Any], firm: Any) -> Side:
    from buildings.problem_ledger import problem_register
    from buildings.referrals import problem_refer

    city, member = users["city"], users[f"f{n}"]
    cty = county(code)

    def building(k: int, **kw: Any) -> Building:
        return BuildingFactory(
            building_no=f"{code}-7{n}{k:04d}",
            county=cty,
            address=f"测试地址{n}-{k}号",
            **kw,
        )

    def task(k: int, state: str) -> AppraisalTask:
        t = task_create(building=building(k), actor=city)
        if state == "open":
            return t
        task_assign(task=t, firm=firm, actor=city)
        if state == "offered":
            return t
        task_accept(task=t, user=member)
        if state != "accepted":
            AppraisalTask.objects.filter(pk=t.pk).update(state=state)
            t.refresh_from_db()
        return t

    offered, pool = task(1, "offered"), task(2, "open")
    draft = _version(task(3, "accepted"), member, ReportState.PARSED, DRAFT_MARKERS[n], n)
    submitted = _version(task(4, TaskState.SUBMITTED), member, ReportState.SUBMITTED, "", n)
    accepted = _version(task(5, TaskState.APPROVED), member, ReportState.ACCEPTED, MARKERS[n], n)
    photo_keys = [
        default_storage.save(f"reports/authz/photo-{n}-{kind}.jpg", ContentFile(_jpeg()))
        for kind in ("o", "m", "t")
    ]
    photo = ReportPhoto.objects.create(
        version=accepted,
        original=photo_keys[0],
        image=photo_keys[1],
        thumbnail=photo_keys[2],
        original_name="现场.jpg",
        sha256=hashlib.sha256(f"photo{n}".encode()).hexdigest(),
        width=8,
        height=8,
        caption=f"墙体裂缝 {MARKERS[n]}",
    )
    today = timezone.localdate()
    problem = problem_register(
        building=accepted.report.task.building,
        category="fire_safety",
        actor=city,
        description=f"疏散通道堆物 PROB{n}MARK",
        source="排查",
        found_on=today - dt.timedelta(days=2),
        responsible_name="张三",
        responsible_contact="13800000000",
        requirement="清理疏散通道",
        deadline=today + dt.timedelta(days=30),
    )
    referral = problem_refer(
        problem=problem,
        department="消防救援机构",
        actor=city,
        referred_on=today,
        requested_action="依法查处",
        deadline=today + dt.timedelta(days=20),
    )
    rnd = round_create(
        county=cty,
        held_on=today - dt.timedelta(days=5),
        kind="city",
        team="督导组",
        findings=f"发现问题 SUPV{n}MARK",
        actor=city,
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from buildings.control import measure_record

    # An accepted C report puts the building under control (set directly: no acceptance ran).
    controlled = accepted.report.task.building
    Building.objects.filter(pk=controlled.pk).update(control_required=True)
    controlled.refresh_from_db()
    measure = measure_record(
        building=controlled,
        kind="停止使用",
        started_on=today,
        responsible="李四",
        photos=[SimpleUploadedFile("封控.jpg", _jpeg(), content_type="image/jpeg")],
        actor=city,
    )
    from portal.supervision import accountability_create

    record = accountability_create(
        county=cty,
        held_on=today,
        kind="interview",
        target="乡镇人民政府",
        reason="排查进度滞后",
        content=f"约谈 ACCT{n}MARK",
        actor=city,
    )
    return Side(
        n,
        firm,
        offered,
        pool,
        draft,
        submitted,
        accepted,
        photo,
        problem,
        referral,
        rnd,
        measure,
        record,
    )


def build_world() -> World:
    from search.indexing import sync_reports

    f1, f2 = qualified_firm(C1), qualified_firm(C2)
    users = {
        "f1": FirmMemberFactory(firm=f1, username="authz_f1"),
        "f2": FirmMemberFactory(firm=f2, username="authz_f2"),
        "city": BureauUserFactory(username="authz_city"),
        "c1": BureauUserFactory(username="authz_c1", county=county(C1)),
        "c2": BureauUserFactory(username="authz_c2", county=county(C2)),
        "rev": UserFactory(username="authz_rev"),
        "admin": AdminUserFactory(username="authz_admin"),
        "anon": None,
    }
    world = World(users=users)
    world.sides[1] = _side(1, C1, users, f1)
    world.sides[2] = _side(2, C2, users, f2)
    from search.models import CopyPair

    a, b = sorted([world.sides[1].accepted.pk, world.sides[2].accepted.pk])
    world.copy_pair = CopyPair.objects.create(
        version_a_id=a, version_b_id=b, similarity=0.95, shared_shingles=40
    )
    # The index is kept up to date after commit; this world never commits, so sync by hand.
    sync_reports(Report.objects.values_list("pk", flat=True))
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from institutions.eligibility import forget_capabilities

            forget_capabilities()
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def clients(world):
    """clients[persona] → a logged-in test client (anonymous for "anon")."""
    made: dict[str, Client] = {}
    for name, user in world.users.items():
        c = Client()
        if user is not None:
            c.force_login(user)
        made[name] = c
    return made


def own(n: int, *extra: str) -> set[str]:
    """Who reads side n's back-office rows: city-wide staff, admin, the county's staff."""
    return {"city", "admin", f"c{n}", *extra}


# ------------------------------------------------------------------ case 18: object routes

# (route name, object getter, url args from the object, audience for side n)
DETAIL_ROUTES: list[tuple[str, Any, Any, Any]] = [
    ("task_detail", lambda s: s.offered, lambda o: [o.pk], lambda n: own(n)),
    ("task_detail", lambda s: s.pool, lambda o: [o.pk], lambda n: own(n)),
    ("firm_task_detail", lambda s: s.offered, lambda o: [o.pk], lambda n: {f"f{n}"}),
    ("firm_task_detail", lambda s: s.pool, lambda o: [o.pk], lambda n: {f"f{n}"}),
    (
        "building_detail",
        lambda s: s.accepted.report.task.building,
        lambda o: [o.pk],
        lambda n: own(n),
    ),
    ("report_version", lambda s: s.draft, lambda o: [o.pk], lambda n: own(n, f"f{n}")),
    ("report_file", lambda s: s.draft, lambda o: [o.pk], lambda n: own(n, f"f{n}")),
    ("report_page", lambda s: s.draft, lambda o: [o.pk, 1], lambda n: own(n, f"f{n}")),
    ("report_version_status", lambda s: s.draft, lambda o: [o.pk], lambda n: own(n, f"f{n}")),
    ("report_version", lambda s: s.submitted, lambda o: [o.pk], lambda n: own(n, f"f{n}")),
    ("report_file", lambda s: s.submitted, lambda o: [o.pk], lambda n: own(n, f"f{n}")),
    ("report_version", lambda s: s.accepted, lambda o: [o.pk], lambda n: own(n, f"f{n}", "rev")),
    ("report_file", lambda s: s.accepted, lambda o: [o.pk], lambda n: own(n, f"f{n}", "rev")),
    ("report_page", lambda s: s.accepted, lambda o: [o.pk, 1], lambda n: own(n, f"f{n}", "rev")),
    (
        "report_photo",
        lambda s: s.photo,
        lambda o: [o.pk, "thumb"],
        lambda n: own(n, f"f{n}", "rev"),
    ),
    (
        "report_photo",
        lambda s: s.photo,
        lambda o: [o.pk, "image"],
        lambda n: own(n, f"f{n}", "rev"),
    ),
    # Originals keep what the firm uploaded: not for reviewers.
    ("report_photo", lambda s: s.photo, lambda o: [o.pk, "original"], lambda n: own(n, f"f{n}")),
    ("problem_detail", lambda s: s.problem, lambda o: [o.pk], lambda n: own(n)),
    ("problem_notice", lambda s: s.problem, lambda o: [o.pk], lambda n: own(n)),
    ("referral_notice", lambda s: s.referral, lambda o: [o.problem_id], lambda n: own(n)),
    (
        "building_ledger",
        lambda s: s.accepted.report.task.building,
        lambda o: [o.pk],
        lambda n: own(n),
    ),
    ("supervision_detail", lambda s: s.round, lambda o: [o.pk], lambda n: own(n)),
    ("accountability_detail", lambda s: s.record, lambda o: [o.pk], lambda n: own(n)),
    ("control_photo", lambda s: s.measure, lambda o: ["measure", o.pk, 0], lambda n: own(n)),
    (
        "building_control",
        lambda s: s.accepted.report.task.building,
        lambda o: [o.pk],
        lambda n: own(n),
    ),
    ("progress_county", lambda s: s.round.county, lambda o: [o.pk], lambda n: own(n)),
    ("search_similar", lambda s: s.accepted, lambda o: [o.pk], lambda n: own(n, "rev")),
]

DETAIL_CASES = [
    pytest.param(route, get, args, audience, n, id=f"{route}-{i}-side{n}")
    for i, (route, get, args, audience) in enumerate(DETAIL_ROUTES)
    for n in (1, 2)
]


@pytest.mark.parametrize(("route", "get", "args", "audience", "n"), DETAIL_CASES)
def test_case_18_object_routes_open_only_to_their_audience(
    world, clients, route, get, args, audience, n
):
    url = reverse(route, args=args(get(world.side(n))))
    seen, statuses = set(), {}
    for persona in PERSONAS:
        r = clients[persona].get(url)
        statuses[persona] = r.status_code
        assert r.status_code != 500, (persona, url)
        if r.status_code == 200:
            seen.add(persona)
        elif persona == "anon":
            # Anonymous visitors are sent to log in, never told whether the object exists.
            assert r.status_code == 302 and "/accounts/login/" in r["Location"], (url, r)
        else:
            assert r.status_code in (403, 404), (persona, url, r.status_code)
    assert seen == audience(n), statuses


def test_case_18_a_cross_county_copy_pair_is_for_city_wide_staff_only(world, clients):
    for route in ("search_copy_detail",):
        url = reverse(route, args=[world.copy_pair.pk])
        seen = {p for p in PERSONAS if clients[p].get(url).status_code == 200}
        assert seen == {"city", "admin"}, route
    for persona, shown in [("city", True), ("admin", True), ("c1", False), ("c2", False)]:
        body = clients[persona].get(reverse("search_copies")).content.decode()
        assert (reverse("search_copy_detail", args=[world.copy_pair.pk]) in body) is shown
    r = clients["c1"].post(
        reverse("search_copy_review", args=[world.copy_pair.pk]), {"status": "dismissed"}
    )
    assert r.status_code == 404
    world.copy_pair.refresh_from_db()
    assert world.copy_pair.status == "new"


def test_case_18_no_existence_oracle_for_other_tenants(world, clients):
    """F1 asking for F2's report and for an id that does not exist gets the same answer."""
    other = world.side(2).accepted
    missing = ReportVersion.objects.order_by("-pk").first().pk + 1000
    for route, args in [
        ("report_version", [other.pk]),
        ("report_file", [other.pk]),
        ("report_page", [other.pk, 1]),
    ]:
        a = clients["f1"].get(reverse(route, args=args))
        b = clients["f1"].get(reverse(route, args=[missing, *args[1:]]))
        assert a.status_code == b.status_code == 404, route
    photo = world.side(2).photo
    a = clients["f1"].get(reverse("report_photo", args=[photo.pk, "thumb"]))
    b = clients["f1"].get(reverse("report_photo", args=[photo.pk + 1000, "thumb"]))
    assert a.status_code == b.status_code == 404


# ------------------------------------------------------------------ case 19: list scoping


def _markers_in(body: str, world: World) -> set[str]:
    """Which side-objects' building numbers a page shows, as 'kind:n' labels."""
    found = set()
    for n, side in world.sides.items():
        for kind, obj in [
            ("offered", side.offered.building),
            ("pool", side.pool.building),
            ("draft", side.draft.report.task.building),
            ("submitted", side.submitted.report.task.building),
            ("accepted", side.accepted.report.task.building),
        ]:
            if obj.building_no in body:
                found.add(f"{kind}:{n}")
    return found


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


def _both(kind: str) -> set[str]:
    return {f"{kind}:1", f"{kind}:2"}


def _one(n: int, *kinds: str) -> set[str]:
    return {f"{k}:{n}" for k in kinds}


ALL_TASK_ROWS = {"offered", "pool", "draft", "submitted", "accepted"}

# (label, url, {persona: expected markers}); personas not named must be refused (302/403).
LIST_PAGES: list[tuple[str, str, dict[str, set[str]]]] = [
    (
        "bureau task list",
        "/bureau/tasks/",
        {
            "city": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "admin": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "c1": _one(1, *ALL_TASK_ROWS),
            "c2": _one(2, *ALL_TASK_ROWS),
        },
    ),
    (
        "bureau building list",
        "/bureau/buildings/",
        {
            "city": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "admin": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "c1": _one(1, *ALL_TASK_ROWS),
            "c2": _one(2, *ALL_TASK_ROWS),
        },
    ),
    (
        "review list (submitted)",
        "/bureau/reports/",
        {
            "city": _both("submitted"),
            "admin": _both("submitted"),
            "c1": _one(1, "submitted"),
            "c2": _one(2, "submitted"),
        },
    ),
    (
        "review list (accepted)",
        "/bureau/reports/?state=accepted",
        {
            "city": _both("accepted"),
            "admin": _both("accepted"),
            "c1": _one(1, "accepted"),
            "c2": _one(2, "accepted"),
        },
    ),
    (
        "firm queue",
        "/firm/tasks/",
        {
            # The queue lists open work and the pool; concluded tasks are not on it.
            "f1": _one(1, "offered", "pool", "draft", "submitted"),
            "f2": _one(2, "offered", "pool", "draft", "submitted"),
        },
    ),
    (
        "problem list",
        "/bureau/problems/",
        {
            "city": _both("accepted"),
            "admin": _both("accepted"),
            "c1": _one(1, "accepted"),
            "c2": _one(2, "accepted"),
        },
    ),
    (
        "problem export",
        "/bureau/problems/export.xlsx",
        {
            "city": _both("accepted"),
            "admin": _both("accepted"),
            "c1": _one(1, "accepted"),
            "c2": _one(2, "accepted"),
        },
    ),
    (
        "search export",
        "/search/export/",
        {
            "city": _both("accepted"),
            "admin": _both("accepted"),
            "rev": _both("accepted"),
            "c1": _one(1, "accepted"),
            "c2": _one(2, "accepted"),
        },
    ),
]


@pytest.mark.parametrize(
    ("label", "url", "expected"), [pytest.param(*p, id=p[0]) for p in LIST_PAGES]
)
def test_case_19_lists_and_exports_show_exactly_the_scope(world, clients, label, url, expected):
    for persona in PERSONAS:
        r = clients[persona].get(url)
        assert r.status_code != 500, (persona, url)
        if persona not in expected:
            assert r.status_code in (302, 403), (persona, url, r.status_code)
            continue
        assert r.status_code == 200, (persona, url, r.status_code)
        if r["Content-Type"].startswith("application/vnd.openxml"):
            body = _xlsx_text(r.content)
        else:
            body = b"".join(r).decode() if r.streaming else r.content.decode()
        assert _markers_in(body, world) == expected[persona], (persona, url)


def test_case_19_supervision_lists_stay_in_the_county(world, clients):
    for persona, expected in [
        ("city", {1, 2}),
        ("admin", {1, 2}),
        ("c1", {1}),
        ("c2", {2}),
    ]:
        body = clients[persona].get(reverse("supervision_list")).content.decode()
        shown = {
            n
            for n in (1, 2)
            if reverse("supervision_detail", args=[world.side(n).round.pk]) in body
        }
        assert shown == expected, persona
        body = clients[persona].get(reverse("accountability_list")).content.decode()
        shown = {
            n
            for n in (1, 2)
            if reverse("accountability_detail", args=[world.side(n).record.pk]) in body
        }
        assert shown == expected, persona
    for persona in ("f1", "f2", "rev"):
        assert clients[persona].get(reverse("supervision_list")).status_code == 403
        assert clients[persona].get(reverse("accountability_list")).status_code == 403


API_LISTS = [
    # (url, {persona: expected markers}); others get 403 (401 anonymous).
    (
        "/api/v1/reports/",
        {
            "city": _both("submitted") | _both("accepted"),
            "admin": _both("submitted") | _both("accepted"),
            "c1": _one(1, "submitted", "accepted"),
            "c2": _one(2, "submitted", "accepted"),
            "f1": _one(1, "submitted", "accepted"),
            "f2": _one(2, "submitted", "accepted"),
            "rev": _both("accepted"),
        },
    ),
    (
        "/api/v1/buildings/",
        {
            "city": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "admin": _one(1, *ALL_TASK_ROWS) | _one(2, *ALL_TASK_ROWS),
            "c1": _one(1, *ALL_TASK_ROWS),
            "c2": _one(2, *ALL_TASK_ROWS),
        },
    ),
    (
        "/api/v1/tasks/",
        {
            "f1": _one(1, "offered", "draft", "submitted"),
            "f2": _one(2, "offered", "draft", "submitted"),
        },
    ),
    (
        "/api/v1/tasks/?scope=pool",
        {"f1": _one(1, "pool"), "f2": _one(2, "pool")},
    ),
]


@pytest.fixture
def api_clients(world):
    from django.core.cache import cache

    cache.clear()  # throttle history
    made = {}
    for name, user in world.users.items():
        c = APIClient()
        if user is not None:
            c.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        made[name] = c
    return made


@pytest.mark.parametrize(("url", "expected"), [pytest.param(*p, id=p[0]) for p in API_LISTS])
def test_case_19_api_lists_show_exactly_the_scope(world, api_clients, url, expected):
    for persona in PERSONAS:
        r = api_clients[persona].get(url)
        if persona not in expected:
            assert r.status_code in (401, 403), (persona, url, r.status_code)
            continue
        assert r.status_code == 200, (persona, url, r.content)
        assert _markers_in(r.content.decode(), world) == expected[persona], (persona, url)
        count = r.json().get("count")
        if count is not None:
            # Totals do not reveal other tenants' rows.
            assert count == len(expected[persona]), (persona, url, count)


API_DETAILS = [
    ("api_report", lambda s: s.accepted.report.pk, lambda n: own(n, f"f{n}", "rev")),
    ("api_report", lambda s: s.submitted.report.pk, lambda n: own(n, f"f{n}")),
    ("api_version", lambda s: s.draft.pk, lambda n: own(n, f"f{n}")),
    ("api_task", lambda s: s.offered.pk, lambda n: {f"f{n}"}),
    ("api_task", lambda s: s.pool.pk, lambda n: {f"f{n}"}),
    ("api_building", lambda s: s.offered.building.pk, lambda n: own(n)),
]


@pytest.mark.parametrize(
    ("name", "get", "audience", "n"),
    [
        pytest.param(name, get, aud, n, id=f"{name}-{i}-side{n}")
        for i, (name, get, aud) in enumerate(API_DETAILS)
        for n in (1, 2)
    ],
)
def test_case_18_api_objects_open_only_to_their_audience(
    world, api_clients, name, get, audience, n
):
    url = reverse(name, args=[get(world.side(n))])
    seen, statuses = set(), {}
    for persona in PERSONAS:
        r = api_clients[persona].get(url)
        statuses[persona] = r.status_code
        assert r.status_code in (200, 401, 403, 404), (persona, url, r.status_code)
        if r.status_code == 200:
            seen.add(persona)
    assert seen == audience(n), statuses


# ------------------------------------------------------------------ case 20: search side channels


def _search(client: Client, text: str) -> tuple[set[int], int, str]:
    r = client.get(reverse("search"), {"q": text})
    assert r.status_code == 200
    body = r.content.decode()
    hits = {int(x) for x in re.findall(r'data-hit="(\d+)"', body)}
    total = int(re.search(r"<strong data-total>(\d+)</strong>", body).group(1))
    return hits, total, body


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("city", {1, 2}),
        ("admin", {1, 2}),
        ("rev", {1, 2}),
        ("c1", {1}),
        ("c2", {2}),
    ],
)
def test_case_20_search_hits_totals_and_facets_stay_in_scope(world, clients, persona, visible):
    client = clients[persona]
    for n in (1, 2):
        hits, total, body = _search(client, MARKERS[n])
        expected = {world.side(n).accepted.pk} if n in visible else set()
        assert hits == expected, (persona, n)
        assert total == len(expected), (persona, n)
        if n not in visible:
            # No highlight, facet or suggestion text leaks the other county's marker.
            assert MARKERS[n] not in body.replace(f'value="{MARKERS[n]}"', "").replace(
                f"包含“{MARKERS[n]}”", ""
            ), persona
            assert world.side(n).accepted.report.task.building.building_no not in body
        # Draft text is never indexed, for anyone.
        hits, total, _ = _search(client, DRAFT_MARKERS[n])
        assert (hits, total) == (set(), 0), persona
    # Facets: the county facet names only counties in scope, and no facet value counts more
    # reports than the user may read.
    for text in ("", MARKERS[1], MARKERS[2]):
        _, total, body = _search(client, text)
        facets = _facets(body)
        assert set(facets.get("county", {})) <= {
            str(county(C1 if n == 1 else C2).pk) for n in visible
        } | {county(C1 if n == 1 else C2).code for n in visible}, (persona, facets)
        for name, values in facets.items():
            assert all(c <= total for c in values.values()), (persona, name, values)
    facets = _facets(_search(client, "")[2])
    assert sum(facets["grade"].values()) == len(visible), (persona, facets)
    assert set(facets["firm"]) == {str(world.side(n).firm.pk) for n in visible}, persona
    assert _search(client, "")[1] == len(visible), persona


def _facets(body: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name, block in re.findall(r'data-facet="([^"]+)"(.*?)</details>', body, re.S):
        values = re.findall(r'data-facet-value="([^"]*)".*?data-count>(\d+)<', block, re.S)
        out[name] = {v: int(c) for v, c in values}
    return out


def test_case_20_firms_have_no_search(clients):
    for persona in ("f1", "f2"):
        assert clients[persona].get(reverse("search"), {"q": MARKERS[2]}).status_code == 403
        assert clients[persona].get(reverse("search_export")).status_code == 403
    assert clients["anon"].get(reverse("search")).status_code == 302


# ------------------------------------------------------------------ case 21: permission changes


def test_case_21_moving_a_report_to_another_county_hides_it_at_once(world, clients):
    accepted = world.side(1).accepted
    building = accepted.report.task.building
    assert _search(clients["c1"], MARKERS[1])[0] == {accepted.pk}
    # Moved in the database only: the index still files it under C1.
    Building.objects.filter(pk=building.pk).update(county=county(C2))
    hits, total, _ = _search(clients["c1"], MARKERS[1])
    assert (hits, total) == (set(), 0)
    assert clients["c1"].get(reverse("report_version", args=[accepted.pk])).status_code == 404
    assert clients["c2"].get(reverse("report_version", args=[accepted.pk])).status_code == 200
    # The new audience finds it once the index catches up (after commit, in production).
    from search.indexing import sync_reports

    sync_reports([accepted.report_id])
    assert _search(clients["c2"], MARKERS[1])[0] == {accepted.pk}
    assert _search(clients["c1"], MARKERS[1])[1] == 0


def test_case_21_a_user_removed_from_the_firm_loses_access_in_the_open_session(world):
    from portal.models import User

    leaver = FirmMemberFactory(firm=world.side(1).firm, username="authz_leaver")
    client = Client()
    client.force_login(leaver)
    url = reverse("report_version", args=[world.side(1).draft.pk])
    assert client.get(url).status_code == 200
    User.objects.filter(pk=leaver.pk).update(firm=None, role="")
    assert client.get(url).status_code in (403, 404)
    User.objects.filter(pk=leaver.pk).update(firm=world.side(1).firm, role="firm", is_active=False)
    r = client.get(url)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


# ------------------------------------------------------------------ case 22: public surface

# Wagtail's own login, password reset and static helpers are public by design.
PUBLIC_PREFIXES = ("wagtailadmin_login", "wagtailadmin_password_reset", "wagtailadmin_sprite")
PUBLIC_URL_NAMES = {
    "wagtailadmin_javascript_catalog",
    "login",
    "verify",
    "firm_registry",
    "password_reset",
    "wagtail_serve",
    "wagtailcore_login",
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, ids: dict[str, Any]) -> str | None:
    """A concrete path for a route pattern, with real ids for its arguments; None for regex
    routes this cannot fill."""
    if route.startswith("^") or "(?P" in route or "(" in route:
        return None

    def value(m: re.Match[str]) -> str:
        conv, name = m.group(1) or "str", m.group(2)
        if conv in ("int", "id"):
            return str(ids.get(name, ids["pk"]))
        if name == "kind":
            return "thumb"
        if conv == "uuid":
            return "00000000-0000-0000-0000-000000000000"
        return "x"

    return "/" + _CONVERTER.sub(value, route)


def _all_paths(world: World, pk: int) -> list[tuple[str, str | None]]:
    ids = {
        "pk": pk,
        "task_pk": world.side(1).offered.pk,
        "building_pk": world.side(1).offered.building.pk,
        "county_id": county(C1).pk,
        "number": 1,
        "index": 0,
    }
    out = []
    for route, p in _walk(get_resolver().url_patterns):
        path = _fill(route, ids)
        if path is not None:
            out.append((path, p.name))
    return out


def test_case_22_anonymous_visitors_reach_only_public_pages(world):
    client = Client()
    pk = world.side(1).accepted.pk
    open_pages = []
    for path, name in _all_paths(world, pk):
        r = client.get(path)
        assert r.status_code != 500, path
        public = name in PUBLIC_URL_NAMES or (name or "").startswith(PUBLIC_PREFIXES)
        if r.status_code == 200 and not public:
            open_pages.append((path, name))
    # The API docs are a description of the interface, no data.
    assert {name for _, name in open_pages} <= {
        "api_docs",
        "wagtaildocs_authenticate_with_password",
    }, open_pages


def test_case_22_public_firm_list_shows_no_staff_data(world):
    body = Client().get(reverse("firm_registry")).content.decode()
    for user in world.users.values():
        if user is not None:
            assert user.username not in body
            if user.email:
                assert user.email not in body


def test_case_22_drafts_are_not_public_pages(world):
    """Wagtail preview, revision and page-API URLs are behind the CMS login."""
    client = Client()
    for path in (
        "/cms/pages/",
        "/cms/pages/1/edit/preview/",
        "/cms/pages/1/revisions/",
        "/api/v2/pages/",
    ):
        r = client.get(path)
        assert r.status_code in (302, 404), (path, r.status_code)
        if r.status_code == 302:
            assert "login" in r["Location"]


# ------------------------------------------------------------------ case 23: direct file access


def test_case_23_media_files_are_never_served_directly(world, clients):
    from django.conf import settings

    keys = [
        world.side(1).accepted.file.name,
        world.side(1).photo.original.name,
        f"cache/pages/{world.side(1).accepted.pk}/1-{settings.REPORTS['page_image_width']}.png",
    ]
    for key in keys:
        assert default_storage.exists(key)
        for persona in ("admin", "f1", "anon"):
            r = clients[persona].get(settings.MEDIA_URL + key)
            assert r.status_code in (302, 404), (persona, key, r.status_code)
            if r.status_code == 200:  # pragma: no cover - the failure being guarded against
                pytest.fail(f"{key} served from MEDIA_URL")
    # No URL pattern serves MEDIA_URL (the Wagtail catch-all answers 404 for it).
    media_routes = [r for r, p in _walk(get_resolver().url_patterns) if r.startswith("media")]
    assert media_routes == []


def test_case_23_downloads_are_attachments_with_nosniff(world, clients):
    side = world.side(1)
    for url in (
        reverse("report_file", args=[side.accepted.pk]),
        reverse("report_photo", args=[side.photo.pk, "original"]),
    ):
        r = clients["f1"].get(url)
        assert r.status_code == 200
        assert r["Content-Disposition"].startswith("attachment;")
        assert r["X-Content-Type-Options"] == "nosniff"
        assert "text/html" not in r["Content-Type"]
    for url in (
        reverse("report_page", args=[side.accepted.pk, 1]),
        reverse("report_photo", args=[side.photo.pk, "thumb"]),
    ):
        r = clients["f1"].get(url)
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Type"] in ("image/png", "image/jpeg")


# ------------------------------------------------------------------ case 24: county boundary


def test_case_24_county_staff_cannot_write_across_the_boundary(world, clients):
    other = world.side(2)
    c1 = clients["c1"]
    before = AppraisalTask.objects.get(pk=other.pool.pk).state
    r = c1.post(reverse("task_assign", args=[other.pool.pk]), {"firm": world.side(1).firm.pk})
    assert r.status_code in (403, 404)
    r = c1.post(reverse("task_withdraw", args=[other.offered.pk]), {"reason": "试图越权撤回"})
    assert r.status_code in (403, 404)
    r = c1.post(reverse("report_review", args=[other.submitted.pk]), {"decision": "accept"})
    assert r.status_code in (403, 404)
    r = c1.post(
        reverse("task_create", args=[other.accepted.report.task.building.pk]), {"confirm": "1"}
    )
    assert r.status_code in (403, 404)
    c1.post(
        reverse("building_bulk_action"),
        {
            "action": "create_tasks",
            "ids": [b.pk for b in other.buildings],
            "building": [b.pk for b in other.buildings],
        },
    )
    assert AppraisalTask.objects.get(pk=other.pool.pk).state == before
    assert AppraisalTask.objects.get(pk=other.offered.pk).state == TaskState.OFFERED
    assert ReportVersion.objects.get(pk=other.submitted.pk).state == ReportState.SUBMITTED
    assert AppraisalTask.objects.filter(building__in=other.buildings).count() == 5


def test_case_24_firms_cannot_claim_or_accept_outside_their_counties(world, clients, api_clients):
    other = world.side(2)
    r = clients["f1"].post(reverse("firm_task_claim", args=[other.pool.pk]))
    assert r.status_code in (403, 404)
    r = clients["f1"].post(reverse("firm_task_accept", args=[other.offered.pk]))
    assert r.status_code in (403, 404)
    r = api_clients["f1"].post(reverse("api_task_claim", args=[other.pool.pk]))
    assert r.status_code in (403, 404)
    r = api_clients["f1"].post(reverse("api_task_accept", args=[other.offered.pk]))
    assert r.status_code in (403, 404)
    # Claim-next only ever takes from the firm's own counties.
    clients["f1"].post(reverse("firm_claim_next"))
    assert AppraisalTask.objects.get(pk=other.pool.pk).firm_id is None
    assert AppraisalTask.objects.get(pk=other.offered.pk).state == TaskState.OFFERED
    # Refusals name no other firm's staff.
    assert world.users["f2"].username not in r.content.decode()


# ------------------------------------------------------------------ case 25: reviewer read-only


def _snapshot() -> dict[str, Any]:
    """Every row of every table the application writes, except sessions and login attempts."""
    from django.apps import apps

    skip = {"sessions", "axes", "admin"}
    snap = {}
    for model in apps.get_models():
        if model._meta.app_label in skip or model._meta.proxy or not model._meta.managed:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        snap[model._meta.label] = [tuple(map(repr, row)) for row in rows]
    return snap


def test_case_25_reviewer_writes_change_nothing_on_any_url(world):
    reviewer = world.users["rev"]
    client = Client()
    client.force_login(reviewer)
    pks = [world.side(1).accepted.pk, world.side(2).submitted.pk]
    paths = {p for pk in pks for p in _all_paths(world, pk)}
    # Every portal, API, Django-admin and Wagtail-admin route, with real ids.
    assert len(paths) > 300
    before = _snapshot()
    errors, allowed = [], []
    for path, name in sorted(paths, key=lambda p: p[0]):
        if name in ("logout",):
            continue
        for method in ("post", "put", "patch", "delete"):
            data = {
                "decision": "accept",
                "state": "accepted",
                "confirm": "1",
                "status": "confirmed",
            }
            r = getattr(client, method)(path, data if method == "post" else None)
            if r.status_code >= 500:
                errors.append((method, path, r.status_code))
            elif r.status_code < 300 and method != "post":
                allowed.append((method, path, r.status_code))
    assert errors == []
    after = _snapshot()
    changed = [label for label in before if before[label] != after.get(label)]
    # Read views answering PUT/PATCH/DELETE like GET (listed in `allowed`) change nothing either.
    assert changed == [], (changed, allowed)


# ------------------------------------------------------------------ case 26: mass assignment


def test_case_26_extra_fields_on_firm_forms_are_ignored(world, clients):
    from institutions.models import AppraisalFirm
    from portal.models import User

    side, member = world.side(1), world.users["f1"]
    before = (
        User.objects.filter(pk=member.pk)
        .values("role", "firm_id", "county_id", "is_staff", "is_superuser")
        .get()
    )
    firm_before = AppraisalFirm.objects.filter(pk=side.firm.pk).values().get()
    extra = {
        "firm": world.side(2).firm.pk,
        "firm_id": world.side(2).firm.pk,
        "county": county(C2).pk,
        "state": "approved",
        "role": "admin",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": "1",
        "uploaded_by": world.users["admin"].pk,
    }
    clients["f1"].post(reverse("firm_task_accept", args=[side.offered.pk]), extra)
    task = AppraisalTask.objects.get(pk=side.offered.pk)
    assert task.firm_id == side.firm.pk and task.building.county.code == C1
    assert task.state in (TaskState.OFFERED, TaskState.ACCEPTED)
    clients["f1"].post(reverse("firm_profile"), {**extra, "name": firm_before["name"]})
    clients["f1"].post(reverse("firm_edit", args=[side.firm.pk]), extra)
    clients["f1"].post(reverse("password_change"), extra)
    after = (
        User.objects.filter(pk=member.pk)
        .values("role", "firm_id", "county_id", "is_staff", "is_superuser")
        .get()
    )
    assert after == before
    firm_after = AppraisalFirm.objects.filter(pk=side.firm.pk).values().get()
    assert {k: v for k, v in firm_after.items() if k != "updated_at"} == {
        k: v for k, v in firm_before.items() if k != "updated_at"
    }


def test_case_26_api_ignores_state_and_firm_in_bodies(world, api_clients):
    side = world.side(1)
    r = api_clients["f1"].post(
        reverse("api_task_accept", args=[side.offered.pk]),
        {"state": "approved", "firm": world.side(2).firm.pk},
        format="json",
    )
    assert r.status_code in (200, 400, 409), r.content
    task = AppraisalTask.objects.get(pk=side.offered.pk)
    assert task.firm_id == side.firm.pk
    assert task.state in (TaskState.OFFERED, TaskState.ACCEPTED)


# ------------------------------------------------------------------ case 27: brute force


@pytest.fixture
def axes_on(settings):
    from django.core.cache import cache

    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    cache.clear()
    yield settings
    cache.clear()


def _login(client: Client, path: str, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_case_27_lockout_after_the_limit_keyed_on_username_and_ip(world, axes_on):
    user = world.users["f1"]
    client = Client()
    for _ in range(2):
        r = _login(client, "/accounts/login/", user.username, "wrong-password")
        assert r.status_code == 200  # the form again, with an error
    # The third failure (AXES_FAILURE_LIMIT) locks the pair; the right password then too.
    assert _login(client, "/accounts/login/", user.username, "wrong-password").status_code == 429
    r = _login(client, "/accounts/login/", user.username, TEST_PASSWORD)
    assert r.status_code == 429
    body = r.content.decode()
    assert "登录已暂时锁定" in body and "15 分钟" in body
    assert "_auth_user_id" not in client.session
    # The same user from another address, and another user from this one, are not locked.
    r = _login(Client(), "/accounts/login/", user.username, TEST_PASSWORD, ip="10.0.0.2")
    assert r.status_code == 302
    r = _login(Client(), "/accounts/login/", world.users["f2"].username, TEST_PASSWORD)
    assert r.status_code == 302


def test_case_27_forged_forwarded_for_does_not_reset_the_counter(world, axes_on):
    user = world.users["c1"]
    for i in range(3):
        _login(
            Client(), "/accounts/login/", user.username, "bad", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"
        )
    r = _login(
        Client(), "/accounts/login/", user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert r.status_code == 429


def test_case_27_lockout_page_is_the_same_for_unknown_users(world, axes_on):
    bodies = []
    for username in (world.users["f2"].username, "no-such-user-at-all"):
        for _ in range(3):
            _login(Client(), "/accounts/login/", username, "bad", ip="10.0.0.9")
        r = _login(Client(), "/accounts/login/", username, "bad", ip="10.0.0.9")
        assert r.status_code == 429
        bodies.append(re.sub(r"csrfmiddlewaretoken[^>]*", "", r.content.decode()))
    assert bodies[0] == bodies[1]
    assert "no-such-user-at-all" not in bodies[1]


def test_case_27_admin_and_cms_logins_share_the_limit(world, axes_on):
    admin = world.users["admin"]
    _login(Client(), "/accounts/login/", admin.username, "bad")
    _login(Client(), "/django-admin/login/", admin.username, "bad")
    _login(Client(), "/cms/login/", admin.username, "bad")
    for path in ("/django-admin/login/", "/cms/login/", "/accounts/login/"):
        r = _login(Client(), path, admin.username, TEST_PASSWORD)
        assert r.status_code == 429, path


def test_case_27_api_token_auth_is_unaffected_by_lockout(world, axes_on, api_clients):
    user = world.users["f1"]
    for _ in range(4):
        _login(Client(), "/accounts/login/", user.username, "bad")
    assert api_clients["f1"].get(reverse("api_tasks")).status_code == 200


# ------------------------------------------------------------------ case 28: sessions, passwords


def test_case_28_login_rotates_the_session_key_and_logout_flushes_it(world):
    user = world.users["f1"]
    client = Client()
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = "before-login"
    session.save()
    before = session.session_key
    r = _login(client, "/accounts/login/", user.username, TEST_PASSWORD)
    assert r.status_code == 302
    after = client.session.session_key
    assert after and after != before
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=after).exists()
    # The old cookie no longer opens anything.
    stale = Client()
    stale.cookies["sessionid"] = after
    assert stale.get(reverse("firm_dashboard")).status_code == 302


def test_case_28_password_change_logs_out_other_sessions(world):
    user = FirmMemberFactory(firm=world.side(1).firm, username="authz_pw")
    other, mine = Client(), Client()
    _login(other, "/accounts/login/", user.username, TEST_PASSWORD)
    _login(mine, "/accounts/login/", user.username, TEST_PASSWORD)
    assert other.get(reverse("firm_dashboard")).status_code == 200
    r = mine.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-Passphrase-42",
            "new_password2": "a-new-Passphrase-42",
        },
    )
    assert r.status_code == 302
    assert mine.get(reverse("firm_dashboard")).status_code == 200
    assert other.get(reverse("firm_dashboard")).status_code == 302


def test_case_28_weak_passwords_are_refused_in_chinese(world):
    user = FirmMemberFactory(firm=world.side(1).firm, username="authz_weak")
    client = Client()
    client.force_login(user)
    for weak in ("12345678", "password", "authz_weak1", "abc"):
        r = client.post(
            reverse("password_change"),
            {"old_password": TEST_PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert r.status_code == 200, weak
        assert "密码" in r.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_case_28_old_hashes_are_upgraded_on_login(world, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    from django.contrib.auth.hashers import make_password

    from portal.models import User

    user = FirmMemberFactory(firm=world.side(1).firm, username="authz_md5")
    User.objects.filter(pk=user.pk).update(password=make_password(TEST_PASSWORD, hasher="md5"))
    r = _login(Client(), "/accounts/login/", user.username, TEST_PASSWORD)
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")


def test_case_28_production_cookie_and_hasher_settings(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*",
        ALLOWED_HOSTS="jianding.example.gov.cn",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from django.contrib.auth.hashers import get_hasher; print(json.dumps({"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'session_samesite': s.SESSION_COOKIE_SAMESITE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'csrf_samesite': s.CSRF_COOKIE_SAMESITE, 'hasher': get_hasher().algorithm,"
        "'iterations': get_hasher().iterations, 'axes': s.AXES_ENABLED,"
        "'backend': s.AUTHENTICATION_BACKENDS[0], 'validators': len(s.AUTH_PASSWORD_VALIDATORS)}))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["session_secure"] and got["session_httponly"] and got["csrf_secure"]
    assert got["session_samesite"] == got["csrf_samesite"] == "Lax"
    assert got["hasher"] in ("argon2", "pbkdf2_sha256")
    assert got["hasher"] == "argon2" or got["iterations"] >= 1_000_000
    assert got["axes"] is True and got["backend"] == "axes.backends.AxesStandaloneBackend"
    assert got["validators"] >= 4


# ------------------------------------------------------------------ case 17 (CSP part)


def test_case_17_pages_carry_a_strict_csp_and_security_headers(world, clients):
    r = clients["f1"].get(reverse("report_version", args=[world.side(1).draft.pk]))
    csp = r["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert r["Referrer-Policy"] == "same-origin"
    assert "camera=()" in r["Permissions-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    # The draft is still parsing-capable: its polling script is a static file, not inline.
    body = r.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)


def test_case_17_no_template_has_inline_script_or_event_handlers():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path}: on* handler")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript: URL")
    assert offenders == []


def test_case_17_cms_relaxes_scripts_only(world, clients):
    r = clients["admin"].get("/cms/")
    assert r.status_code == 200
    csp = r["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


# ------------------------------------------------------------------ case 19: admin sites

ADMIN_CHANGELISTS = [
    "/django-admin/reports/appraisaltask/",
    "/django-admin/reports/report/",
    "/django-admin/reports/reportversion/",
    "/django-admin/buildings/building/",
    "/django-admin/portal/user/",
]


@pytest.mark.parametrize("url", ADMIN_CHANGELISTS)
def test_case_19_django_admin_is_for_site_admins_only(world, clients, url):
    for persona in PERSONAS:
        r = clients[persona].get(url)
        if persona == "admin":
            assert r.status_code in (200, 404), url  # 404: model not registered
        else:
            assert r.status_code == 302 and "/django-admin/login/" in r["Location"], persona


def test_case_19_global_model_permissions_do_not_widen_object_access(world):
    """County staff given every global view permission, and even the staff flag, still read
    only their county: web views, API and the Django admin."""
    from django.contrib.auth.models import Permission

    from portal.models import User

    user = BureauUserFactory(username="authz_perm", county=county(C1))
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=("reports", "buildings", "portal", "institutions"),
            codename__startswith="view_",
        )
    )
    user.is_staff = True
    user.save()  # the staff flag follows the role on save
    assert not User.objects.get(pk=user.pk).is_staff
    # Set behind save()'s back: the admin site still checks the role (portal/admin.py).
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    other = world.side(2)
    assert client.get(reverse("report_version", args=[other.accepted.pk])).status_code == 404
    assert client.get(reverse("task_detail", args=[other.offered.pk])).status_code == 404
    assert _markers_in(client.get("/bureau/tasks/").content.decode(), world) == _one(
        1, *ALL_TASK_ROWS
    )
    for url in ADMIN_CHANGELISTS:
        r = client.get(url)
        body = r.content.decode() if r.status_code == 200 else ""
        assert _markers_in(body, world) <= _one(1, *ALL_TASK_ROWS), url
        assert other.offered.building.building_no not in body, url
    r = client.get(f"/django-admin/reports/reportversion/{other.accepted.pk}/change/")
    assert r.status_code in (302, 403, 404), r.status_code


@pytest.mark.parametrize(
    "name",
    ["progress_report_xlsx", "referral_summary_xlsx", "rectification_export", "problem_export"],
)
def test_case_19_county_exports_name_no_other_county(world, clients, name):
    """Aggregate exports too: county staff's workbook holds their county only."""
    r = clients["c1"].get(reverse(name))
    assert r.status_code == 200, name
    text = _xlsx_text(r.content)
    assert county(C2).name not in text, name
    assert "PROB2MARK" not in text


def test_case_19_referral_totals_count_the_county_only(world, clients):
    def referred_to_fire_service(persona: str) -> int:
        lines = _xlsx_text(clients[persona].get(reverse("referral_summary_xlsx")).content)
        lines = lines.split("\n")
        return int(lines[lines.index("消防救援机构") + 1])

    assert referred_to_fire_service("city") == 2
    assert referred_to_fire_service("c1") == 1
    assert referred_to_fire_service("c2") == 1
    assert clients["c1"].get(reverse("progress_circular_xlsx")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_case_25_read_only_views_answer_writes_with_405(client, personas, method):
    """Pages that only show or send something take GET and HEAD only: another method is
    refused before any lookup (405), whoever sends it."""
    client.force_login(personas.reviewer)
    for name, args in [
        ("search", []),
        ("search_export", []),
        ("report_version", [1]),
        ("report_version_status", [1]),
        ("report_file", [1]),
        ("report_page", [1, 1]),
        ("report_photo", [1, "image"]),
        ("report_qr", [1]),
    ]:
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 405, (name, response.status_code)
