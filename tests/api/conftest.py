"""API test fixtures: token clients per persona and one small world of tasks in two counties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from portal.api.tokens import token_issue
from reports.assignments import task_accept, task_assign, task_create
from tests.factories import BuildingFactory, FirmMemberFactory, county, qualified_firm

if TYPE_CHECKING:
    from institutions.models import AppraisalFirm
    from portal.models import User
    from reports.models import AppraisalTask


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle history lives in the cache, keyed by user id; ids repeat across rolled-back tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(db):
    """api(user) → an APIClient sending that user's token; api() → an anonymous client."""

    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return client

    return make


@dataclass
class World:
    firm_a: AppraisalFirm
    firm_b: AppraisalFirm
    member_a: User
    member_b: User
    offered_a: AppraisalTask  # offered to firm A (盐湖区)
    accepted_a: AppraisalTask  # accepted by firm A (盐湖区)
    pool_yanhu: AppraisalTask  # open, 盐湖区: both firms serve it
    pool_linyi: AppraisalTask  # open, 临猗县: only firm B serves it
    accepted_b: AppraisalTask  # accepted by firm B (临猗县)


@pytest.fixture
def world(db, personas) -> World:
    bureau = personas.city_bureau
    firm_a = qualified_firm("140802")
    firm_b = qualified_firm("140802", "140821")
    member_a = FirmMemberFactory(firm=firm_a, username="api_firm_a")
    member_b = FirmMemberFactory(firm=firm_b, username="api_firm_b")

    def task(firm=None, accept_by=None, **building):
        t = task_create(building=BuildingFactory(**building), actor=bureau)
        if firm is not None:
            task_assign(task=t, firm=firm, actor=bureau)
        if accept_by is not None:
            task_accept(task=t, user=accept_by)
        return t

    linyi = {"county": county("140821")}
    return World(
        firm_a=firm_a,
        firm_b=firm_b,
        member_a=member_a,
        member_b=member_b,
        offered_a=task(firm_a),
        accepted_a=task(firm_a, member_a),
        pool_yanhu=task(initial_judgement="初判存疑"),
        pool_linyi=task(building_no="140821-000001", **linyi),
        accepted_b=task(firm_b, member_b, building_no="140821-000002", **linyi),
    )
