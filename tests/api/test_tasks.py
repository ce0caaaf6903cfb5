"""Firm task endpoints: the queue lists and their scope, detail, accept, decline, claims."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import AppraisalTask, TaskState, TaskTransition

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_lists_are_the_firm_queue_and_never_another_firms(api, world):
    a = api(world.member_a)
    url = reverse("api_tasks")
    assert set(ids(a.get(url))) == {world.offered_a.pk, world.accepted_a.pk}
    assert ids(a.get(url, {"scope": "offered"})) == [world.offered_a.pk]
    assert ids(a.get(url, {"scope": "held"})) == [world.accepted_a.pk]
    # Firm A does not serve 临猗县: its pool is the 盐湖区 task only.
    assert ids(a.get(url, {"scope": "pool"})) == [world.pool_yanhu.pk]
    b = api(world.member_b)
    assert ids(b.get(url)) == [world.accepted_b.pk]
    assert set(ids(b.get(url, {"scope": "pool"}))) == {world.pool_yanhu.pk, world.pool_linyi.pk}


def test_pool_is_in_queue_order(api, world):
    # 初判存疑 first (the seed's priority rule).
    rows = api(world.member_b).get(reverse("api_tasks"), {"scope": "pool"}).json()["results"]
    assert rows[0]["id"] == world.pool_yanhu.pk
    assert rows[0]["building"]["initial_judgement"] == "初判存疑"
    assert rows[0]["building"]["county"] == {"code": "140802", "name": "盐湖区"}


def test_bad_scope_is_a_chinese_400(api, world):
    r = api(world.member_a).get(reverse("api_tasks"), {"scope": "everything"})
    assert r.status_code == 400
    assert r.json()["detail"] == "scope 须为 mine、offered、held 或 pool。"
    assert "scope" in r.json()["errors"]


def test_task_endpoints_are_for_firms_only(api, world, personas):
    for user in (personas.city_bureau, personas.county_bureau, personas.reviewer, personas.admin):
        for url in (reverse("api_tasks"), reverse("api_task", args=[world.offered_a.pk])):
            r = api(user).get(url)
            assert r.status_code == 403, (user, url)
            assert r.json()["detail"] == "您的账号无权使用此接口。"
        r = api(user).post(reverse("api_task_claim_next"))
        assert r.status_code == 403


def test_detail_of_another_firms_task_is_404(api, world):
    a = api(world.member_a)
    for task in (world.accepted_b, world.pool_linyi):
        r = a.get(reverse("api_task", args=[task.pk]))
        assert r.status_code == 404
        assert r.json()["detail"] == "未找到该对象，或您无权查看。"
    for name in ("api_task_accept", "api_task_claim"):
        assert a.post(reverse(name, args=[world.accepted_b.pk])).status_code == 404
    r = a.post(reverse("api_task_decline", args=[world.accepted_b.pk]), {"reason": "x"})
    assert r.status_code == 404
    assert AppraisalTask.objects.get(pk=world.accepted_b.pk).state == TaskState.ACCEPTED


def test_pool_detail_hides_other_firms_history(api, world):
    from reports.assignments import task_decline

    task_decline(task=world.offered_a, user=world.member_a, reason="人手不足")
    r = api(world.member_b).get(reverse("api_task", args=[world.offered_a.pk]))
    body = r.json()
    assert r.status_code == 200 and body["state"] == "open"
    assert body["transitions"] == [] and body["report_versions"] == []
    assert body["actions"] == ["claim"]


def test_accept_then_accept_again_is_a_conflict(api, world):
    a = api(world.member_a)
    url = reverse("api_task_accept", args=[world.offered_a.pk])
    r = a.post(url)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["state"] == "accepted" and body["firm"]["id"] == world.firm_a.pk
    assert body["actions"] == ["upload"]
    assert [t["reason"] for t in body["transitions"]][-1] == "接受任务"
    again = a.post(url)
    assert again.status_code == 409
    assert again.json()["detail"] == "任务当前状态为“鉴定中”，不能执行此操作。"


def test_decline_needs_a_reason_and_returns_the_task_to_the_pool(api, world):
    a = api(world.member_a)
    url = reverse("api_task_decline", args=[world.offered_a.pk])
    for body in ({}, {"reason": "   "}, {"reason": None}):
        r = a.post(url, body, format="json")
        assert r.status_code == 400
        assert r.json()["detail"] == "拒绝任务须填写原因。"
    r = a.post(url, {"reason": "x" * 201}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "原因不能超过200字。"
    assert AppraisalTask.objects.get(pk=world.offered_a.pk).state == TaskState.OFFERED
    r = a.post(url, {"reason": "本周人手不足"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "open" and r.json()["firm"] is None
    last = TaskTransition.objects.filter(task=world.offered_a).last()
    assert (last.reason, last.actor) == ("本周人手不足", world.member_a)


def test_malformed_json_is_a_chinese_400(api, world):
    r = api(world.member_a).post(
        reverse("api_task_decline", args=[world.offered_a.pk]),
        data="{not json",
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["detail"] == "请求内容格式错误，无法解析。"


def test_claim_a_pool_task_and_the_second_claim_conflicts(api, world):
    b = api(world.member_b)
    url = reverse("api_task_claim", args=[world.pool_yanhu.pk])
    r = b.post(url)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert r.json()["firm"]["id"] == world.firm_b.pk
    # Now firm B's task: still visible to B, but no longer open.
    again = b.post(url)
    assert again.status_code == 409
    assert again.json()["detail"] == "该任务已被其他机构领取或已派单。"
    # Firm A no longer sees it at all.
    assert api(world.member_a).post(url).status_code == 404


def test_claim_refused_by_eligibility_is_a_conflict_with_the_reason(api, world):
    from institutions.models import Qualification

    Qualification.objects.filter(firm=world.firm_a).delete()
    r = api(world.member_a).post(reverse("api_task_claim", args=[world.pool_yanhu.pk]))
    assert r.status_code == 409
    assert "不能承接此任务" in r.json()["detail"] and "无有效资质" in r.json()["detail"]
    assert AppraisalTask.objects.get(pk=world.pool_yanhu.pk).state == TaskState.OPEN


def test_claim_next_takes_the_head_of_the_queue_then_nothing(api, world):
    a = api(world.member_a)
    url = reverse("api_task_claim_next")
    r = a.post(url)
    assert r.status_code == 200 and r.json()["id"] == world.pool_yanhu.pk
    r = a.post(url)
    assert r.status_code == 204 and r.content == b""


def test_list_query_count_does_not_grow_with_rows(api, world, personas, django_assert_num_queries):
    from reports.assignments import task_assign, task_create
    from tests.factories import BuildingFactory

    a = api(world.member_a)
    url = reverse("api_tasks")
    # token+user, count, page; the pool also reads the firm and its capability (4 queries)
    expected = {"mine": 3, "pool": 8}
    for scope, n in expected.items():
        with django_assert_num_queries(n):
            a.get(url, {"scope": scope})
    for _ in range(15):
        t = task_create(building=BuildingFactory(), actor=personas.city_bureau)
        task_assign(task=t, firm=world.firm_a, actor=personas.city_bureau)
        task_create(building=BuildingFactory(), actor=personas.city_bureau)
    for scope, n in expected.items():
        with django_assert_num_queries(n):
            r = a.get(url, {"scope": scope})
        assert r.json()["count"] >= 16
