"""Builds a ready-to-click demo site in code (no files from outside the repository).

Every builder is idempotent, so `manage.py demo` can be run again on the same database.
Later features add their own builders to DEMO_STEPS.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from buildings.models import County
from institutions.credit_code import check_character
from institutions.models import AppraisalFirm
from portal.models import GuidancePage, HomePage, NoticeIndexPage, NoticePage, User
from portal.roles import Role

DEMO_PASSWORD = "jianding-demo-2026"  # noqa: S105 - printed for the local demo only


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    description: str


FIRMS = [
    ("运城市示范房屋安全鉴定有限公司", "140802", ["140802", "140821", "140828"]),
    ("山西演示建设工程检测鉴定有限公司", "140800", ["140802", "140881", "140882", "140825"]),
    ("运城市样例结构检测技术有限公司", "140881", ["140881", "140830", "140829"]),
]


def demo_credit_code(region: str, serial: int) -> str:
    """A syntactically valid, invented 统一社会信用代码 for a demo firm."""
    body = f"91{region}MA0D{serial:05d}"[:17].ljust(17, "0")
    return body + check_character(body)


def build_firms() -> list[AppraisalFirm]:
    firms = []
    for serial, (name, region, served) in enumerate(FIRMS, start=1):
        firm, _ = AppraisalFirm.objects.get_or_create(
            name=name, defaults={"credit_code": demo_credit_code(region, serial)}
        )
        firm.counties.set(County.objects.filter(code__in=served))
        firms.append(firm)
    return firms


def _user(username: str, *, name: str, role: Role, **fields: object) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"name": name, "role": role, **fields}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def build_users(firms: list[AppraisalFirm]) -> list[DemoLogin]:
    yanhu = County.objects.get(code="140802")
    _user("admin", name="系统管理员", role=Role.ADMIN, is_superuser=True)
    bureau = _user("bureau", name="王建国", role=Role.BUREAU)
    bureau.groups.add(*Group.objects.filter(name="Editors"))
    _user("bureau_yanhu", name="李明", role=Role.BUREAU, county=yanhu)
    _user("reviewer", name="张审", role=Role.REVIEWER)
    _user("firm", name="赵工", role=Role.FIRM, firm=firms[0])
    _user("firm2", name="钱工", role=Role.FIRM, firm=firms[1])
    return [
        DemoLogin("admin", Role.ADMIN, "系统管理员：用户、机构、网站内容"),
        DemoLogin("bureau", Role.BUREAU, "住建局（市级，全市范围），可发布通知公告"),
        DemoLogin("bureau_yanhu", Role.BUREAU, "住建局（盐湖区）"),
        DemoLogin("reviewer", Role.REVIEWER, "审查专家"),
        DemoLogin("firm", Role.FIRM, f"鉴定机构人员：{firms[0].name}"),
        DemoLogin("firm2", Role.FIRM, f"鉴定机构人员：{firms[1].name}"),
    ]


NOTICES = [
    (
        "关于印发自建房安全专项整治“百日行动”巩固提升工作方案的通知",
        "运自建房整治办函〔2022〕10号",
        dt.date(2022, 9, 26),
        "<p>聚焦“全面、精准、有效”标准，进一步强化排查、管控、鉴定、移送、整治五项重点任务。"
        "对所有初判存疑的房屋要列出清单，优先安排，全面鉴定，彻底消除疑虑。</p>",
    ),
    (
        "关于加快经营性自建房安全鉴定进度的通知",
        "",
        dt.date(2022, 9, 30),
        "<p>对加建、改建、扩建的经营性自建房要于10月10日前完成鉴定；对3层以上、跨度较大或钢架结构的"
        "经营性自建房要于10月底前基本完成鉴定。</p>",
    ),
    (
        "鉴定机构名录公示",
        "",
        dt.date(2022, 10, 8),
        "<p>具备资质条件、相应技术能力和相关工作经验的鉴定机构名录见“鉴定机构名录”栏目。</p>",
    ),
]


def build_pages() -> None:
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("HomePage missing: run `manage.py migrate` first")
    index = NoticeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=NoticeIndexPage(title="通知公告", slug="notices"))
    for number_in_list, (title, number, date, body) in enumerate(NOTICES, start=1):
        if not NoticePage.objects.child_of(index).filter(title=title).exists():
            index.add_child(
                instance=NoticePage(
                    title=title,
                    slug=f"notice-{number_in_list}",
                    document_number=number,
                    issuer="运城市自建房安全专项整治工作领导小组办公室",
                    date=date,
                    body=body,
                )
            )
    if not GuidancePage.objects.child_of(home).exists():
        home.add_child(
            instance=GuidancePage(
                title="鉴定报告提交指南",
                slug="report-guide",
                summary="鉴定机构上传报告前请逐项核对。",
                body=(
                    "<p>鉴定报告须对房屋结构现状安全性评级（A/B/C/D级，JGJ 125-2016），并对结构形式、"
                    "承载体系、抗震性能作出评价，客观提出处理意见；引用的标准须为报告日期现行有效版本。</p>"
                ),
            )
        )


@transaction.atomic
def build_demo(seed: int = 2022) -> list[DemoLogin]:
    random.seed(seed)
    firms = build_firms()
    logins = build_users(firms)
    build_pages()
    return logins
