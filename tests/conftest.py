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
def _fresh_capability_cache():
    # Test databases roll back and reuse primary keys: never serve a previous test's firm.
    from institutions.eligibility import forget_capabilities

    forget_capabilities()
    yield
    forget_capabilities()
