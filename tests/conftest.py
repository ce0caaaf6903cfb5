from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.models import User
from tests.factories import (
    AdminUserFactory,
    AppraisalFirmFactory,
    BureauUserFactory,
    FirmMemberFactory,
    UserFactory,
    county,
)
from tests.report_fixtures import report_case  # noqa: F401 - shared fixture


@dataclass
class Personas:
    """One account per role and scope, so every permission test reads the same way."""

    firm_member: User
    colleague: User
    other_firm_member: User
    city_bureau: User
    county_bureau: User
    other_county_bureau: User
    reviewer: User
    admin: User
    no_role: User


@pytest.fixture
def personas(db) -> Personas:
    firm = AppraisalFirmFactory()
    other_firm = AppraisalFirmFactory()
    return Personas(
        firm_member=FirmMemberFactory(firm=firm, username="firm_a"),
        colleague=FirmMemberFactory(firm=firm, username="firm_a2"),
        other_firm_member=FirmMemberFactory(firm=other_firm, username="firm_b"),
        city_bureau=BureauUserFactory(username="bureau_city"),
        county_bureau=BureauUserFactory(username="bureau_yanhu", county=county("140802")),
        other_county_bureau=BureauUserFactory(username="bureau_linyi", county=county("140821")),
        reviewer=UserFactory(username="reviewer"),
        admin=AdminUserFactory(username="siteadmin"),
        no_role=UserFactory(username="norole", role=""),
    )


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Test databases roll back and reuse primary keys: never serve a previous test's firm,
    # nor count a previous test's uploads or look-ups against a rate limit.
    from django.core.cache import cache

    from institutions.eligibility import forget_capabilities

    forget_capabilities()
    cache.clear()
    yield
    forget_capabilities()
    cache.clear()


def pytest_collection_modifyitems(config, items):
    """Every test on a transactional database restores the migrations' data afterwards
    (serialized_rollback): a plain flush would leave later tests without the seeded counties,
    and its re-created content types collide with the next serialized restore."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
            name in item.fixturenames for name in ("transactional_db", "live_server")
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = {**(marker.kwargs if marker is not None else {}), "transaction": True}
            item.add_marker(pytest.mark.django_db(**kwargs, serialized_rollback=True), append=False)
