"""visible_to(user) for the models that exist: each role sees exactly its scope."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from institutions.models import AppraisalFirm
from portal.models import User


def usernames(qs):
    return set(qs.values_list("username", flat=True))


def test_firms_visible_to_each_role(personas):
    own = personas.firm_member.firm
    every = set(AppraisalFirm.objects.values_list("pk", flat=True))
    assert len(every) == 2

    def pks(user):
        return set(AppraisalFirm.objects.visible_to(user).values_list("pk", flat=True))

    assert pks(personas.firm_member) == {own.pk}
    assert pks(personas.other_firm_member) == {personas.other_firm_member.firm_id}
    for user in (personas.city_bureau, personas.county_bureau, personas.reviewer, personas.admin):
        assert pks(user) == every
    assert pks(personas.no_role) == set()
    assert pks(AnonymousUser()) == set()


def test_users_visible_to_each_role(personas):
    p = personas
    everyone = usernames(User.objects.all())
    assert usernames(User.objects.visible_to(p.admin)) == everyone
    assert usernames(User.objects.visible_to(p.city_bureau)) == everyone
    assert usernames(User.objects.visible_to(p.county_bureau)) == {
        "firm_a",
        "firm_a2",
        "firm_b",
        "bureau_yanhu",
    }
    assert usernames(User.objects.visible_to(p.firm_member)) == {"firm_a", "firm_a2"}
    assert usernames(User.objects.visible_to(p.other_firm_member)) == {"firm_b"}
    assert usernames(User.objects.visible_to(p.reviewer)) == {"reviewer"}
    assert usernames(User.objects.visible_to(p.no_role)) == set()
    assert usernames(User.objects.visible_to(AnonymousUser())) == set()


def test_a_deactivated_account_sees_nothing(personas):
    user = personas.firm_member
    user.is_active = False
    user.save()
    assert not AppraisalFirm.objects.visible_to(user).exists()
    assert not User.objects.visible_to(user).exists()


def test_reviewers_see_only_the_accepted_versions_of_accepted_reports(personas):
    from reports.models import ReportVersion
    from tests.search.helpers import make_report

    accepted = make_report(county="140802")
    returned = ReportVersion.objects.get(pk=accepted.pk)
    returned.pk, returned.number, returned.state = None, 2, "returned"
    returned.sha256 = "0" * 64
    returned.save()
    pending = make_report(county="140802", state="submitted")

    def pks(user):
        return set(ReportVersion.objects.visible_to(user).values_list("pk", flat=True))

    assert pks(personas.reviewer) == {accepted.pk}
    assert pks(personas.county_bureau) == {accepted.pk, returned.pk, pending.pk}
    assert pks(personas.other_county_bureau) == set()
