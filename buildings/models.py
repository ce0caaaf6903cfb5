from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.roles import Role
from reports.models.audit import AppendOnly


class County(models.Model):
    """A county-level division of the city (县/市/区), keyed by its GB/T 2260 code.

    The list is data, not code: it is seeded by a migration and editable by site admins,
    so a city other than Yuncheng only changes rows.
    """

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "县（市、区）"
        verbose_name_plural = "县（市、区）"

    def __str__(self) -> str:
        return self.name


class StructureType(models.TextChoices):
    BRICK_CONCRETE = "砖混结构", "砖混结构"
    BRICK_WOOD = "砖木结构", "砖木结构"
    FRAME = "框架结构", "框架结构"
    EARTH_WOOD = "土木结构", "土木结构"
    STONE_WOOD = "石木结构", "石木结构"
    MIXED = "混合结构", "混合结构"
    STEEL = "钢结构", "钢结构"
    CAVE = "窑洞", "窑洞"
    OTHER = "其他", "其他"


class Alteration(models.TextChoices):
    NONE = "否", "否"
    ADDITION = "加建", "加建"
    RENOVATION = "改建", "改建"
    EXTENSION = "扩建", "扩建"


class Judgement(models.TextChoices):
    """初判 (initial judgement of the 2022 survey). Queue order is a policy in settings."""

    NONE_FOUND = "未发现安全隐患", "未发现安全隐患"
    DOUBTFUL = "初判存疑", "初判存疑"
    SOME = "存在一定安全隐患", "存在一定安全隐患"
    SERIOUS = "存在严重安全隐患", "存在严重安全隐患"


class BuildingQuerySet(models.QuerySet["Building"]):
    def visible_to(self, user: Any) -> BuildingQuerySet:
        """Buildings a user may read: the single scoping rule for every building read path.

        Site admins and city-wide bureau staff: all. County bureau staff: their county.
        Firm members: buildings of tasks the firm holds, plus those open in the pool in a
        county the firm serves. Reviewers reach buildings through accepted reports only.
        """
        from reports.models import AppraisalTask

        role = Role.of(user)
        if role == Role.ADMIN or (role == Role.BUREAU and user.county_id is None):
            return self.all()
        if role == Role.BUREAU:
            return self.filter(county_id=user.county_id)
        if role == Role.FIRM:
            tasks = AppraisalTask.objects.visible_to(user)
            return self.filter(pk__in=tasks.values("building_id"))
        return self.none()

    def requiring_control(self) -> BuildingQuerySet:
        """Buildings that must be under control (管控): THE rule, used by every read path.

        An accepted C/D report (control_required), or a 初判 of 存在严重安全隐患 whose
        control has not been lifted since.
        """
        lifted = ControlMeasure.objects.filter(
            building=models.OuterRef("pk"), lifted_at__isnull=False
        )
        return self.filter(
            models.Q(control_required=True)
            | (models.Q(initial_judgement=Judgement.SERIOUS) & ~models.Exists(lifted))
        )


class Building(models.Model):
    """One self-built house of the survey ledger (排查台账), keyed by its 房屋编号."""

    building_no = models.CharField("房屋编号", max_length=32, unique=True)
    county = models.ForeignKey(
        County, verbose_name="县区", on_delete=models.PROTECT, related_name="buildings"
    )
    township = models.CharField("乡镇（街道）", max_length=50, blank=True)
    village = models.CharField("村（社区）", max_length=50, blank=True)
    address = models.CharField("详细地址", max_length=200)
    owner = models.CharField("产权人", max_length=50, blank=True)
    owner_phone = models.CharField("联系电话", max_length=20, blank=True)
    structure_type = models.CharField("结构类型", max_length=10, choices=StructureType.choices)
    floors = models.PositiveSmallIntegerField("层数")
    year_built = models.PositiveSmallIntegerField("建造年代", null=True, blank=True)
    area = models.DecimalField(
        "建筑面积(㎡)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    is_business = models.BooleanField("是否经营性", default=False)
    business_use = models.CharField("经营用途", max_length=20, blank=True)
    alteration = models.CharField(
        "是否改扩建", max_length=4, choices=Alteration.choices, default=Alteration.NONE
    )
    max_span = models.DecimalField(
        "最大跨度(m)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    is_steel = models.BooleanField("是否钢结构", default=False)
    procedures_complete = models.BooleanField("设计施工监理验收手续是否完备", default=False)
    initial_judgement = models.CharField("初判结论", max_length=10, choices=Judgement.choices)
    control_measures = models.CharField("管控措施", max_length=200, blank=True)
    remarks = models.TextField("备注", blank=True)
    # Set when a report is accepted: the latest conclusion and whether C/D control is required.
    appraisal_grade = models.CharField("鉴定等级", max_length=1, blank=True)
    control_required = models.BooleanField("需管控（停止使用、清人、封房）", default=False)
    control_required_since = models.DateField("需管控起始日", null=True, blank=True)
    needs_recheck = models.BooleanField("待复核", default=False)
    recheck_reason = models.CharField("复核原因", max_length=200, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        ordering = ["building_no"]
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        indexes = [
            models.Index(fields=["county", "initial_judgement"]),
            models.Index(fields=["initial_judgement"]),
            models.Index(fields=["structure_type"]),
        ]

    def __str__(self) -> str:
        return f"{self.building_no} {self.address}"

    @property
    def requires_control(self) -> bool:
        return Building.objects.requiring_control().filter(pk=self.pk).exists()


class CorrectionSource(models.TextChoices):
    DESIGNER = "设计", "设计单位技术人员"
    BUILDER = "施工", "施工单位技术人员"
    SUPERVISOR = "监理", "监理单位技术人员"
    CRAFTSMAN = "工匠", "乡村建设工匠"
    AUTHORITY = "证件", "相关部门有效证件"


class BuildingCorrection(models.Model):
    """A confirmed correction of one ledger field (数据准不准、信息真不真、录入全不全).

    A re-import never overwrites a field that has a correction; it lists the conflict.
    """

    CORRECTABLE_FIELDS = (
        "structure_type",
        "floors",
        "year_built",
        "alteration",
        "area",
        "max_span",
        "is_steel",
        "procedures_complete",
        "is_business",
        "business_use",
        "initial_judgement",
    )

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField("字段", max_length=40)
    old_value = models.CharField("原值", max_length=200, blank=True)
    new_value = models.CharField("新值", max_length=200)
    confirmed_by = models.CharField("确认人", max_length=50)
    confirmer_kind = models.CharField("确认人类别", max_length=4, choices=CorrectionSource.choices)
    evidence = models.FileField("佐证材料", upload_to="corrections/%Y/%m/")
    reason = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "台账修正"
        verbose_name_plural = "台账修正"

    def __str__(self) -> str:
        return f"{self.building.building_no} {self.field}: {self.old_value} → {self.new_value}"


class LedgerImport(models.Model):
    """One run of a ledger import, kept so the bureau can download its rejected rows."""

    class QuerySet(models.QuerySet["LedgerImport"]):
        def visible_to(self, user: Any) -> LedgerImport.QuerySet:
            """Imports a user may read: site admins and city-wide bureau staff all of them,
            county bureau staff the imports they made themselves, everyone else none."""
            role = Role.of(user)
            if role == Role.ADMIN or (role == Role.BUREAU and user.county_id is None):
                return self.all()
            if role == Role.BUREAU:
                return self.filter(imported_by=user)
            return self.none()

    file_name = models.CharField("文件名", max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField("导入时间", auto_now_add=True)
    imported = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    rejected = models.PositiveIntegerField("拒收", default=0)
    conflicts = models.PositiveIntegerField("与已确认修正冲突", default=0)
    # [{"row": 12, "building_no": "...", "column": "层数", "message": "..."}]
    errors = models.JSONField("拒收明细", default=list)
    # [{"building_no": "...", "field": "floors", "ledger": "3", "confirmed": "2"}]
    conflict_rows = models.JSONField("冲突明细", default=list)

    objects = QuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "台账导入记录"
        verbose_name_plural = "台账导入记录"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def summary(self) -> str:
        return f"imported {self.imported}, updated {self.updated}, rejected {self.rejected}"


class ControlKind(models.TextChoices):
    STOP_USE = "停止使用", "停止使用"
    STOP_BUSINESS = "停止经营", "停止经营"
    SEAL = "封控警示", "封控警示"
    EVACUATE = "人员撤离", "人员撤离"
    OTHER = "其他", "其他"


class ControlMeasure(models.Model):
    """One control measure (管控措施) in force on a building; ended when control is lifted."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("管控措施", max_length=8, choices=ControlKind.choices)
    detail = models.CharField("措施说明", max_length=200, blank=True)
    started_on = models.DateField("管控起始日")
    ended_on = models.DateField("管控结束日", null=True, blank=True)
    responsible = models.CharField("责任人", max_length=50)
    # [{"image": key, "thumb": key, "name": label}] from reports.uploads.process_photo
    photos = models.JSONField("照片", default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = "管控措施"
        verbose_name_plural = "管控措施"

    def __str__(self) -> str:
        return f"{self.building_id} {self.kind}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class Patrol(models.Model):
    """A patrol (巡查) of a controlled building against people moving back in (人员回流)."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="patrols")
    patrolled_on = models.DateField("巡查日期")
    inspector = models.CharField("巡查人", max_length=50)
    finding = models.CharField("巡查情况", max_length=500)
    photos = models.JSONField("照片", default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["-patrolled_on", "-pk"]
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"

    def __str__(self) -> str:
        return f"{self.building_id} {self.patrolled_on}"


class RectificationMeasure(models.TextChoices):
    REBUILD = "拆除重建", "拆除重建"
    REINFORCE = "维修加固", "维修加固"
    OTHER = "其他", "其他"


class IllegalBuildingAction(models.TextChoices):
    DEMOLISH_ALL = "全部拆除", "全部拆除"
    DEMOLISH_PART = "部分拆除", "部分拆除"
    PERMIT = "补办手续", "补办手续"
    FINE = "罚款", "罚款"
    CONFISCATE = "没收", "没收"
    OTHER = "其他", "其他"


class RectificationProgress(models.TextChoices):
    PENDING = "待整治", "待整治"
    IN_PROGRESS = "整治中", "整治中"
    DONE = "已整治", "已整治"


class Rectification(models.Model):
    """The rectification plan of one building (一户一策/一栋一策)."""

    building = models.OneToOneField(
        Building, on_delete=models.CASCADE, related_name="rectification"
    )
    measure = models.CharField("整治措施", max_length=8, choices=RectificationMeasure.choices)
    illegal_action = models.CharField(
        "违法建设查处", max_length=8, choices=IllegalBuildingAction.choices, blank=True
    )
    detail = models.CharField("措施说明", max_length=200, blank=True)
    department = models.CharField("责任部门", max_length=100)
    responsible = models.CharField("责任人", max_length=50)
    deadline = models.DateField("整治期限")
    progress = models.CharField(
        "整治进度",
        max_length=4,
        choices=RectificationProgress.choices,
        default=RectificationProgress.PENDING,
    )
    completed_at = models.DateTimeField("整治完成时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("制定时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "整治方案"
        verbose_name_plural = "整治方案"

    def __str__(self) -> str:
        return f"{self.building_id} {self.measure} {self.progress}"


class Reinspection(models.Model):
    """A re-inspection (复核) after rectification; lifting control needs one after completion."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="reinspections")
    inspected_on = models.DateField("复核日期")
    inspector = models.CharField("复核人", max_length=50)
    finding = models.CharField("复核意见", max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "整治复核"
        verbose_name_plural = "整治复核"

    def __str__(self) -> str:
        return f"{self.building_id} {self.inspected_on}"


# ---------------------------------------------------------------- problems and referrals
# 两清单一台账 / 挂号制 / 双通知一报告 are unconfirmed local terms: the categories and
# departments are settings (CAMPAIGN["problem_categories"], CAMPAIGN["departments"]), the
# workflow lives in buildings/problem_ledger.py and buildings/referrals.py.


def problem_category_label(code: str) -> str:
    """The label of a problem category code; an unknown (retired) code shows as itself."""
    for category in settings.CAMPAIGN["problem_categories"]:
        if category["code"] == code:
            return category["label"]
    return code


class ProblemSource(models.TextChoices):
    SURVEY = "排查", "排查"
    APPRAISAL = "鉴定", "鉴定"
    PATROL = "巡查", "巡查"
    OTHER = "其他", "其他"


class ProblemStatus(models.TextChoices):
    REGISTERED = "已挂号", "已挂号"
    REFERRED = "已移送", "已移送"
    CLOSED = "已销号", "已销号"


class ProblemQuerySet(models.QuerySet["Problem"]):
    def visible_to(self, user: Any) -> ProblemQuerySet:
        """Problems a user may read: back-office users only, scoped by the building rule."""
        from portal.roles import BUREAU_ROLES

        if Role.of(user) not in BUREAU_ROLES:
            return self.none()
        return self.filter(building__in=Building.objects.visible_to(user))

    def open(self) -> ProblemQuerySet:
        return self.exclude(status=ProblemStatus.CLOSED)


class Problem(models.Model):
    """A registered problem (挂号) of one building, kept until it is closed (销号)."""

    building = models.ForeignKey(
        Building, verbose_name="房屋", on_delete=models.PROTECT, related_name="problems"
    )
    category = models.CharField("问题类别", max_length=40)
    description = models.CharField("问题描述", max_length=500)
    source = models.CharField("问题来源", max_length=4, choices=ProblemSource.choices)
    source_note = models.CharField("来源说明", max_length=200, blank=True)
    found_on = models.DateField("发现日期")
    # 挂号编号: county code, year and a serial within them, e.g. 140802-2025-0007.
    register_year = models.PositiveSmallIntegerField("挂号年度")
    register_serial = models.PositiveIntegerField("挂号序号")
    register_no = models.CharField("挂号编号", max_length=32, unique=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="挂号人", on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField("挂号时间", default=timezone.now)
    responsible_name = models.CharField("责任主体", max_length=100)
    responsible_contact = models.CharField("责任主体联系方式", max_length=50, blank=True)
    requirement = models.CharField("整改要求", max_length=500)
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=4, choices=ProblemStatus.choices, default=ProblemStatus.REGISTERED
    )
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("销号录入时间", null=True, blank=True)
    closing_note = models.CharField("销号说明", max_length=500, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at", "-pk"]
        verbose_name = "问题（挂号）"
        verbose_name_plural = "问题清单"
        constraints = [
            # 挂号制: one open registration per building and category; closing frees the slot.
            models.UniqueConstraint(
                fields=["building", "category"],
                condition=~models.Q(status="已销号"),
                name="problem_one_open_per_category",
            ),
        ]
        indexes = [models.Index(fields=["status", "category"], name="problem_status_cat_idx")]

    def __str__(self) -> str:
        return f"{self.register_no} {self.category_label}"

    @property
    def category_label(self) -> str:
        return problem_category_label(self.category)

    @property
    def is_closed(self) -> bool:
        return self.status == ProblemStatus.CLOSED

    @property
    def is_overdue(self) -> bool:
        return not self.is_closed and self.deadline < timezone.localdate()


class HandlingStatus(models.TextChoices):
    PENDING = "待接收", "待接收"
    RECEIVED = "已接收", "已接收"
    HANDLING = "处理中", "处理中"
    DONE = "已办结", "已办结"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Any) -> ReferralQuerySet:
        """Referrals of the problems a user may read."""
        return self.filter(problem__in=Problem.objects.visible_to(user))


class Referral(models.Model):
    """The referral (移送) of a problem to its lead department, with co-departments notified.

    双通知: the responsible party and the departments get notices; 一报告: the lead
    department reports receipt and handling, recorded here.
    """

    problem = models.OneToOneField(
        Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="referral"
    )
    department = models.CharField("牵头部门", max_length=100)
    co_departments = models.JSONField("其他责任单位", default=list, blank=True)
    referred_on = models.DateField("移送日期")
    notice_year = models.PositiveSmallIntegerField("函号年度")
    notice_serial = models.PositiveIntegerField("函号序号")
    notice_no = models.CharField("移送函编号", max_length=60, unique=True)
    requested_action = models.CharField("移送事项", max_length=500)
    deadline = models.DateField("办结期限")
    status = models.CharField(
        "办理状态", max_length=4, choices=HandlingStatus.choices, default=HandlingStatus.PENDING
    )
    received_on = models.DateField("接收日期", null=True, blank=True)
    receiver = models.CharField("接收人", max_length=50, blank=True)
    handling_result = models.CharField("处理结果", max_length=1000, blank=True)
    handled_on = models.DateField("办结日期", null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="移送人", on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField("移送录入时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = "问题移送"
        verbose_name_plural = "问题移送"
        indexes = [models.Index(fields=["department", "referred_on"], name="referral_dept_idx")]

    def __str__(self) -> str:
        return f"{self.notice_no} → {self.department}"

    @property
    def is_done(self) -> bool:
        return self.status == HandlingStatus.DONE


class ProblemAction(models.TextChoices):
    REGISTER = "挂号", "挂号"
    REFER = "移送", "移送"
    RECEIVE = "接收", "接收"
    HANDLE = "办理", "办理"
    CLOSE = "销号", "销号"


class ProblemEvent(AppendOnly, models.Model):
    """Append-only audit trail of a problem: who did what when, written with the change."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=4, choices=ProblemAction.choices)
    detail = models.CharField("说明", max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "问题办理记录"
        verbose_name_plural = "问题办理记录"

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"
