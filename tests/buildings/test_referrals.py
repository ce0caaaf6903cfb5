"""Referral (移送), the department's receipt and handling, the monthly summary and the notices."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from buildings.models import Problem, ProblemEvent, Referral
from buildings.notices import ledger_pdf, rectify_notice_pdf, referral_notice_pdf, summary_pdf
from buildings.problem_exports import summary_xlsx
from buildings.problem_ledger import ProblemError, building_timeline, problem_close
from buildings.referrals import monthly_summary, referral_handle, referral_receive
from tests.buildings.problem_helpers import (
    finish,
    linyi_building,
    pdf_text,
    receive,
    rectify,
    refer,
    register,
    reinspect,
    today,
)
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def test_refer_notifies_lead_and_co_departments_and_numbers_the_letter(personas):
    user = personas.county_bureau
    p = register(BuildingFactory(), user)
    r = refer(p, user, co_departments=["市场监管部门", "消防救援机构", "市场监管部门"])
    year = today().year
    assert r.department == "消防救援机构" and r.co_departments == ["市场监管部门"]
    assert r.notice_no == f"盐湖区自建房移字〔{year}〕1号" and r.status == "待接收"
    assert Problem.objects.get(pk=p.pk).status == "已移送"
    event = ProblemEvent.objects.get(problem=p, action="移送")
    assert event.actor == user and "同时通知市场监管部门" in event.detail
    second = refer(register(BuildingFactory(), user), user)
    assert second.notice_no.endswith(f"〔{year}〕2号")
    linyi = refer(register(linyi_building(), personas.city_bureau), personas.city_bureau)
    assert linyi.notice_no == f"临猗县自建房移字〔{year}〕1号"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"department": "环保局"}, "请选择平台列出的牵头部门"),
        ({"co_departments": ["环保局"]}, "“环保局”不是平台列出的部门"),
        ({"requested_action": " "}, "请填写移送事项"),
        ({"referred_on": dt.date(2999, 1, 1)}, "移送日期不能晚于今天"),
        ({"deadline": dt.date(2000, 1, 1)}, "办结期限不能早于移送日期"),
        (
            {"referred_on": dt.date(2001, 1, 1), "deadline": dt.date(2001, 2, 1)},
            "不能早于问题发现日期",
        ),
    ],
)
def test_refer_refusals(personas, kw, message):
    p = register(BuildingFactory(), personas.city_bureau)
    with pytest.raises(ProblemError, match=message):
        refer(p, personas.city_bureau, **kw)
    assert not Referral.objects.exists()
    assert Problem.objects.get(pk=p.pk).status == "已挂号"


def test_a_problem_is_referred_once_and_not_after_closing(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    r = refer(p, user)
    with pytest.raises(ProblemError, match=f"已移送消防救援机构（{r.notice_no}），不能重复移送"):
        refer(p, user, department="公安部门")
    closed = register(b, user, category="illegal_business")
    rectify(b, user)
    reinspect(b, user)
    problem_close(problem=closed, actor=user)
    with pytest.raises(ProblemError, match="已销号，不能移送"):
        refer(closed, user)


def test_receipt_then_handling_then_done(personas):
    user = personas.city_bureau
    p = register(BuildingFactory(), user, found_on=today() - dt.timedelta(days=5))
    r = refer(p, user, referred_on=today() - dt.timedelta(days=3))
    with pytest.raises(ProblemError, match="请先登记接收"):
        referral_handle(referral=r, status="处理中", result="", actor=user)
    with pytest.raises(ProblemError, match="接收日期不能早于移送日期"):
        referral_receive(referral=r, received_on=dt.date(2000, 1, 1), receiver="刘", actor=user)
    with pytest.raises(ProblemError, match="请填写接收人"):
        referral_receive(referral=r, received_on=today(), receiver=" ", actor=user)
    r = receive(r, user, on=today() - dt.timedelta(days=2))
    assert r.status == "已接收" and r.receiver == "刘科长"
    with pytest.raises(ProblemError, match="已登记接收"):
        receive(r, user)
    r = referral_handle(referral=r, status="处理中", result="已约谈产权人", actor=user)
    assert r.status == "处理中" and r.handling_result == "已约谈产权人" and r.handled_on is None
    with pytest.raises(ProblemError, match="办结须填写处理结果"):
        referral_handle(referral=r, status="已办结", result="", handled_on=today(), actor=user)
    with pytest.raises(ProblemError, match="办结须填写办结日期"):
        referral_handle(referral=r, status="已办结", result="好", actor=user)
    with pytest.raises(ProblemError, match="办结日期不能早于接收日期"):
        referral_handle(
            referral=r, status="已办结", result="好", handled_on=dt.date(2000, 1, 1), actor=user
        )
    with pytest.raises(ProblemError, match="请选择办理状态"):
        referral_handle(referral=r, status="待接收", result="", actor=user)
    r = finish(r, user, on=today())
    assert r.status == "已办结" and r.handled_on == today()
    with pytest.raises(ProblemError, match="已办结，不能再变更"):
        referral_handle(referral=r, status="处理中", result="", actor=user)
    actions = list(r.problem.events.values_list("action", flat=True))
    assert actions == ["挂号", "移送", "接收", "办理", "办理"]


# ---------------------------------------------------------------- monthly summary (一报告)


def _referral(user, building, department, referred_on, received_on=None, handled_on=None):
    p = register(building, user, found_on=referred_on - dt.timedelta(days=1))
    r = refer(p, user, department=department, referred_on=referred_on,
              deadline=referred_on + dt.timedelta(days=30))  # fmt: skip
    if received_on:
        r = receive(r, user, on=received_on)
    if handled_on:
        r = finish(r, user, on=handled_on)
    return r


def test_monthly_summary_counts_per_department(personas):
    user = personas.city_bureau
    d = dt.date
    # Found dates must not be in the future, and the month must be a finished one.
    _referral(user, BuildingFactory(), "消防救援机构", d(2024, 3, 1), d(2024, 3, 2), d(2024, 3, 20))
    _referral(user, BuildingFactory(), "消防救援机构", d(2024, 3, 10), d(2024, 3, 12))
    _referral(user, BuildingFactory(), "消防救援机构", d(2024, 3, 25))  # not received: overdue
    _referral(user, BuildingFactory(), "市场监管部门", d(2024, 3, 30))  # within 3 days: not yet
    _referral(
        user, BuildingFactory(), "市场监管部门", d(2024, 2, 20), d(2024, 3, 5)
    )  # late receipt
    _referral(user, BuildingFactory(), "公安部门", d(2024, 4, 2))  # next month: not counted
    _referral(user, linyi_building(), "消防救援机构", d(2024, 3, 3))  # another county
    summary = monthly_summary(user=user, year=2024, month=3)
    rows = {row.department: row for row in summary.rows}
    fire, market, police = rows["消防救援机构"], rows["市场监管部门"], rows["公安部门"]
    assert (fire.referred, fire.received, fire.handled) == (4, 2, 1)
    assert (fire.overdue_receipt, fire.open_at_end) == (2, 3)
    assert (market.referred, market.received, market.handled) == (1, 1, 0)
    assert (market.overdue_receipt, market.open_at_end) == (0, 2)
    assert (police.referred, police.open_at_end) == (0, 0)
    assert summary.total.referred == 5 and summary.scope == "全市"
    assert summary.as_of == d(2024, 3, 31)
    # Every configured department has a row, zeros included.
    assert "教育部门" in rows and rows["教育部门"].referred == 0
    # County staff see their county only.
    county = monthly_summary(user=personas.county_bureau, year=2024, month=3)
    county_fire = {r.department: r for r in county.rows}["消防救援机构"]
    assert (county_fire.referred, county_fire.overdue_receipt) == (3, 1)
    assert county.scope == "盐湖区"
    assert (
        monthly_summary(user=personas.other_county_bureau, year=2024, month=3).total.referred == 1
    )
    assert monthly_summary(user=personas.firm_member, year=2024, month=3).total.referred == 0


def test_summary_of_the_current_month_counts_until_today(personas):
    user = personas.city_bureau
    now = today()
    _referral(user, BuildingFactory(), "公安部门", now)
    summary = monthly_summary(user=user, year=now.year, month=now.month)
    police = {r.department: r for r in summary.rows}["公安部门"]
    assert summary.as_of == now and police.referred == 1 and police.overdue_receipt == 0


def test_month_is_validated(personas):
    with pytest.raises(ProblemError, match="月份不正确"):
        monthly_summary(user=personas.city_bureau, year=2024, month=13)


def test_summary_pdf_and_xlsx(personas):
    user = personas.city_bureau
    _referral(user, BuildingFactory(), "消防救援机构", dt.date(2024, 3, 1), dt.date(2024, 3, 2))
    summary = monthly_summary(user=user, year=2024, month=3)
    text = pdf_text(summary_pdf(summary))
    assert "2024年3月问题移送处置情况" in text and "消防救援机构" in text and "合计" in text
    sheet = load_workbook(io.BytesIO(summary_xlsx(summary))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("部门", "本月移送", "本月接收", "本月办结", "逾期未接收", "月末未办结")
    fire = next(r for r in rows if r[0] == "消防救援机构")
    assert fire[1:] == (1, 1, 0, 0, 1)
    assert rows[-1][0] == "合计" and rows[-1][1] == 1


# ---------------------------------------------------------------- notices (双通知)


def test_notice_to_the_responsible_party(personas):
    user = personas.county_bureau
    b = BuildingFactory(address="盐湖区中城街道解放路88号", owner="王大明")
    p = register(b, user, responsible_name="王大明", deadline=dt.date(2099, 5, 1))
    text = pdf_text(rectify_notice_pdf(p))
    year = timezone.localdate(p.registered_at).year
    assert "消防安全隐患整改通知书" in text and "盐湖区住房和城乡建设局" in text
    assert f"盐湖区自建房整改字〔{year}〕1号" in text and "王大明：" in text
    assert b.building_no in text and "疏散通道堆放杂物" in text
    assert "清理疏散通道，配齐灭火器" in text and "2099年5月1日" in text


def test_referral_letter_names_lead_and_co_departments(personas):
    user = personas.county_bureau
    b = BuildingFactory()
    p = register(b, user)
    r = refer(p, user, co_departments=["公安部门"], deadline=today() + dt.timedelta(days=9))
    text = pdf_text(
        referral_notice_pdf(
            Referral.objects.select_related("problem__building__county").get(pk=r.pk)
        )
    )
    assert "问题移送函" in text and r.notice_no in text and "消防救援机构：" in text
    assert "抄送：公安部门" in text and "依法查处并督促整改" in text
    assert b.building_no in text and p.register_no in text
    due = r.deadline
    assert f"{due.year}年{due.month}月{due.day}日" in text
    # The notice to the responsible party now mentions the referral too (双通知).
    assert "已同时移送消防救援机构" in pdf_text(rectify_notice_pdf(Problem.objects.get(pk=p.pk)))


def test_ledger_pdf_lists_the_timeline(personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    refer(p, user)
    text = pdf_text(ledger_pdf(b, building_timeline(b)))
    assert f"房屋整治台账（{b.building_no}）" in text and "挂号" in text and "移送" in text
    assert p.register_no in text
