"""Demo supervision rounds (督导), required actions and 约谈/通报 records.

Built through the real services, dated relative to today so the demo always shows an
overdue action. Idempotent: does nothing once any supervision round exists.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from buildings.models import County
from portal.models import ActionStatus, SupervisionRound, User
from portal.supervision import (
    accountability_create,
    accountability_follow_up,
    action_add,
    action_follow_up,
    round_create,
)

if TYPE_CHECKING:
    from portal.models import RequiredAction

CITY_TEAM = "市自建房安全专项整治工作领导小组办公室：王建国（带队）、刘芳；市住建局村镇科：陈涛"


@transaction.atomic
def seed_demo(
    *, city_user: User | None = None, county_user: User | None = None, today: dt.date | None = None
) -> int:
    """Add demo rounds, actions (one overdue) and 约谈/通报; returns the rounds created.

    city_user records everything (defaults to the demo's "bureau"); county_user, staff of
    盐湖区 (defaults to "bureau_yanhu"), records that county's follow-up.
    """
    if SupervisionRound.objects.exists():
        return 0
    today = today or timezone.localdate()
    city = city_user or User.objects.get(username="bureau")
    yanhu_staff = county_user or User.objects.get(username="bureau_yanhu")
    yanhu, linyi, yongji = (County.objects.get(code=c) for c in ("140802", "140821", "140881"))

    def days(n: int) -> dt.date:
        return today + dt.timedelta(days=n)

    def follow(action: RequiredAction, status: str, note: str, on: dt.date, user: User) -> None:
        action_follow_up(action=action, status=status, note=note, followed_up_on=on, actor=user)

    first = round_create(
        county=yanhu,
        held_on=days(-40),
        kind="city",
        team=CITY_TEAM,
        findings=(
            "1. 初判存疑房屋12栋尚未安排鉴定，未做到“优先安排、全面鉴定”；\n"
            "2. 经营性自建房鉴定进度滞后，加建、改建、扩建类完成率不足六成；\n"
            "3. 2栋D级危房管控措施未落实到位，现场无警示标识。"
        ),
        actor=city,
    )
    overdue = action_add(
        supervision=first,
        text="对初判存疑的12栋房屋全部安排鉴定，列出清单、明确机构和完成时限。",
        deadline=days(-10),
        responsible_unit="盐湖区住建局",
        actor=city,
    )
    follow(
        overdue,
        ActionStatus.PENDING,
        "已安排8栋，其余4栋因产权人联系不上暂未进场。",
        days(-12),
        yanhu_staff,
    )
    done = action_add(
        supervision=first,
        text="对2栋D级危房立即落实封控警示、停止使用等管控措施，做到人员应撤尽撤。",
        deadline=days(-33),
        responsible_unit="盐湖区中城街道办事处",
        actor=city,
    )
    follow(
        done,
        ActionStatus.DONE,
        "2栋均已封控、设置警示标识，住户已全部撤离。",
        days(-35),
        yanhu_staff,
    )
    action_add(
        supervision=first,
        text="加快经营性自建房鉴定进度，10月底前基本完成3层以上、大跨度、钢结构经营性自建房鉴定。",
        deadline=days(15),
        responsible_unit="盐湖区自建房安全专项整治工作领导小组办公室",
        actor=city,
    )

    second = round_create(
        county=linyi,
        held_on=days(-25),
        kind="city",
        team=CITY_TEAM,
        findings="排查台账与实际不符，部分行政村漏报经营性自建房；问题移送“双通知、一报告”未闭环。",
        actor=city,
    )
    action_add(
        supervision=second,
        text="组织各乡镇对经营性自建房开展“回头看”，补录漏报房屋并更新台账。",
        deadline=days(5),
        responsible_unit="临猗县住建局",
        actor=city,
    )
    action_add(
        supervision=second,
        text="对已移送的违法违规建设问题逐件跟踪，督促责任部门书面反馈处置情况。",
        deadline=days(20),
        responsible_unit="临猗县自然资源局",
        actor=city,
    )

    round_create(
        county=yanhu,
        held_on=days(-7),
        kind="county",
        team="盐湖区整治办包片督导组：李明、赵丽",
        findings="北城街道、解州镇两个片区鉴定机构进场及时，未发现新的问题。",
        actor=city,
    )
    special = round_create(
        county=yongji,
        held_on=days(-14),
        kind="special",
        team="市住建局质量安全科：孙伟；特邀专家：周工",
        findings="抽查鉴定报告10份，3份未引用现行标准版本，1份抗震性能评价缺失。",
        actor=city,
    )
    action_add(
        supervision=special,
        text="督促相关鉴定机构对问题报告逐份修改，重新提交审核。",
        deadline=days(7),
        responsible_unit="永济市住建局",
        actor=city,
    )

    interview = accountability_create(
        county=yanhu,
        held_on=days(-8),
        kind="interview",
        target="盐湖区自建房安全专项整治工作领导小组办公室主任",
        reason="初判存疑房屋鉴定逾期未完成，督导整改要求未按期落实。",
        content="“一月一约谈”：指出问题，要求10日内完成全部初判存疑房屋鉴定安排并书面报告。",
        supervision=first,
        actor=city,
    )
    accountability_follow_up(
        record=interview, follow_up="已提交书面整改报告，承诺月底前完成。", actor=city
    )
    accountability_create(
        county=linyi,
        held_on=days(-3),
        kind="circular",
        target="临猗县人民政府",
        reason="经营性自建房台账漏报，月度工作进展全市排名靠后。",
        content="在全市自建房安全专项整治月通报中予以通报批评。",
        supervision=second,
        actor=city,
    )
    accountability_create(
        county=yongji,
        held_on=days(-2),
        kind="warning",
        target="相关鉴定机构",
        reason="鉴定报告引用废止标准、关键评价缺失。",
        content="书面警示，限期整改；再次发现将暂停承接新任务。",
        supervision=special,
        actor=city,
    )
    return 4
