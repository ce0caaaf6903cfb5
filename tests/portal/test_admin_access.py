"""Django admin is for site admins only; the Wagtail admin (/cms/) for editors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group


@pytest.mark.parametrize("persona", ["firm_member", "city_bureau", "county_bureau", "reviewer"])
def test_only_site_admins_reach_django_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response.url


def test_site_admin_reaches_django_admin_and_cms(client, personas):
    client.force_login(personas.admin)
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/django-admin/portal/user/").status_code == 200
    assert client.get("/cms/").status_code == 200


def test_editors_reach_cms_and_firms_do_not(client, personas):
    personas.city_bureau.groups.add(Group.objects.get(name="Editors"))
    client.force_login(personas.city_bureau)
    assert client.get("/cms/").status_code == 200
    client.force_login(personas.firm_member)
    response = client.get("/cms/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response.url


@pytest.mark.parametrize(
    "url",
    [
        "/django-admin/buildings/building/",
        "/django-admin/institutions/appraisalfirm/",
        "/django-admin/reports/appraisaltask/",
        "/django-admin/buildings/ledgerimport/",
    ],
)
def test_admin_lists_render(client, personas, url):
    client.force_login(personas.admin)
    assert client.get(url).status_code == 200
