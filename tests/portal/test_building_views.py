"""Bureau building list and detail: scope, filters, constant query count, corrections."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buildings.models import Building, BuildingCorrection
from reports.assignments import task_create
from reports.models import AppraisalTask, TaskState
from tests.factories import BuildingFactory, county

PDF = b"%PDF-1.4\n%test evidence\n"


def linyi(**kw):
    return BuildingFactory(
        county=county("140821"),
        building_no=kw.pop("no", None) or f"140821-{Building.objects.count():06d}",
        **kw,
    )


def test_list_is_scoped_to_the_county(client, personas):
    BuildingFactory(building_no="140802-000001")
    linyi(no="140821-000001")
    client.force_login(personas.county_bureau)
    body = client.get(reverse("building_list")).content.decode()
    assert "140802-000001" in body and "140821-000001" not in body
    client.force_login(personas.city_bureau)
    body = client.get(reverse("building_list")).content.decode()
    assert "140802-000001" in body and "140821-000001" in body


def test_list_is_bureau_only(client, personas):
    for user in (personas.firm_member, personas.reviewer):
        client.force_login(user)
        assert client.get(reverse("building_list")).status_code == 403


def test_filters(client, personas):
    BuildingFactory(
        building_no="140802-000001",
        initial_judgement="初判存疑",
        floors=3,
        is_business=True,
        business_use="餐饮",
        alteration="加建",
    )
    BuildingFactory(
        building_no="140802-000002", initial_judgement="初判存疑", structure_type="钢结构"
    )
    BuildingFactory(building_no="140802-000003")
    concluded = BuildingFactory(building_no="140802-000004", initial_judgement="初判存疑")
    task = task_create(building=concluded, actor=None)
    AppraisalTask.objects.filter(pk=task.pk).update(
        state=TaskState.APPROVED, firm=personas.firm_member.firm
    )
    client.force_login(personas.city_bureau)

    def numbers(**params):
        response = client.get(reverse("building_list"), params)
        return sorted(b.building_no for b in response.context["page_obj"])

    assert numbers(judgement="初判存疑") == ["140802-000001", "140802-000002", "140802-000004"]
    assert numbers(judgement="初判存疑", status="none") == ["140802-000001", "140802-000002"]
    assert numbers(status="concluded") == ["140802-000004"]
    assert numbers(structure_type="钢结构") == ["140802-000002"]
    assert numbers(floors_min=3) == ["140802-000001"]
    assert numbers(business="1") == ["140802-000001"]
    assert numbers(alteration="any") == ["140802-000001"]
    assert numbers(q="000003") == ["140802-000003"]
    response = client.get(reverse("building_list"), {"floors_min": "abc"})
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_rows(client, personas):
    client.force_login(personas.city_bureau)
    for _ in range(2):
        task_create(building=BuildingFactory(), actor=None)
    small = _count_queries(client, reverse("building_list"))
    for _ in range(40):
        task_create(building=BuildingFactory(initial_judgement="初判存疑"), actor=None)
    large = _count_queries(client, reverse("building_list"))
    assert large == small


def test_bulk_create_tasks_for_the_filtered_buildings(client, personas):
    for _ in range(3):
        BuildingFactory(initial_judgement="初判存疑")
    BuildingFactory()
    linyi(initial_judgement="初判存疑")
    client.force_login(personas.county_bureau)
    response = client.post(
        reverse("building_bulk_action"),
        {"judgement": "初判存疑", "action": "create_tasks", "query": "judgement=初判存疑"},
        follow=True,
    )
    assert "已创建 3 个任务" in response.content.decode()
    assert AppraisalTask.objects.count() == 3  # the 临猗县 one is outside this user's county


def test_correction_keeps_history_and_requeues(client, personas):
    building = BuildingFactory(floors=2)
    task = task_create(building=building, actor=None)
    client.force_login(personas.county_bureau)
    url = reverse("building_detail", args=[building.pk])
    response = client.post(
        url,
        {
            "field": "initial_judgement",
            "new_value": "初判存疑",
            "confirmed_by": "王工",
            "confirmer_kind": "设计",
            "evidence": SimpleUploadedFile("confirm.pdf", PDF, content_type="application/pdf"),
            "reason": "现场复核",
        },
        follow=True,
    )
    assert "修正已记录" in response.content.decode()
    c = BuildingCorrection.objects.get()
    assert (c.field, c.old_value, c.new_value, c.confirmed_by, c.recorded_by) == (
        "initial_judgement",
        "未发现安全隐患",
        "初判存疑",
        "王工",
        personas.county_bureau,
    )
    task.refresh_from_db()
    assert task.priority < 100  # now in the 初判存疑 tier
    assert "初判" in response.content.decode()


def test_correction_needs_evidence_of_a_real_document(client, personas):
    building = BuildingFactory(floors=2)
    client.force_login(personas.county_bureau)
    response = client.post(
        reverse("building_detail", args=[building.pk]),
        {
            "field": "floors",
            "new_value": "3",
            "confirmed_by": "王工",
            "confirmer_kind": "工匠",
            "evidence": SimpleUploadedFile(
                "x.pdf", b"MZ not a pdf", content_type="application/pdf"
            ),
        },
    )
    assert "须为PDF、JPG或PNG" in response.content.decode()
    response = client.post(
        reverse("building_detail", args=[building.pk]),
        {
            "field": "floors",
            "new_value": "三",
            "confirmed_by": "王工",
            "confirmer_kind": "工匠",
            "evidence": SimpleUploadedFile("c.pdf", PDF),
        },
    )
    assert response.status_code == 200
    assert not BuildingCorrection.objects.exists()
    building.refresh_from_db()
    assert building.floors == 2


def test_other_county_building_is_404(client, personas):
    b = linyi(no="140821-000009")
    client.force_login(personas.county_bureau)
    assert client.get(reverse("building_detail", args=[b.pk])).status_code == 404


def test_mark_recheck(client, personas):
    b = BuildingFactory()
    client.force_login(personas.city_bureau)
    client.post(reverse("building_recheck", args=[b.pk]), {"reason": "层数存疑"})
    b.refresh_from_db()
    assert b.needs_recheck and b.recheck_reason == "层数存疑"
    response = client.post(reverse("building_recheck", args=[b.pk]), {"reason": ""}, follow=True)
    assert "须填写原因" in response.content.decode()
