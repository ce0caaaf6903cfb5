"""Bureau screens of 两清单一台账: scope, actions through the pages, exports, PDFs, query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from buildings.models import Problem, ProblemEvent, Rectification, Referral
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


@pytest.fixture
def two_counties(personas):
    """A referred problem in 盐湖区 and one in 临猗县, each on a building with a plan."""
    yanhu_b, linyi_b = BuildingFactory(), linyi_building()
    yanhu = register(yanhu_b, personas.city_bureau)
    refer(yanhu, personas.city_bureau)
    linyi = register(linyi_b, personas.city_bureau, description="临猗的问题")
    refer(linyi, personas.city_bureau)
    rectify(yanhu_b, personas.city_bureau, progress="整治中")
    rectify(linyi_b, personas.city_bureau, progress="整治中")
    return yanhu, linyi


def xlsx_rows(response):
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


# ---------------------------------------------------------------- scope


def object_urls(problem):
    b = problem.building_id
    return [
        reverse("problem_detail", args=[problem.pk]),
        reverse("problem_notice", args=[problem.pk]),
        reverse("referral_notice", args=[problem.pk]),
        reverse("building_ledger", args=[b]),
        reverse("building_ledger_pdf", args=[b]),
        reverse("problem_create", args=[b]),
    ]


LIST_URLS = [
    "problem_list",
    "problem_export",
    "rectification_list",
    "rectification_export",
    "referral_summary",
    "referral_summary_pdf",
    "referral_summary_xlsx",
]


def test_pages_are_bureau_only(client, personas, two_counties):
    yanhu, _ = two_counties
    urls = [reverse(name) for name in LIST_URLS] + object_urls(yanhu)
    for user in (personas.firm_member, personas.reviewer, personas.no_role):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
    client.logout()
    assert client.get(urls[0]).status_code == 302


def test_objects_outside_the_county_are_404(client, personas, two_counties):
    yanhu, linyi = two_counties
    client.force_login(personas.county_bureau)
    for url in object_urls(linyi):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("problem_detail", args=[linyi.pk]), {"action": "close"}).status_code
        == 404
    )
    for url in object_urls(yanhu):
        assert client.get(url).status_code == 200, url
    for user in (personas.city_bureau, personas.admin):
        client.force_login(user)
        for url in object_urls(linyi):
            assert client.get(url).status_code == 200, url


def test_referral_notice_of_an_unreferred_problem_is_404(client, personas):
    p = register(BuildingFactory(), personas.city_bureau)
    client.force_login(personas.city_bureau)
    assert client.get(reverse("referral_notice", args=[p.pk])).status_code == 404


def test_lists_and_exports_are_scoped(client, personas, two_counties):
    yanhu, linyi = two_counties
    client.force_login(personas.county_bureau)
    body = client.get(reverse("problem_list")).content.decode()
    assert yanhu.register_no in body and linyi.register_no not in body
    rows = xlsx_rows(client.get(reverse("problem_export")))
    assert [r[0] for r in rows[1:]] == [yanhu.register_no]
    # A county user cannot widen the scope by asking for another county.
    r = client.get(reverse("problem_list"), {"county": linyi.building.county_id})
    assert linyi.register_no not in r.content.decode()
    body = client.get(reverse("rectification_list")).content.decode()
    assert yanhu.building.building_no in body and linyi.building.building_no not in body
    rows = xlsx_rows(client.get(reverse("rectification_export")))
    assert [r[0] for r in rows[1:]] == [yanhu.building.building_no]
    client.force_login(personas.city_bureau)
    rows = xlsx_rows(client.get(reverse("problem_export")))
    assert {r[0] for r in rows[1:]} == {yanhu.register_no, linyi.register_no}


def test_summary_files_are_scoped(client, personas, two_counties):
    month = today().strftime("%Y-%m")
    client.force_login(personas.county_bureau)
    rows = xlsx_rows(client.get(reverse("referral_summary_xlsx"), {"month": month}))
    assert rows[-1][0] == "合计" and rows[-1][1] == 1
    text = pdf_text(client.get(reverse("referral_summary_pdf"), {"month": month}).content)
    assert "盐湖区" in text and "问题移送处置情况" in text
    client.force_login(personas.city_bureau)
    rows = xlsx_rows(client.get(reverse("referral_summary_xlsx"), {"month": month}))
    assert rows[-1][1] == 2
    r = client.get(
        reverse("referral_summary_xlsx"),
        {"month": month, "county": two_counties[1].building.county_id},
    )
    assert xlsx_rows(r)[-1][1] == 1


# ---------------------------------------------------------------- filters and query counts


def test_problem_list_filters(client, personas):
    user = personas.city_bureau
    fire = register(BuildingFactory(), user)
    business = register(BuildingFactory(), user, category="illegal_business")
    refer(business, user, department="市场监管部门")
    overdue = register(
        BuildingFactory(),
        user,
        category="illegal_construction",
        found_on=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 2, 1),
    )
    linyi = register(linyi_building(), user)
    client.force_login(user)

    def listed(**params):
        body = client.get(reverse("problem_list"), params).content.decode()
        return {p.register_no for p in (fire, business, overdue, linyi) if p.register_no in body}

    assert listed() == {
        fire.register_no,
        business.register_no,
        overdue.register_no,
        linyi.register_no,
    }
    assert listed(category="illegal_business") == {business.register_no}
    assert listed(status="已移送") == {business.register_no}
    assert listed(department="市场监管部门") == {business.register_no}
    assert listed(handling="待接收") == {business.register_no}
    assert listed(overdue="1") == {overdue.register_no}
    assert listed(county=linyi.building.county_id) == {linyi.register_no}
    assert listed(q=fire.building.building_no) == {fire.register_no}
    r = client.get(reverse("problem_list"), {"category": "nonsense"})
    assert r.status_code == 200 and "筛选条件有误" in r.content.decode()
    rows = xlsx_rows(client.get(reverse("problem_export"), {"category": "illegal_business"}))
    assert len(rows) == 2 and rows[1][6] == "违规经营" and rows[1][15] == "市场监管部门"


def test_rectification_list_filters_and_overdue_flag(client, personas):
    user = personas.city_bureau
    late, on_time = BuildingFactory(), BuildingFactory()
    rectify(late, user, progress="整治中")
    rectify(on_time, user, progress="待整治")
    Rectification.objects.filter(building=late).update(deadline=dt.date(2024, 1, 1))
    client.force_login(user)
    body = client.get(reverse("rectification_list"), {"overdue": "1"}).content.decode()
    assert late.building_no in body and on_time.building_no not in body and "逾期" in body
    body = client.get(reverse("rectification_list"), {"progress": "待整治"}).content.decode()
    assert on_time.building_no in body and late.building_no not in body
    rows = xlsx_rows(client.get(reverse("rectification_export"), {"overdue": "1"}))
    assert len(rows) == 2 and rows[1][0] == late.building_no and rows[1][-1] == "是"


@pytest.mark.parametrize("name", ["problem_list", "rectification_list"])
def test_list_query_count_does_not_grow_with_rows(
    client, personas, django_assert_num_queries, name
):
    user = personas.city_bureau
    for _ in range(3):
        b = BuildingFactory()
        refer(register(b, user), user)
        rectify(b, user, progress="整治中")
    client.force_login(user)
    # session, user, count, page rows, county choices of the filter
    with django_assert_num_queries(5):
        assert client.get(reverse(name)).status_code == 200
    for i in range(6):
        b = linyi_building(no=f"140821-1{i:05d}")
        refer(register(b, user), user)
        rectify(b, user, progress="整治中")
    with django_assert_num_queries(5):
        r = client.get(reverse(name))
    assert r.content.decode().count("<tr") == 10  # header + 9 rows


def test_summary_query_count(client, personas, two_counties, django_assert_num_queries):
    client.force_login(personas.city_bureau)
    # session, user, one grouped count over referrals, county choices
    with django_assert_num_queries(4):
        r = client.get(reverse("referral_summary"))
    assert "消防救援机构" in r.content.decode()


# ---------------------------------------------------------------- actions through the pages


def test_register_through_the_page(client, personas):
    b = BuildingFactory(owner="王五")
    client.force_login(personas.county_bureau)
    url = reverse("problem_create", args=[b.pk])
    assert "王五" in client.get(url).content.decode()
    data = {
        "category": "illegal_construction",
        "description": "未批先建第三层",
        "source": "巡查",
        "found_on": today().isoformat(),
        "responsible_name": "王五",
        "requirement": "补办手续或拆除",
        "deadline": (today() + dt.timedelta(days=10)).isoformat(),
    }
    r = client.post(url, data)
    p = Problem.objects.get(building=b)
    assert r.status_code == 302 and r.url == reverse("problem_detail", args=[p.pk])
    assert p.registered_by == personas.county_bureau and p.category == "illegal_construction"
    r = client.post(url, data)
    assert r.status_code == 200 and "已有未销号的“违法违规建设”问题" in r.content.decode()
    assert Problem.objects.filter(building=b).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "五类问题"}, "请选择平台列出的问题类别"),
        ({"found_on": "去年"}, "日期格式不正确"),
        ({"description": ""}, "请填写问题描述"),
        ({"deadline": "2000-01-01"}, "整改期限不能早于发现日期"),
    ],
)
def test_register_bad_input_gives_chinese_errors(client, personas, change, message):
    b = BuildingFactory()
    client.force_login(personas.city_bureau)
    data = {
        "category": "fire_safety",
        "description": "x",
        "source": "排查",
        "found_on": today().isoformat(),
        "responsible_name": "张三",
        "requirement": "整改",
        "deadline": today().isoformat(),
        **change,
    }
    r = client.post(reverse("problem_create", args=[b.pk]), data)
    assert r.status_code == 200 and message in r.content.decode()
    assert not Problem.objects.exists()


def test_refer_receive_handle_and_close_through_the_page(client, personas):
    user = personas.county_bureau
    b = BuildingFactory()
    p = register(b, user)
    url = reverse("problem_detail", args=[p.pk])
    client.force_login(user)
    body = client.get(url).content.decode()
    assert 'value="消防救援机构" selected' in body  # the category's usual department
    r = client.post(
        url,
        {
            "action": "refer",
            "department": "消防救援机构",
            "co_departments": ["公安部门"],
            "referred_on": today().isoformat(),
            "requested_action": "依法查处",
            "referral_deadline": (today() + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert r.status_code == 302
    referral = Referral.objects.get(problem=p)
    assert referral.co_departments == ["公安部门"] and referral.referred_by == user
    r = client.post(url, {"action": "close", "closed_on": today().isoformat()})
    assert r.status_code == 200 and "尚未办结（当前：待接收）" in r.content.decode()
    r = client.post(
        url, {"action": "receipt", "received_on": today().isoformat(), "receiver": "刘"}
    )
    assert r.status_code == 302
    r = client.post(url, {"action": "handling", "handling_status": "已办结", "result": ""})
    assert r.status_code == 200 and "办结须填写处理结果" in r.content.decode()
    r = client.post(
        url,
        {
            "action": "handling",
            "handling_status": "已办结",
            "result": "已查处",
            "handled_on": today().isoformat(),
        },
    )
    assert r.status_code == 302 and Referral.objects.get(pk=referral.pk).status == "已办结"
    body = client.get(url).content.decode()
    assert "不能销号：挂号后尚未录入复核记录。" in body
    rectify(b, user)
    reinspect(b, user)
    r = client.post(
        url, {"action": "close", "closed_on": today().isoformat(), "closing_note": "复核合格"}
    )
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).status == "已销号"
    body = client.get(url).content.decode()
    assert "复核合格" in body and 'data-form="close"' not in body
    actions = list(ProblemEvent.objects.filter(problem=p).values_list("action", flat=True))
    assert actions == ["挂号", "移送", "接收", "办理", "销号"]


def test_unknown_action_and_bad_dates(client, personas):
    p = register(BuildingFactory(), personas.city_bureau)
    url = reverse("problem_detail", args=[p.pk])
    client.force_login(personas.city_bureau)
    assert "未知操作" in client.post(url, {"action": "drop"}, follow=True).content.decode()
    r = client.post(url, {"action": "receipt", "received_on": "x", "receiver": "刘"})
    assert r.status_code == 200 and "日期格式不正确" in r.content.decode()
    r = client.post(
        url, {"action": "receipt", "received_on": today().isoformat(), "receiver": "刘"}
    )
    assert r.status_code == 200 and "该问题尚未移送" in r.content.decode()
    r = client.post(url, {"action": "refer", "department": "环保局"})
    assert r.status_code == 200 and "请选择平台列出的牵头部门" in r.content.decode()
    assert not Referral.objects.exists()


def test_summary_page_and_bad_month(client, personas, two_counties):
    client.force_login(personas.county_bureau)
    r = client.get(reverse("referral_summary"), {"month": today().strftime("%Y-%m")})
    body = r.content.decode()
    assert r.status_code == 200 and "盐湖区" in body and 'data-department="合计"' in body
    r = client.get(reverse("referral_summary"), {"month": "2024-13"})
    assert r.status_code == 200 and "月份格式不正确" in r.content.decode()
    r = client.get(reverse("referral_summary_pdf"), {"month": "abc"}, follow=True)
    assert "月份格式不正确" in r.content.decode()


# ---------------------------------------------------------------- PDFs and the ledger


def test_notice_pdfs_through_the_pages(client, personas, two_counties):
    yanhu, _ = two_counties
    client.force_login(personas.county_bureau)
    r = client.get(reverse("problem_notice", args=[yanhu.pk]))
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "消防安全隐患整改通知书" in text and yanhu.register_no in text
    text = pdf_text(client.get(reverse("referral_notice", args=[yanhu.pk])).content)
    assert "问题移送函" in text and yanhu.referral.notice_no in text


def test_building_ledger_page_and_building_detail_panel(client, personas):
    user = personas.city_bureau
    b = BuildingFactory()
    p = register(b, user)
    r = refer(p, user)
    receive(r, user)
    finish(Referral.objects.get(pk=r.pk), user)
    client.force_login(user)
    body = client.get(reverse("building_ledger", args=[b.pk])).content.decode()
    for kind in ("挂号", "移送", "接收", "办结"):
        assert f'data-kind="{kind}"' in body
    assert p.register_no in body
    text = pdf_text(client.get(reverse("building_ledger_pdf", args=[b.pk])).content)
    assert b.building_no in text and "办结" in text
    body = client.get(reverse("building_detail", args=[b.pk])).content.decode()
    assert 'data-panel="problems"' in body and p.register_no in body
    assert reverse("building_ledger", args=[b.pk]) in body


def test_admin_lists_problems_and_referrals_read_only(client, personas, two_counties):
    yanhu, _ = two_counties
    client.force_login(personas.admin)
    r = client.get("/django-admin/buildings/problem/")
    assert r.status_code == 200 and yanhu.register_no in r.content.decode()
    r = client.get("/django-admin/buildings/referral/")
    assert r.status_code == 200 and yanhu.referral.notice_no in r.content.decode()
    r = client.get(f"/django-admin/buildings/problem/{yanhu.pk}/change/")
    assert r.status_code == 200 and "挂号" in r.content.decode()
    assert client.get("/django-admin/buildings/problem/add/").status_code == 403
