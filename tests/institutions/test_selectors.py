"""Read paths: expiring qualifications (scope and window) and the firm list summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from institutions.models import Engineer, Qualification
from institutions.selectors import (
    engineers_visible_to,
    expiring_qualifications,
    firms_for_management,
)
from tests.factories import AppraisalFirmFactory, QualificationFactory

ON = dt.date(2026, 11, 29)


def qualification(firm, valid_to: dt.date, **kwargs) -> Qualification:
    kwargs.setdefault("valid_from", dt.date(2022, 1, 1))
    return QualificationFactory(firm=firm, valid_to=valid_to, **kwargs)


def numbers(qs) -> list[str]:
    return [q.certificate_no for q in qs]


@pytest.fixture
def expiring_world(personas):
    own = personas.firm_member.firm
    other = personas.other_firm_member.firm
    window_end = ON + dt.timedelta(days=30)
    return {
        "today": qualification(own, ON, certificate_no="今天到期"),
        "edge": qualification(own, window_end, certificate_no="窗口末日"),
        "inside": qualification(other, ON + dt.timedelta(days=10), certificate_no="他家十天"),
        "beyond": qualification(own, window_end + dt.timedelta(days=1), certificate_no="窗口外"),
        "expired": qualification(own, ON - dt.timedelta(days=1), certificate_no="已过期"),
        "suspended": qualification(
            own,
            ON + dt.timedelta(days=5),
            certificate_no="已暂停",
            status=Qualification.Status.SUSPENDED,
            status_reason="整改",
        ),
        "not_yet": qualification(
            own,
            ON + dt.timedelta(days=20),
            valid_from=ON + dt.timedelta(days=1),
            certificate_no="未生效",
        ),
    }


def test_expiring_window_is_in_force_and_within_the_warning_days(personas, expiring_world):
    found = expiring_qualifications(personas.city_bureau, ON)
    assert numbers(found) == ["今天到期", "他家十天", "窗口末日"]


@pytest.mark.parametrize("persona", ["city_bureau", "county_bureau", "admin"])
def test_bureau_and_admins_see_every_firms_expiring_qualifications(
    personas, expiring_world, persona
):
    assert len(expiring_qualifications(getattr(personas, persona), ON)) == 3


def test_firm_member_sees_only_its_own(personas, expiring_world):
    assert numbers(expiring_qualifications(personas.firm_member, ON)) == ["今天到期", "窗口末日"]
    assert numbers(expiring_qualifications(personas.other_firm_member, ON)) == ["他家十天"]
    assert numbers(expiring_qualifications(personas.no_role, ON)) == []
    assert numbers(expiring_qualifications(AnonymousUser(), ON)) == []


def test_window_follows_the_setting(personas, expiring_world, settings):
    settings.CAMPAIGN = {**settings.CAMPAIGN, "qualification_expiry_warning_days": 5}
    assert numbers(expiring_qualifications(personas.city_bureau, ON)) == ["今天到期"]


def test_expiring_selects_the_firm_in_one_query(
    personas, expiring_world, django_assert_num_queries
):
    with django_assert_num_queries(1):
        names = [q.firm.name for q in expiring_qualifications(personas.city_bureau, ON)]
    assert len(names) == 3


def test_firm_summary_annotations(personas):
    firm = personas.firm_member.firm
    qualification(firm, ON + dt.timedelta(days=40), certificate_no="甲")
    qualification(firm, ON + dt.timedelta(days=400), kind=Qualification.Kind.CMA)
    qualification(firm, ON - dt.timedelta(days=1), kind=Qualification.Kind.DESIGN)
    bare = AppraisalFirmFactory()
    rows = {f.pk: f for f in firms_for_management(personas.city_bureau, ON)}
    assert (rows[firm.pk].in_force_count, rows[firm.pk].nearest_expiry) == (
        2,
        ON + dt.timedelta(days=40),
    )
    assert (rows[bare.pk].in_force_count, rows[bare.pk].nearest_expiry) == (0, None)
    assert rows[bare.pk].open_tasks == 0
    assert not rows[firm.pk].is_barred


def test_bar_flag_ends_with_barred_until(personas):
    firm = personas.firm_member.firm
    qualification(
        firm,
        ON + dt.timedelta(days=300),
        kind=Qualification.Kind.REGISTRY,
        status=Qualification.Status.REMOVED,
        status_reason="转包",
        barred_until=ON,
    )

    def barred(on):
        return {f.pk: f.is_barred for f in firms_for_management(personas.admin, on)}[firm.pk]

    assert barred(ON)
    assert not barred(ON + dt.timedelta(days=1))


def test_firm_list_is_scoped_by_visible_to(personas):
    assert set(firms_for_management(personas.firm_member, ON)) == {personas.firm_member.firm}
    assert len(firms_for_management(personas.county_bureau, ON)) == 2


def test_engineers_visible_to(personas):
    own = Engineer.objects.create(firm=personas.firm_member.firm, name="甲", role="appraiser")
    other = Engineer.objects.create(
        firm=personas.other_firm_member.firm, name="乙", role="appraiser"
    )
    assert set(engineers_visible_to(personas.firm_member)) == {own}
    assert set(engineers_visible_to(personas.city_bureau)) == {own, other}
    assert not engineers_visible_to(AnonymousUser()).exists()
