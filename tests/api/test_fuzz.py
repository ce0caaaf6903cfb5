"""Schemathesis over the OpenAPI document, in-process through the WSGI application, as a firm
user and as a bureau user: no 5xx, every answer documented and shaped as documented.

Bounded and derandomized (same examples every run). Path ids are drawn partly from rows that
exist, so actions reach the services instead of stopping at 404.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.tokens import token_issue
from reports.models import AppraisalTask, Report, ReportState, ReportVersion
from tests.factories import BuildingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _reports(world, bureau):
    """Firm A's reports in 盐湖区: one accepted, one parsed draft; fields as the parser gives."""
    from reports.assignments import task_accept, task_assign, task_create, task_follow_report
    from reports.workflow import version_accept

    def report(task, state, n):
        fields = {
            "report_no": f"YC-2026-{n:03d}", "appraisal_type": "危险性鉴定",
            "firm": world.firm_a.name, "address": task.building.address, "county": "盐湖区",
            "owner": "李四", "date": "2026-10-20", "building_no": task.building.building_no,
            "structure_type": "砖混结构", "floors": 2, "grade": "C", "load_system": "墙体承重",
            "seismic": {"intensity": "7度", "conclusion": "不满足"},
            "recommendation": "停止使用", "standards": ["GB 50292-2015"],
        }  # fmt: skip
        problem = {"code": "missing_stamp", "severity": "warning", "message": "缺少盖章", "page": 3}
        r = Report.objects.create(task=task, firm=world.firm_a)
        version = ReportVersion.objects.create(
            report=r, number=1, file="reports/fuzz.pdf", original_name="r.pdf", size=10,
            sha256=f"{n:064d}", uploaded_by=world.member_a, state=state, fields=fields,
            problems=[problem], page_count=5,
        )  # fmt: skip
        r.current_version = version
        r.save()
        return version

    accepted = report(world.accepted_a, ReportState.SUBMITTED, 1)
    task_follow_report(task=world.accepted_a, to="submitted", actor=world.member_a, reason="提交")
    version_accept(version=accepted, user=bureau)
    draft = task_create(building=BuildingFactory(), actor=bureau)
    task_assign(task=draft, firm=world.firm_a, actor=bureau)
    task_accept(task=draft, user=world.member_a)
    report(draft, ReportState.PARSED, 2)


@pytest.fixture(params=["firm", "bureau"])
def fuzz_user(request, world, personas, settings):
    # Enough budget that the run tests the API, not the throttle (429 is documented anyway).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "100000/min", "api_upload": "100000/min"},
    }
    for _ in range(3):
        BuildingFactory()
    _reports(world, personas.city_bureau)
    user = world.member_a if request.param == "firm" else personas.county_bureau
    return request.param, user


@pytest.fixture
def wsgi_app():
    """The project's WSGI application on the test's database connection: Django would close
    the connection (and with it the test transaction) at the end of each request."""
    from portal.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_role(fuzz_user):
    return fuzz_user[0]


@pytest.fixture
def api_schema(fuzz_user, wsgi_app):
    auth = {"Authorization": f"Token {token_issue(user=fuzz_user[1]).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app, headers=auth)
    schema.config.update(headers=auth)
    from buildings.models import Building

    # Existing ids per resource, so ids in paths often name real rows (of any scope).
    ids = {
        "/api/v1/tasks/": list(AppraisalTask.objects.values_list("pk", flat=True)),
        "/api/v1/versions/": list(ReportVersion.objects.values_list("pk", flat=True)),
        "/api/v1/reports/": list(Report.objects.values_list("pk", flat=True)),
        "/api/v1/buildings/": list(Building.objects.values_list("pk", flat=True)),
    }

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        path = context.operation.path
        known = next(v for prefix, v in ids.items() if path.startswith(prefix))
        return st.one_of(st.fixed_dictionaries({"id": st.sampled_from(sorted(known))}), strategy)

    return schema


FUZZ_SETTINGS = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# GET operations each role must reach with a 2xx at least once: proof the fuzzing got past 404s.
MUST_READ = {
    "firm": {
        "GET /api/v1/tasks/", "GET /api/v1/tasks/{id}/", "GET /api/v1/versions/{id}/",
        "GET /api/v1/reports/", "GET /api/v1/reports/{id}/",
    },
    "bureau": {
        "GET /api/v1/buildings/", "GET /api/v1/buildings/{id}/", "GET /api/v1/versions/{id}/",
        "GET /api/v1/reports/", "GET /api/v1/reports/{id}/",
    },
}  # fmt: skip


def test_api_conforms_to_its_document(api_schema, fuzz_role):
    # Driven by hand rather than through schemathesis.pytest, whose plugin does not run under
    # pytest 9 (it rewrites node ids through an attribute pytest 9 removed).
    failures, succeeded = [], set()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 13
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call_and_validate(checks=CHECKS)
                if response.status_code < 300:
                    succeeded.add(case.operation.label)

            try:
                run()
            except Exception as e:  # noqa: BLE001 - collect every operation's failure, then report
                failures.append(f"{mode.value} {operation.label}: {e}")
    assert not failures, "\n\n".join(failures)
    assert MUST_READ[fuzz_role] <= succeeded
