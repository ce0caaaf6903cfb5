"""Supervision screens: who may see and write what, Chinese errors, filters, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import (
    AccountabilityRecord,
    ActionStatus,
    RequiredAction,
    RequiredActionFollowUp,
    SupervisionRound,
)
from portal.supervision import accountability_create, action_add, action_follow_up, round_create
from tests.factories import county

pytestmark = pytest.mark.django_db

YANHU, LINYI = "140802", "140821"


def today() -> dt.date:
    return timezone.localdate()


def a_round(actor, code=YANHU, held_on=None, kind="city") -> SupervisionRound:
    return round_create(
        county=county(code),
        held_on=held_on or today() - dt.timedelta(days=10),
        kind=kind,
        team="市级督导组",
        findings=f"{code}发现问题",
        actor=actor,
    )


def an_action(r, actor, deadline=None, text="完成整改") -> RequiredAction:
    return action_add(
        supervision=r,
        text=text,
        deadline=deadline or today() + dt.timedelta(days=5),
        responsible_unit="县住建局",
        actor=actor,
    )


def a_record(actor, code=YANHU, held_on=None, kind="interview") -> AccountabilityRecord:
    return accountability_create(
        county=county(code),
        held_on=held_on or today(),
        kind=kind,
        target=f"{code}整治办",
        reason="进度滞后",
        content="约谈要求",
        actor=actor,
    )


LIST_URLS = ["supervision_list", "supervision_actions", "accountability_list"]
CREATE_URLS = ["supervision_create", "accountability_create"]


@pytest.mark.parametrize("name", LIST_URLS + CREATE_URLS)
def test_outsiders_get_403_and_anonymous_go_to_login(client, personas, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for user in (personas.firm_member, personas.reviewer, personas.no_role):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("name", CREATE_URLS)
def test_county_staff_cannot_open_create_forms(client, personas, name):
    client.force_login(personas.county_bureau)
    r = client.get(reverse(name))
    assert r.status_code == 403
    assert "市级住建局工作人员" in r.content.decode()
    for user in (personas.city_bureau, personas.admin):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200


def test_detail_pages_are_scoped_to_the_county(client, personas):
    r = a_round(personas.city_bureau, code=LINYI)
    rec = a_record(personas.city_bureau, code=LINYI)
    urls = [
        reverse("supervision_detail", args=[r.pk]),
        reverse("accountability_detail", args=[rec.pk]),
    ]
    for url in urls:
        client.force_login(personas.county_bureau)
        assert client.get(url).status_code == 404
        assert client.post(url, {"step": "follow_up", "follow_up": "x"}).status_code == 404
        for user in (personas.firm_member, personas.reviewer):
            client.force_login(user)
            assert client.get(url).status_code == 403
        for user in (personas.other_county_bureau, personas.city_bureau, personas.admin):
            client.force_login(user)
            assert client.get(url).status_code == 200


def test_lists_show_only_the_users_county(client, personas):
    a_round(personas.city_bureau, code=YANHU)
    a_round(personas.city_bureau, code=LINYI)
    a_record(personas.city_bureau, code=YANHU)
    a_record(personas.city_bureau, code=LINYI)
    client.force_login(personas.county_bureau)
    body = client.get(reverse("supervision_list")).content.decode()
    assert "盐湖区" in body and "临猗县" not in body
    r = client.get(reverse("supervision_list"))
    assert [x.county.code for x in r.context["page_obj"]] == [YANHU]
    r = client.get(reverse("accountability_list"))
    assert [x.county.code for x in r.context["page_obj"]] == [YANHU]
    # County staff cannot widen the scope through the filter.
    r = client.get(reverse("supervision_list"), {"county": county(LINYI).pk})
    assert r.status_code == 200 and list(r.context["page_obj"]) == []
    assert "请选择平台列出的县区" in r.content.decode()
    assert "录入督导记录" not in r.content.decode()
    client.force_login(personas.city_bureau)
    r = client.get(reverse("supervision_list"))
    assert len(r.context["page_obj"]) == 2 and "录入督导记录" in r.content.decode()


def test_create_round_then_add_action_through_the_pages(client, personas):
    client.force_login(personas.city_bureau)
    r = client.post(
        reverse("supervision_create"),
        {
            "county": county(YANHU).pk,
            "held_on": today().isoformat(),
            "kind": "city",
            "team": "市自建房整治办 王建国",
            "findings": "3栋经营性自建房未落实管控",
        },
    )
    created = SupervisionRound.objects.get()
    assert r.status_code == 302 and r.url == reverse("supervision_detail", args=[created.pk])
    assert created.recorded_by == personas.city_bureau
    url = reverse("supervision_detail", args=[created.pk])
    r = client.post(
        url,
        {
            "step": "add_action",
            "text": "3日内落实管控",
            "responsible_unit": "盐湖区住建局",
            "deadline": (today() + dt.timedelta(days=3)).isoformat(),
        },
        follow=True,
    )
    assert "整改要求已添加" in r.content.decode()
    action = RequiredAction.objects.get()
    assert action.supervision == created and action.status == ActionStatus.PENDING
    assert "3日内落实管控" in r.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "city", "team": "组", "findings": "问题"}, "请选择县区"),
        ({"county": "x", "kind": "city", "team": "组", "findings": "问题"}, "请选择平台列出的县区"),
        ({"county": "C", "held_on": "昨天", "kind": "city", "team": "组"}, "日期格式不正确"),
        ({"county": "C", "held_on": "D", "kind": "weekly", "team": "组"}, "请选择督导类型"),
        ({"county": "C", "held_on": "D", "kind": "city", "findings": "问题"}, "请填写督导组成员"),
        (
            {"county": "C", "held_on": "F", "kind": "city", "team": "组", "findings": "问题"},
            "不能晚于今天",
        ),
    ],
)
def test_round_form_errors_are_chinese_and_write_nothing(client, personas, data, message):
    values = {
        "C": str(county(YANHU).pk),
        "D": today().isoformat(),
        "F": (today() + dt.timedelta(days=1)).isoformat(),
    }
    data = {k: values.get(v, v) for k, v in data.items()}
    client.force_login(personas.city_bureau)
    r = client.post(reverse("supervision_create"), data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not SupervisionRound.objects.exists()


def test_add_action_errors_and_county_staff_refusal(client, personas):
    r = a_round(personas.city_bureau)
    url = reverse("supervision_detail", args=[r.pk])
    client.force_login(personas.city_bureau)
    early = (r.held_on - dt.timedelta(days=1)).isoformat()
    resp = client.post(
        url, {"step": "add_action", "text": "整改", "responsible_unit": "单位", "deadline": early}
    )
    assert resp.status_code == 200 and "整改期限不能早于督导日期" in resp.content.decode()
    resp = client.post(url, {"step": "add_action", "text": "整改", "responsible_unit": "单位"})
    assert "请填写整改期限" in resp.content.decode()
    resp = client.post(url, {"step": "nonsense"}, follow=True)
    assert "未知操作" in resp.content.decode()
    client.force_login(personas.county_bureau)
    deadline = today().isoformat()
    resp = client.post(
        url,
        {"step": "add_action", "text": "整改", "responsible_unit": "单位", "deadline": deadline},
    )
    assert resp.status_code == 403
    assert not RequiredAction.objects.exists()


def follow_up_data(action, **kw):
    p = f"a{action.pk}-"
    return {
        "step": "follow_up",
        "action_id": action.pk,
        p + "status": kw.get("status", ActionStatus.DONE),
        p + "note": kw.get("note", "已整改到位"),
        p + "followed_up_on": kw.get("on", today().isoformat()),
    }


def test_county_staff_record_follow_up_of_their_county(client, personas):
    r = a_round(personas.city_bureau)
    action = an_action(r, personas.city_bureau)
    url = reverse("supervision_detail", args=[r.pk])
    client.force_login(personas.county_bureau)
    page = client.get(url).content.decode()
    assert f'data-form="follow-up-{action.pk}"' in page and 'data-form="add-action"' not in page
    resp = client.post(url, follow_up_data(action), follow=True)
    assert "整改情况已保存（已整改）" in resp.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.followed_up_by == personas.county_bureau
    assert RequiredActionFollowUp.objects.count() == 1


def test_follow_up_errors_and_foreign_actions(client, personas):
    r = a_round(personas.city_bureau)
    action = an_action(r, personas.city_bureau)
    other = an_action(a_round(personas.city_bureau, code=LINYI), personas.city_bureau)
    url = reverse("supervision_detail", args=[r.pk])
    client.force_login(personas.county_bureau)
    resp = client.post(url, follow_up_data(action, note=""))
    assert resp.status_code == 200 and "请填写整改情况" in resp.content.decode()
    resp = client.post(url, follow_up_data(action, on="2025-13-01"))
    assert "日期格式不正确" in resp.content.decode()
    future = (today() + dt.timedelta(days=1)).isoformat()
    resp = client.post(url, follow_up_data(action, on=future))
    assert "整改情况日期不能晚于今天" in resp.content.decode()
    # An action of another round (or county) cannot be reached through this page.
    assert client.post(url, follow_up_data(other)).status_code == 404
    assert client.post(url, {**follow_up_data(action), "action_id": "x"}).status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.PENDING and not RequiredActionFollowUp.objects.exists()


def test_overdue_actions_are_flagged_on_every_page(client, personas):
    r = a_round(personas.city_bureau, held_on=today() - dt.timedelta(days=20))
    late = an_action(
        r, personas.city_bureau, deadline=today() - dt.timedelta(days=1), text="逾期项"
    )
    fine = an_action(
        r, personas.city_bureau, deadline=today() + dt.timedelta(days=1), text="未到期"
    )
    client.force_login(personas.county_bureau)
    detail = client.get(reverse("supervision_detail", args=[r.pk])).content.decode()
    assert f'data-action="{late.pk}" data-overdue="1"' in detail
    assert f'data-action="{fine.pk}" data-overdue="0"' in detail
    listing = client.get(reverse("supervision_list"))
    assert listing.context["overdue_total"] == 1
    assert 'data-overdue="1"' in listing.content.decode()
    overdue = client.get(reverse("supervision_actions"), {"status": "overdue"})
    assert [a.pk for a in overdue.context["page_obj"]] == [late.pk]
    pending = client.get(reverse("supervision_actions"), {"status": "pending"})
    assert {a.pk for a in pending.context["page_obj"]} == {late.pk, fine.pk}
    assert not client.get(reverse("supervision_actions"), {"status": "done"}).context["page_obj"]


def test_filters_by_county_month_and_kind(client, personas):
    a_round(personas.city_bureau, held_on=dt.date(2025, 9, 3), kind="city")
    sept_county = a_round(personas.city_bureau, held_on=dt.date(2025, 9, 30), kind="county")
    octo = a_round(personas.city_bureau, held_on=dt.date(2025, 10, 1), kind="city")
    linyi = a_round(personas.city_bureau, code=LINYI, held_on=dt.date(2025, 10, 9))
    client.force_login(personas.city_bureau)

    def rounds(**params):
        r = client.get(reverse("supervision_list"), params)
        assert r.status_code == 200
        return {x.pk for x in r.context["page_obj"]}

    assert len(rounds(month="2025-09")) == 2
    assert rounds(month="2025-09", kind="county") == {sept_county.pk}
    assert rounds(month="2025-10") == {octo.pk, linyi.pk}
    assert rounds(month="2025-10", county=county(LINYI).pk) == {linyi.pk}
    r = client.get(reverse("supervision_list"), {"month": "2025-9月"})
    assert r.status_code == 200 and "月份格式不正确" in r.content.decode()
    r = client.get(reverse("supervision_list"), {"kind": "weekly", "page": "abc"})
    assert r.status_code == 200 and "请选择平台列出的督导类型" in r.content.decode()
    a_record(personas.city_bureau, held_on=dt.date(2025, 9, 5), kind="circular")
    a_record(personas.city_bureau, held_on=dt.date(2025, 10, 5), kind="interview")
    r = client.get(reverse("accountability_list"), {"month": "2025-09"})
    assert [x.kind for x in r.context["page_obj"]] == ["circular"]
    r = client.get(reverse("accountability_list"), {"kind": "interview"})
    assert [x.kind for x in r.context["page_obj"]] == ["interview"]
    r = client.get(reverse("accountability_list"), {"month": "2025-00"})
    assert "月份格式不正确" in r.content.decode()


def test_create_accountability_linked_to_a_round(client, personas):
    r = a_round(personas.city_bureau)
    client.force_login(personas.city_bureau)
    form = client.get(reverse("accountability_create"), {"supervision": r.pk})
    assert form.context["form"].initial["supervision"] == r
    resp = client.post(
        reverse("accountability_create"),
        {
            "county": county(YANHU).pk,
            "held_on": today().isoformat(),
            "kind": "interview",
            "target": "盐湖区人民政府分管负责同志",
            "reason": "初判存疑房屋鉴定进度全市末位",
            "content": "约谈，要求10月10日前完成",
            "supervision": r.pk,
        },
    )
    rec = AccountabilityRecord.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("accountability_detail", args=[rec.pk])
    assert rec.supervision == r and rec.recorded_by == personas.city_bureau
    detail = client.get(reverse("supervision_detail", args=[r.pk])).content.decode()
    assert reverse("accountability_detail", args=[rec.pk]) in detail
    resp = client.post(
        reverse("accountability_detail", args=[rec.pk]), {"follow_up": "已完成"}, follow=True
    )
    assert "后续情况已保存" in resp.content.decode()
    rec.refresh_from_db()
    assert rec.follow_up == "已完成"


def test_accountability_form_errors(client, personas):
    linyi_round = a_round(personas.city_bureau, code=LINYI)
    client.force_login(personas.city_bureau)
    base = {
        "county": county(YANHU).pk,
        "held_on": today().isoformat(),
        "kind": "interview",
        "target": "对象",
        "reason": "事由",
        "content": "内容",
    }
    for changes, message in [
        ({"kind": "批评"}, "请选择类型（约谈、通报、警示或曝光）"),
        ({"target": ""}, "请填写对象（单位或个人）"),
        ({"supervision": linyi_round.pk}, "相关督导须为同一县区的督导记录"),
        ({"supervision": 999999}, "请选择平台列出的督导记录"),
    ]:
        r = client.post(reverse("accountability_create"), {**base, **changes})
        assert r.status_code == 200
        assert message in r.content.decode()
    assert not AccountabilityRecord.objects.exists()


def test_county_staff_read_but_cannot_follow_up_accountability(client, personas):
    rec = a_record(personas.city_bureau)
    url = reverse("accountability_detail", args=[rec.pk])
    client.force_login(personas.county_bureau)
    page = client.get(url).content.decode()
    assert "约谈要求" in page and 'data-form="accountability-follow-up"' not in page
    assert client.post(url, {"follow_up": "x"}).status_code == 403
    rec.refresh_from_db()
    assert rec.follow_up == ""


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries), r


# session, user, count, (overdue total), county choices, page rows
@pytest.mark.parametrize(
    ("name", "limit"),
    [("supervision_list", 6), ("supervision_actions", 5), ("accountability_list", 5)],
)
def test_list_query_count_does_not_grow(
    client, personas, django_assert_max_num_queries, name, limit
):
    client.force_login(personas.county_bureau)
    url = reverse(name)

    def add(n):
        for _ in range(n):
            r = a_round(personas.city_bureau)
            an_action(r, personas.city_bureau, deadline=today() - dt.timedelta(days=1))
            an_action(r, personas.city_bureau)
            a_record(personas.city_bureau)

    add(2)
    few, _ = _count(client, url)
    add(12)
    with django_assert_max_num_queries(limit):
        many, r = _count(client, url)
    assert many == few
    assert len(r.context["page_obj"]) >= 14


def test_detail_query_count_does_not_grow(client, personas, django_assert_max_num_queries):
    r = a_round(personas.city_bureau)
    client.force_login(personas.county_bureau)
    url = reverse("supervision_detail", args=[r.pk])

    def add(n):
        for _ in range(n):
            a = an_action(r, personas.city_bureau)
            for status in (ActionStatus.PENDING, ActionStatus.DONE):
                action_follow_up(
                    action=a,
                    status=status,
                    note="跟踪",
                    followed_up_on=today(),
                    actor=personas.county_bureau,
                )
        a_record(personas.city_bureau)

    add(1)
    few, _ = _count(client, url)
    add(10)
    # session, user, round, actions, their follow-ups, accountability records
    with django_assert_max_num_queries(6):
        many, resp = _count(client, url)
    assert many == few and len(resp.context["actions"]) == 11


def test_pagination_keeps_the_filters(client, personas):
    for _ in range(31):
        a_round(personas.city_bureau, held_on=dt.date(2025, 9, 3))
    client.force_login(personas.city_bureau)
    r = client.get(reverse("supervision_list"), {"month": "2025-09"})
    assert r.context["page_obj"].paginator.num_pages == 2
    assert "month=2025-09&amp;page=2" in r.content.decode()
    r = client.get(reverse("supervision_list"), {"month": "2025-09", "page": "2"})
    assert len(r.context["page_obj"]) == 1
