"""Bureau building endpoints: county scope, filters, detail, bounded pages and queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.assignments import task_create
from tests.factories import BuildingFactory, county

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(db):
    return {
        "yanhu_doubtful": BuildingFactory(
            building_no="140802-100001", initial_judgement="初判存疑"
        ),
        "yanhu_fine": BuildingFactory(building_no="140802-100002"),
        "linyi": BuildingFactory(building_no="140821-100001", county=county("140821")),
    }


def numbers(response):
    assert response.status_code == 200, response.json()
    return [row["building_no"] for row in response.json()["results"]]


def test_county_staff_see_their_county_city_staff_see_all(api, personas, ledger):
    url = reverse("api_buildings")
    assert numbers(api(personas.city_bureau).get(url)) == [
        "140802-100001",
        "140802-100002",
        "140821-100001",
    ]
    assert numbers(api(personas.admin).get(url))[-1] == "140821-100001"
    assert numbers(api(personas.county_bureau).get(url)) == ["140802-100001", "140802-100002"]
    assert numbers(api(personas.other_county_bureau).get(url)) == ["140821-100001"]
    # Asking for another county by filter does not widen the scope.
    assert numbers(api(personas.county_bureau).get(url, {"county": "140821"})) == []


def test_filters(api, personas, ledger):
    client, url = api(personas.city_bureau), reverse("api_buildings")
    assert numbers(client.get(url, {"judgement": "初判存疑"})) == ["140802-100001"]
    assert numbers(client.get(url, {"building_no": "140802-100002"})) == ["140802-100002"]
    assert numbers(client.get(url, {"county": "140821"})) == ["140821-100001"]
    r = client.get(url, {"judgement": "危房"})
    assert r.status_code == 400 and r.json()["detail"] == "judgement 须为平台列出的初判结论之一。"


def test_buildings_are_for_the_bureau_only(api, personas, ledger, world):
    for user in (personas.firm_member, world.member_a, personas.reviewer):
        r = api(user).get(reverse("api_buildings"))
        assert r.status_code == 403 and r.json()["detail"] == "您的账号无权使用此接口。"
        detail = reverse("api_building", args=[ledger["yanhu_fine"].pk])
        assert api(user).get(detail).status_code == 403
    r = api().get(reverse("api_buildings"))
    assert r.status_code == 401
    assert r.json()["detail"] == "身份认证信息未提供。"
    assert r["WWW-Authenticate"] == "Token"


def test_detail_with_tasks_and_scope(api, personas, ledger):
    b = ledger["yanhu_doubtful"]
    task = task_create(building=b, actor=personas.city_bureau)
    r = api(personas.county_bureau).get(reverse("api_building", args=[b.pk]))
    body = r.json()
    assert r.status_code == 200
    assert body["appraisal_status"] == "in_progress" and body["requires_control"] is False
    assert body["county"] == {"code": "140802", "name": "盐湖区"}
    assert [t["id"] for t in body["tasks"]] == [task.pk] and body["tasks"][0]["firm"] is None
    r = api(personas.other_county_bureau).get(reverse("api_building", args=[b.pk]))
    assert r.status_code == 404 and r.json()["detail"] == "未找到该对象，或您无权查看。"


def test_pages_are_bounded(api, personas, ledger, monkeypatch):
    from portal.api.pagination import PortalPagination

    client, url = api(personas.city_bureau), reverse("api_buildings")
    for _ in range(3):
        BuildingFactory()
    body = client.get(url, {"page_size": 2}).json()
    assert body["count"] == 6 and len(body["results"]) == 2 and body["next"]
    assert len(client.get(url, {"page_size": 10_000}).json()["results"]) == 6
    monkeypatch.setattr(PortalPagination, "max_page_size", 4)
    assert len(client.get(url, {"page_size": 10_000}).json()["results"]) == 4
    r = client.get(url, {"page": 99})
    assert r.status_code == 404 and r.json()["detail"] == "页码无效。"


def test_list_query_count_is_constant(api, personas, django_assert_num_queries):
    client, url = api(personas.city_bureau), reverse("api_buildings")
    for _ in range(2):
        BuildingFactory()
    with django_assert_num_queries(3):  # token+user, count, page (status as EXISTS subqueries)
        assert client.get(url).json()["count"] == 2
    for _ in range(25):
        task_create(building=BuildingFactory(), actor=personas.city_bureau)
    with django_assert_num_queries(3):
        assert client.get(url).json()["count"] == 27
