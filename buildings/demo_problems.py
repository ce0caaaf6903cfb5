"""Demo rows for 两清单一台账: problems in every state, referrals received and handled, one closed.

Everything goes through the real services, so the demo shows what the rules allow. Idempotent:
nothing is added once a referral exists (problems alone may already come from accepted reports).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from buildings.control import rectification_save, reinspection_record
from buildings.models import Building, Judgement, Problem, Referral
from buildings.problem_ledger import problem_close, problem_register, register_from_report
from buildings.referrals import problem_refer, referral_handle, referral_receive


def _buildings(county_code: str, *, business: bool | None = None) -> list[Building]:
    qs = Building.objects.filter(county__code=county_code, problems__isnull=True)
    if business is not None:
        qs = qs.filter(is_business=business)
    return list(qs.select_related("county").order_by("building_no")[:6])


def _register(building: Building, actor: Any, today: dt.date, category: str, **kw: Any) -> Problem:
    found = today - dt.timedelta(days=kw.pop("days_ago", 20))
    defaults = {
        "source": "排查",
        "found_on": found,
        "responsible_name": building.owner or "产权人",
        "responsible_contact": building.owner_phone,
        "deadline": found + dt.timedelta(days=45),
    }
    return problem_register(building=building, category=category, actor=actor, **{**defaults, **kw})


@transaction.atomic
def seed_demo(*, bureau: Any, today: dt.date | None = None) -> list[Problem]:
    """Add demo problems and referrals; `bureau` is the city-wide bureau user who records them."""
    if Referral.objects.exists():
        return []
    today = today or timezone.localdate()
    made: list[Problem] = []

    # Accepted C/D reports: their 房屋安全隐患 problems (what the workflow registers on accept).
    from reports.models import ReportState, ReportVersion

    accepted = ReportVersion.objects.filter(state=ReportState.ACCEPTED).select_related(
        "report__task"
    )
    for version in accepted:
        problem = register_from_report(version, bureau)
        if problem is not None:
            made.append(problem)

    business = _buildings("140802", business=True) or _buildings("140802")
    others = _buildings("140802", business=False) or _buildings("140802")
    if len(business) < 3 or len(others) < 2:
        return made

    # 1. Fire-safety problem: referred with a co-department, received, handled, rectified,
    #    re-inspected and closed (销号) — the whole loop.
    b = business[0]
    closed = _register(
        b, bureau, today, "fire_safety", days_ago=30,
        description="经营场所疏散通道被占用，未配置灭火器，电线私拉乱接",
        requirement="清理疏散通道，配齐消防器材，规范敷设电气线路",
    )  # fmt: skip
    r = problem_refer(
        problem=closed, department="消防救援机构", co_departments=["应急管理部门"],
        referred_on=today - dt.timedelta(days=28), deadline=today - dt.timedelta(days=5),
        requested_action="依法开展消防安全检查，督促经营者整改火灾隐患", actor=bureau,
    )  # fmt: skip
    r = referral_receive(
        referral=r, received_on=today - dt.timedelta(days=27), receiver="刘志强", actor=bureau
    )
    r = referral_handle(referral=r, status="处理中", result="已下达责令改正通知书", actor=bureau)
    referral_handle(
        referral=r, status="已办结", result="复查合格，消防器材已配齐，通道已清理",
        handled_on=today - dt.timedelta(days=8), actor=bureau,
    )  # fmt: skip
    rectification_save(
        building=b, measure="维修加固", detail="电气线路整改", department="盐湖区住建局",
        responsible="王建军", deadline=today + dt.timedelta(days=10), progress="已整治", actor=bureau,
    )  # fmt: skip
    reinspection_record(
        building=b,
        inspected_on=today,
        inspector="赵立新",
        finding="整改到位，复核合格",
        actor=bureau,
    )
    made.append(problem_close(problem=closed, actor=bureau, note="移送部门已办结，复核合格"))

    # 2. Illegal business: referred, received and being handled.
    p = _register(
        business[1], bureau, today, "illegal_business", days_ago=15,
        description="未取得营业执照从事餐饮经营", requirement="停止经营，依法办理证照",
    )  # fmt: skip
    r = problem_refer(
        problem=p, department="市场监管部门", referred_on=today - dt.timedelta(days=12),
        deadline=today + dt.timedelta(days=18), requested_action="依法查处无照经营行为",
        actor=bureau,
    )  # fmt: skip
    r = referral_receive(
        referral=r, received_on=today - dt.timedelta(days=11), receiver="陈静", actor=bureau
    )
    referral_handle(referral=r, status="处理中", result="已约谈经营者，责令停业", actor=bureau)
    made.append(p)

    # 3. Illegal construction: referred six days ago and not yet received (逾期未接收).
    p = _register(
        business[2], bureau, today, "illegal_construction", days_ago=10,
        description="未经规划许可加建第四层", requirement="补办规划手续或拆除加建部分",
    )  # fmt: skip
    problem_refer(
        problem=p, department="自然资源和规划部门", co_departments=["乡镇人民政府（街道办事处）"],
        referred_on=today - dt.timedelta(days=6), deadline=today + dt.timedelta(days=24),
        requested_action="依法查处违法建设行为", actor=bureau,
    )  # fmt: skip
    made.append(p)

    # 4. Illegal approval, registered, not referred yet; 5. an overdue house-safety problem.
    made.append(
        _register(
            others[0],
            bureau,
            today,
            "illegal_approval",
            days_ago=5,
            description="宅基地审批手续与实际建设位置不符",
            requirement="核查审批手续",
        )  # fmt: skip
    )
    serious = (
        Building.objects.filter(
            county__code="140802", initial_judgement=Judgement.SERIOUS, problems__isnull=True
        )
        .order_by("building_no")
        .first()
    ) or others[1]
    made.append(
        _register(
            serious,
            bureau,
            today,
            "house_safety",
            days_ago=60,
            source="排查",
            description="承重墙体开裂，屋面局部塌陷",
            requirement="立即停止使用，委托安全鉴定",
            deadline=today - dt.timedelta(days=3),
        )  # fmt: skip
    )

    # 6. Another county's problem, so county staff see scoping.
    linyi = _buildings("140821")
    if linyi:
        p = _register(
            linyi[0], bureau, today, "fire_safety", days_ago=4,
            description="楼梯间堆放可燃物", requirement="清理可燃物",
        )  # fmt: skip
        problem_refer(
            problem=p, department="消防救援机构", referred_on=today - dt.timedelta(days=2),
            deadline=today + dt.timedelta(days=20), requested_action="督促清理", actor=bureau,
        )  # fmt: skip
        made.append(p)
    return made
