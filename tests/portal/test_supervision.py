"""Supervision (督导) services and scoping: rounds, required actions, follow-up, 约谈/通报."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.models import (
    AccountabilityRecord,
    ActionStatus,
    RequiredAction,
    RequiredActionFollowUp,
    SupervisionRound,
)
from portal.supervision import (
    SupervisionError,
    accountability_create,
    accountability_follow_up,
    action_add,
    action_follow_up,
    may_follow_up,
    may_manage,
    round_create,
)
from tests.factories import county

pytestmark = pytest.mark.django_db

YANHU, LINYI = "140802", "140821"


def today() -> dt.date:
    return timezone.localdate()


def a_round(actor, code=YANHU, held_on=None, **kw) -> SupervisionRound:
    args = {
        "kind": "city",
        "team": "市住建局 王建国、李明",
        "findings": "部分初判存疑房屋未安排鉴定。",
    }
    return round_create(
        county=county(code), held_on=held_on or today(), actor=actor, **{**args, **kw}
    )


def an_action(supervision, actor, deadline=None, **kw) -> RequiredAction:
    args = {"text": "10日内完成初判存疑房屋鉴定安排", "responsible_unit": "盐湖区住建局"}
    return action_add(
        supervision=supervision,
        deadline=deadline or today() + dt.timedelta(days=10),
        actor=actor,
        **{**args, **kw},
    )


def test_who_may_manage(personas):
    assert may_manage(personas.city_bureau) and may_manage(personas.admin)
    for user in (
        personas.county_bureau,
        personas.firm_member,
        personas.reviewer,
        personas.no_role,
    ):
        assert not may_manage(user)
    personas.city_bureau.is_active = False
    assert not may_manage(personas.city_bureau)


def test_round_and_action_are_recorded_with_their_author(personas):
    r = a_round(personas.city_bureau, kind="county", team="  包片组  ")
    assert (r.county.code, r.kind, r.team, r.recorded_by) == (
        YANHU,
        "county",
        "包片组",
        personas.city_bureau,
    )
    a = an_action(r, personas.admin)
    assert a.status == ActionStatus.PENDING and a.recorded_by == personas.admin
    assert list(r.actions.all()) == [a]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "weekly"}, "请选择督导类型"),
        ({"team": "  "}, "请填写督导组成员"),
        ({"findings": ""}, "请填写发现问题"),
        ({"findings": "问" * 5001}, "发现问题不能超过5000字"),
        ({"held_on": None}, "请填写督导日期"),
        ({"county": None}, "请选择督导县区"),
    ],
)
def test_round_refusals_write_nothing(personas, changes, message):
    args = {
        "county": county(YANHU),
        "held_on": today(),
        "kind": "city",
        "team": "组",
        "findings": "问题",
        "actor": personas.city_bureau,
    }
    with pytest.raises(SupervisionError, match=message):
        round_create(**{**args, **changes})
    assert not SupervisionRound.objects.exists()


def test_round_date_cannot_be_in_the_future(personas):
    with pytest.raises(SupervisionError, match="督导日期不能晚于今天"):
        a_round(personas.city_bureau, held_on=today() + dt.timedelta(days=1))


def test_county_staff_and_others_cannot_create(personas):
    for user in (personas.county_bureau, personas.firm_member, personas.reviewer):
        with pytest.raises(PermissionDenied):
            a_round(user)
    r = a_round(personas.city_bureau)
    with pytest.raises(PermissionDenied):
        an_action(r, personas.county_bureau)
    with pytest.raises(PermissionDenied):
        accountability_create(
            county=county(YANHU),
            held_on=today(),
            kind="interview",
            target="盐湖区住建局",
            reason="进度滞后",
            content="约谈",
            actor=personas.county_bureau,
        )
    assert SupervisionRound.objects.count() == 1
    assert not RequiredAction.objects.exists() and not AccountabilityRecord.objects.exists()


def test_action_refusals(personas):
    r = a_round(personas.city_bureau, held_on=today() - dt.timedelta(days=5))
    with pytest.raises(SupervisionError, match="整改期限不能早于督导日期"):
        an_action(r, personas.city_bureau, deadline=today() - dt.timedelta(days=6))
    with pytest.raises(SupervisionError, match="请填写责任单位"):
        an_action(r, personas.city_bureau, responsible_unit=" ")
    with pytest.raises(SupervisionError, match="请填写整改期限"):
        action_add(
            supervision=r, text="x", deadline=None, responsible_unit="y", actor=personas.admin
        )
    assert not RequiredAction.objects.exists()


def test_overdue_is_deadline_passed_and_not_rectified(personas):
    r = a_round(personas.city_bureau, held_on=today() - dt.timedelta(days=30))
    late = an_action(r, personas.city_bureau, deadline=today() - dt.timedelta(days=1))
    due_today = an_action(r, personas.city_bureau, deadline=today())
    done_late = an_action(r, personas.city_bureau, deadline=today() - dt.timedelta(days=2))
    action_follow_up(
        action=done_late,
        status=ActionStatus.DONE,
        note="已完成",
        followed_up_on=today(),
        actor=personas.county_bureau,
    )
    assert list(RequiredAction.objects.overdue(today())) == [late]
    late.refresh_from_db()
    due_today.refresh_from_db()
    done_late.refresh_from_db()
    assert late.is_overdue and not due_today.is_overdue and not done_late.is_overdue
    # Tomorrow the one due today is overdue too.
    assert set(RequiredAction.objects.overdue(today() + dt.timedelta(days=1))) == {late, due_today}


def test_county_staff_follow_up_their_own_county_only(personas):
    r = a_round(personas.city_bureau, held_on=today() - dt.timedelta(days=3))
    a = an_action(r, personas.city_bureau)
    assert may_follow_up(personas.county_bureau, a)
    assert not may_follow_up(personas.other_county_bureau, a)
    assert not may_follow_up(personas.firm_member, a)
    with pytest.raises(PermissionDenied):
        action_follow_up(
            action=a,
            status=ActionStatus.DONE,
            note="x",
            followed_up_on=today(),
            actor=personas.other_county_bureau,
        )
    action_follow_up(
        action=a,
        status=ActionStatus.PENDING,
        note="已安排3家机构，正在鉴定",
        followed_up_on=today() - dt.timedelta(days=1),
        actor=personas.county_bureau,
    )
    action_follow_up(
        action=a,
        status=ActionStatus.DONE,
        note="全部完成鉴定",
        followed_up_on=today(),
        actor=personas.county_bureau,
    )
    a.refresh_from_db()
    assert (a.status, a.follow_up, a.followed_up_on, a.followed_up_by) == (
        ActionStatus.DONE,
        "全部完成鉴定",
        today(),
        personas.county_bureau,
    )
    history = list(RequiredActionFollowUp.objects.filter(action=a).order_by("pk"))
    assert [h.status for h in history] == [ActionStatus.PENDING, ActionStatus.DONE]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "完成"}, "请选择整改状态"),
        ({"note": " "}, "请填写整改情况"),
        ({"followed_up_on": None}, "请填写整改情况日期"),
        ({"followed_up_on": "future"}, "整改情况日期不能晚于今天"),
        ({"followed_up_on": "before"}, "整改情况日期不能早于督导日期"),
    ],
)
def test_follow_up_refusals_change_nothing(personas, changes, message):
    r = a_round(personas.city_bureau, held_on=today() - dt.timedelta(days=3))
    a = an_action(r, personas.city_bureau)
    day = {"future": today() + dt.timedelta(days=1), "before": today() - dt.timedelta(days=4)}
    if changes.get("followed_up_on") in day:
        changes = {**changes, "followed_up_on": day[changes["followed_up_on"]]}
    args = {"status": ActionStatus.DONE, "note": "完成", "followed_up_on": today()}
    with pytest.raises(SupervisionError, match=message):
        action_follow_up(action=a, actor=personas.county_bureau, **{**args, **changes})
    a.refresh_from_db()
    assert a.status == ActionStatus.PENDING and a.follow_up == ""
    assert not RequiredActionFollowUp.objects.exists()


def test_accountability_record_and_follow_up(personas):
    r = a_round(personas.city_bureau)
    rec = accountability_create(
        county=county(YANHU),
        held_on=today(),
        kind="interview",
        target="盐湖区自建房整治办主任",
        reason="逾期未完成经营性自建房鉴定",
        content="约谈并要求10日内整改到位",
        supervision=r,
        actor=personas.city_bureau,
    )
    assert rec.get_kind_display() == "约谈" and rec.supervision == r
    with pytest.raises(PermissionDenied):
        accountability_follow_up(record=rec, follow_up="已整改", actor=personas.county_bureau)
    with pytest.raises(SupervisionError, match="请填写后续情况"):
        accountability_follow_up(record=rec, follow_up=" ", actor=personas.city_bureau)
    accountability_follow_up(record=rec, follow_up="已按期整改", actor=personas.city_bureau)
    rec.refresh_from_db()
    assert rec.follow_up == "已按期整改" and rec.followed_up_by == personas.city_bureau


def test_accountability_refusals(personas):
    linyi_round = a_round(personas.city_bureau, code=LINYI)
    args = {
        "county": county(YANHU),
        "held_on": today(),
        "kind": "circular",
        "target": "盐湖区",
        "reason": "进度滞后",
        "content": "全市通报",
        "actor": personas.city_bureau,
    }
    for changes, message in [
        ({"kind": "批评"}, "请选择类型"),
        ({"target": ""}, "请填写对象"),
        ({"reason": ""}, "请填写事由"),
        ({"content": ""}, "请填写内容"),
        ({"county": None}, "请选择县区"),
        ({"supervision": linyi_round}, "同一县区"),
        ({"held_on": today() + dt.timedelta(days=2)}, "日期不能晚于今天"),
    ]:
        with pytest.raises(SupervisionError, match=message):
            accountability_create(**{**args, **changes})
    assert not AccountabilityRecord.objects.exists()


def test_visible_to_is_the_county_scope(personas):
    yanhu = a_round(personas.city_bureau, code=YANHU)
    linyi = a_round(personas.city_bureau, code=LINYI)
    ya, la = an_action(yanhu, personas.city_bureau), an_action(linyi, personas.city_bureau)
    rec = accountability_create(
        county=county(LINYI),
        held_on=today(),
        kind="warning",
        target="临猗县",
        reason="r",
        content="c",
        actor=personas.city_bureau,
    )
    for user in (personas.city_bureau, personas.admin):
        assert set(SupervisionRound.objects.visible_to(user)) == {yanhu, linyi}
        assert set(RequiredAction.objects.visible_to(user)) == {ya, la}
        assert list(AccountabilityRecord.objects.visible_to(user)) == [rec]
    assert list(SupervisionRound.objects.visible_to(personas.county_bureau)) == [yanhu]
    assert list(RequiredAction.objects.visible_to(personas.county_bureau)) == [ya]
    assert not AccountabilityRecord.objects.visible_to(personas.county_bureau).exists()
    assert list(AccountabilityRecord.objects.visible_to(personas.other_county_bureau)) == [rec]
    for user in (personas.firm_member, personas.reviewer, personas.no_role):
        assert not SupervisionRound.objects.visible_to(user).exists()
        assert not RequiredAction.objects.visible_to(user).exists()
        assert not AccountabilityRecord.objects.visible_to(user).exists()


def test_seed_demo_has_an_overdue_action_and_is_idempotent(personas):
    from portal.demo_supervision import seed_demo

    made = seed_demo(city_user=personas.city_bureau, county_user=personas.county_bureau)
    assert made == SupervisionRound.objects.count() == 4
    assert RequiredAction.objects.overdue(today()).count() == 1
    assert RequiredAction.objects.filter(status=ActionStatus.DONE).count() == 1
    kinds = set(AccountabilityRecord.objects.values_list("kind", flat=True))
    assert {"interview", "circular"} <= kinds
    assert seed_demo(city_user=personas.city_bureau, county_user=personas.county_bureau) == 0
    assert SupervisionRound.objects.count() == 4
