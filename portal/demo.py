"""Builds a ready-to-click demo site in code (no files from outside the repository).

Every builder is idempotent, so `manage.py demo` can be run again on the same database.
Later features add their own builders to DEMO_STEPS.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from buildings.demo_problems import seed_demo as seed_problems
from buildings.models import Building, County, Judgement
from institutions.credit_code import check_character
from institutions.models import AppraisalFirm, Engineer, Qualification
from portal.api.demo import seed_demo as seed_api_tokens
from portal.demo_ledger import generate_ledger
from portal.demo_progress import seed_demo as seed_progress
from portal.demo_supervision import seed_demo as seed_supervision
from portal.models import GuidancePage, HomePage, NoticeIndexPage, NoticePage, User
from portal.roles import Role
from reports.assignments import task_assign, task_claim_next, task_close, tasks_create_bulk
from reports.generator import random_spec, render_report
from reports.models import AppraisalTask, Report, ReportVersion, TaskState
from reports.workflow import (
    version_accept,
    version_parse,
    version_return,
    version_submit,
    version_upload,
)

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
    ("山西暂停示例检测有限公司", "140800", ["140802"]),
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


QUALIFICATIONS = [
    # (firm index, kind, scopes, valid_from, valid_to, status, reason)
    (0, Qualification.Kind.REGISTRY, [], dt.date(2022, 6, 1), dt.date(2027, 5, 31), "valid", ""),
    (
        0,
        Qualification.Kind.TESTING,
        ["主体结构", "钢结构", "地基基础"],
        dt.date(2023, 3, 1),
        dt.date(2028, 2, 28),
        "valid",
        "",
    ),
    (1, Qualification.Kind.REGISTRY, [], dt.date(2022, 6, 1), dt.date(2027, 5, 31), "valid", ""),
    (
        1,
        Qualification.Kind.TESTING,
        ["主体结构"],
        None,
        None,
        "valid",
        "",
    ),  # expires within 30 days
    (
        2,
        Qualification.Kind.TESTING,
        ["主体结构", "地基基础"],
        dt.date(2020, 1, 1),
        dt.date(2025, 12, 31),
        "valid",
        "",
    ),
    (
        3,
        Qualification.Kind.REGISTRY,
        [],
        dt.date(2022, 6, 1),
        dt.date(2027, 5, 31),
        "suspended",
        "鉴定报告弄虚作假，暂停一年",
    ),
    (
        3,
        Qualification.Kind.TESTING,
        ["主体结构"],
        dt.date(2023, 1, 1),
        dt.date(2028, 1, 1),
        "valid",
        "",
    ),
]


def build_qualifications(firms: list[AppraisalFirm], today: dt.date) -> None:
    for n, (index, kind, scopes, start, end, status, reason) in enumerate(QUALIFICATIONS, start=1):
        if start is None:
            start, end = today - dt.timedelta(days=5 * 365), today + dt.timedelta(days=20)
        Qualification.objects.update_or_create(
            kind=kind,
            certificate_no=f"晋建鉴字第{2022000 + n}号",
            defaults={
                "firm": firms[index],
                "level": "专项" if kind == Qualification.Kind.TESTING else "",
                "issuer": "山西省住房和城乡建设厅"
                if kind == Qualification.Kind.TESTING
                else "运城市住房和城乡建设局",
                "valid_from": start,
                "valid_to": end,
                "scopes": scopes,
                "status": status,
                "status_reason": reason,
            },
        )
    for firm in firms:
        if not firm.engineers.exists():
            Engineer.objects.bulk_create(
                [
                    Engineer(
                        firm=firm,
                        name="周建华",
                        role=Engineer.Role.PROJECT_LEAD,
                        title="高级工程师",
                        registration_type="一级注册结构工程师",
                        registration_no=f"S{firm.pk:03d}0101",
                    ),
                    Engineer(
                        firm=firm, name="吴立新", role=Engineer.Role.APPRAISER, title="工程师"
                    ),
                    Engineer(
                        firm=firm, name="郑海波", role=Engineer.Role.REVIEWER, title="高级工程师"
                    ),
                    Engineer(
                        firm=firm, name="冯志远", role=Engineer.Role.APPROVER, title="正高级工程师"
                    ),
                ]
            )


def build_ledger(count: int, seed: int) -> None:
    if Building.objects.exists():
        return
    counties = {c.name: c for c in County.objects.all()}
    rows = generate_ledger([(c.code, c.name) for c in counties.values()], count, seed)
    Building.objects.bulk_create(
        (Building(**{**row.__dict__, "county": counties[row.county]}) for row in rows),
        batch_size=1000,
    )


def build_tasks(firms: list[AppraisalFirm], bureau: User, today: dt.date) -> None:
    """Tasks for every 初判存疑 and 严重隐患 building, walked through the real transitions."""
    if AppraisalTask.objects.exists():
        return
    urgent = Building.objects.filter(initial_judgement__in=[Judgement.DOUBTFUL, Judgement.SERIOUS])
    tasks_create_bulk(buildings=urgent, actor=bureau, today=today - dt.timedelta(days=40))
    member = User.objects.get(username="firm")
    pool = AppraisalTask.objects.filter(
        state=TaskState.OPEN, building__county__in=firms[0].counties.all()
    )
    for task in pool.in_queue_order()[:4]:
        task_assign(task=task, firm=firms[0], actor=bureau, on=today)
    for _ in range(10):
        task_claim_next(user=member, on=today)


def build_reports(firm: AppraisalFirm, bureau: User, today: dt.date) -> None:
    """Generated report PDFs on the firm's tasks, walked through the real workflow so every
    report state (and the task states after it) shows in the demo."""
    if Report.objects.exists():
        return
    member = User.objects.get(username="firm")
    held = list(
        AppraisalTask.objects.filter(state=TaskState.ACCEPTED, firm=firm)
        .select_related("building__county")
        .order_by("pk")[:7]
    )
    rng = random.Random(2022)  # noqa: S311 - deterministic demo data
    grades = ["B", "C", "D", "C", "A", "C", "B"]
    versions = []
    for task, grade in zip(held, grades, strict=False):
        b = task.building
        spec = random_spec(
            rng, firm=firm.name, building_no=b.building_no, address=b.address, county=b.county.name,
            owner=b.owner or "张三", structure_type=b.structure_type, floors=b.floors, grade=grade,
            appraisal_type="危险性鉴定", date=today - dt.timedelta(days=3), inspection_date=today - dt.timedelta(days=9),
        )  # fmt: skip
        versions.append((task, spec))

    def upload(task: AppraisalTask, data: bytes, name: str) -> ReportVersion:
        version, _ = version_upload(task=task, user=member, pdf=SimpleUploadedFile(name, data))
        version_parse(version.pk)
        version.refresh_from_db()
        return version

    layouts = [
        "numbered_cn",
        "numbered_arabic",
        "chapters_toc",
        "form_table",
        "bracketed",
        "numbered_cn",
        "chapters_toc",
    ]
    made = [
        upload(task, render_report(spec, layout), f"{task.building.building_no}.pdf")
        for (task, spec), layout in zip(versions, layouts, strict=False)
    ]
    # made[0]: parsed, waiting for the firm to submit.
    if len(made) < 7:
        return
    broken = render_report(versions[1][1], "numbered_cn")
    made[1] = upload(versions[1][0], broken[: len(broken) // 3], "截断的报告.pdf")  # parse_failed
    version_submit(version=made[2], user=member)  # submitted
    version_submit(version=made[3], user=member)
    version_return(
        version=made[3], user=bureau, comment="抗震验算依据不足，请补充后重新提交。"
    )  # returned
    for index in (4, 5):
        version_submit(version=made[index], user=member)
        version_accept(version=made[index], user=bureau, comment="符合要求")
    task_close(task=made[4].report.task, actor=bureau, reason="整治完成，办结")
    version_submit(version=made[6], user=member)
    version_return(version=made[6], user=bureau, comment="层数与台账不一致，请核实。")
    task, spec = versions[6]
    fixed = upload(task, render_report(spec, "form_table"), "修改后.pdf")  # v1 superseded
    version_submit(version=fixed, user=member)
    version_accept(version=fixed, user=bureau)


@transaction.atomic
def build_demo(seed: int = 2022, buildings: int = 3000) -> list[DemoLogin]:
    today = timezone.localdate()
    firms = build_firms()
    logins = build_users(firms)
    seed_api_tokens()
    build_qualifications(firms, today)
    build_pages()
    build_ledger(buildings, seed)
    bureau = User.objects.get(username="bureau")
    build_tasks(firms, bureau, today)
    build_reports(firms[0], bureau, today)
    # Control, rectification, problems and referrals, supervision: through the real services.
    seed_progress(bureau=bureau, today=today)
    seed_problems(bureau=bureau, today=today)
    seed_supervision(today=today)
    return logins
