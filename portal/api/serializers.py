"""Response and request shapes of API v1. Reads only: writes go through the service modules."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from buildings.models import Judgement
from buildings.selectors import AppraisalStatus, appraisal_status_of
from reports.models import ReportState, TaskState
from reports.pipeline.fields import CONTRACT_FIELDS

# ---------------------------------------------------------------- shared pieces


class CountySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="行政区划代码")
    name = serializers.CharField()


class FirmRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SeismicSerializer(serializers.Serializer):
    intensity = serializers.CharField(allow_null=True, help_text="抗震设防烈度")
    conclusion = serializers.CharField(allow_null=True, help_text="满足 | 不满足 | 局部不满足")


class ParsedFieldsSerializer(serializers.Serializer):
    """The parsed-report contract fields (after the firm's corrections); null when not found."""

    report_no = serializers.CharField(allow_null=True, help_text="报告编号")
    appraisal_type = serializers.CharField(allow_null=True, help_text="鉴定类别")
    firm = serializers.CharField(allow_null=True, help_text="鉴定机构")
    address = serializers.CharField(allow_null=True, help_text="房屋地址")
    county = serializers.CharField(allow_null=True, help_text="县区")
    owner = serializers.CharField(allow_null=True, help_text="产权人")
    date = serializers.CharField(allow_null=True, help_text="报告日期（YYYY-MM-DD）")
    building_no = serializers.CharField(allow_null=True, help_text="房屋编号")
    structure_type = serializers.CharField(allow_null=True, help_text="结构形式")
    floors = serializers.IntegerField(allow_null=True, help_text="层数")
    grade = serializers.CharField(allow_null=True, help_text="安全性等级 A/B/C/D")
    load_system = serializers.CharField(allow_null=True, help_text="承载体系")
    seismic = SeismicSerializer(allow_null=True, help_text="抗震性能")
    recommendation = serializers.CharField(allow_null=True, help_text="处理意见")
    standards = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="鉴定依据（标准编号）"
    )

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        # Stored as JSON: pass the contract keys through as they are, absent keys as null.
        return {name: instance.get(name) for name in CONTRACT_FIELDS}


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="问题代码")
    severity = serializers.CharField(help_text="blocking（须修改后才能提交）| warning 等")
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True, required=False)
    page = serializers.IntegerField(allow_null=True, required=False)

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        page = instance.get("page")
        return {
            "code": str(instance.get("code", "")),
            "severity": str(instance.get("severity", "")),
            "message": str(instance.get("message", "")),
            "field": instance.get("field"),
            "page": page if isinstance(page, int) else None,
        }


def _county(county: Any) -> dict[str, str]:
    return {"code": county.code, "name": county.name}


# ---------------------------------------------------------------- buildings


class BuildingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building_no = serializers.CharField(help_text="房屋编号")
    county = CountySerializer()
    address = serializers.CharField()
    structure_type = serializers.CharField()
    floors = serializers.IntegerField()
    initial_judgement = serializers.ChoiceField(choices=Judgement.choices, help_text="初判结论")


class BuildingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building_no = serializers.CharField(help_text="房屋编号")
    county = CountySerializer()
    township = serializers.CharField()
    village = serializers.CharField()
    address = serializers.CharField()
    owner = serializers.CharField(help_text="产权人")
    structure_type = serializers.CharField()
    floors = serializers.IntegerField()
    year_built = serializers.IntegerField(allow_null=True)
    is_business = serializers.BooleanField(help_text="是否经营性")
    business_use = serializers.CharField()
    alteration = serializers.CharField(help_text="否 | 加建 | 改建 | 扩建")
    initial_judgement = serializers.ChoiceField(choices=Judgement.choices, help_text="初判结论")
    appraisal_grade = serializers.CharField(help_text="最近一次通过的鉴定等级，空为尚无结论")
    control_required = serializers.BooleanField(help_text="鉴定为C/D级，需管控")
    needs_recheck = serializers.BooleanField()
    appraisal_status = serializers.SerializerMethodField(help_text="none | in_progress | concluded")
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=AppraisalStatus.CHOICES))
    def get_appraisal_status(self, building: Any) -> str:
        return appraisal_status_of(building)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["county"] = _county(instance.county)
        return data


class BuildingTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    appraisal_type = serializers.CharField()
    state = serializers.ChoiceField(choices=TaskState.choices)
    firm = FirmRefSerializer(allow_null=True)
    due_date = serializers.DateField()


class BuildingDetailSerializer(BuildingSerializer):
    owner_phone = serializers.CharField()
    area = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    max_span = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    is_steel = serializers.BooleanField()
    procedures_complete = serializers.BooleanField(help_text="设计施工监理验收手续是否完备")
    requires_control = serializers.BooleanField(help_text="按管控规则当前须管控")
    tasks = BuildingTaskSerializer(
        many=True, source="tasks_list", help_text="本房屋的鉴定任务（新任务在前）"
    )


# ---------------------------------------------------------------- tasks


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building = BuildingRefSerializer()
    appraisal_type = serializers.CharField(help_text="鉴定 | 安全评估")
    state = serializers.ChoiceField(choices=TaskState.choices)
    state_label = serializers.CharField(source="get_state_display")
    deadline_class = serializers.CharField()
    due_date = serializers.DateField(help_text="完成时限")
    is_overdue = serializers.BooleanField()
    firm = FirmRefSerializer(allow_null=True, help_text="承接机构；任务池中的任务为 null")
    version = serializers.IntegerField(help_text="每次状态变化加一")
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["building"]["county"] = _county(instance.building.county)
        return data


class TransitionSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()


class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ReportState.choices)
    uploaded_at = serializers.DateTimeField()


class TaskDetailSerializer(TaskSerializer):
    owner = serializers.CharField(source="building.owner")
    owner_phone = serializers.CharField(source="building.owner_phone")
    actions = serializers.ListField(
        source="actions_list",
        child=serializers.ChoiceField(choices=["accept", "decline", "claim", "upload"]),
        help_text="当前用户此刻可以执行的操作",
    )
    transitions = TransitionSerializer(
        many=True, source="history", help_text="流转记录（仅承接机构可见）"
    )
    report_versions = VersionRefSerializer(
        many=True, source="versions_list", help_text="报告版本（仅承接机构可见）"
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        help_text="拒绝原因",
        error_messages={
            "required": "拒绝任务须填写原因。",
            "blank": "拒绝任务须填写原因。",
            "null": "拒绝任务须填写原因。",
            "max_length": "原因不能超过200字。",
        },
    )


class TaskListQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[
            ("mine", "本机构未办结的任务（派单与在办）"),
            ("offered", "待接受的派单"),
            ("held", "本机构在办任务"),
            ("pool", "任务池中本机构此刻可领取的任务"),
        ],
        default="mine",
        error_messages={"invalid_choice": "scope 须为 mine、offered、held 或 pool。"},
    )


# ---------------------------------------------------------------- reports


class VersionSerializer(serializers.Serializer):
    """One uploaded version: its parse state, fields and problems."""

    id = serializers.IntegerField()
    report_id = serializers.IntegerField()
    task_id = serializers.IntegerField(source="report.task_id")
    number = serializers.IntegerField(help_text="版本号")
    state = serializers.ChoiceField(choices=ReportState.choices)
    state_label = serializers.CharField(source="get_state_display")
    is_current = serializers.SerializerMethodField()
    original_name = serializers.CharField()
    size = serializers.IntegerField(help_text="字节")
    uploaded_at = serializers.DateTimeField()
    parsed_at = serializers.DateTimeField(allow_null=True)
    failure_code = serializers.CharField(help_text="解析失败代码，未失败为空")
    failure_message = serializers.CharField()
    page_count = serializers.IntegerField(allow_null=True)
    used_ocr = serializers.BooleanField()
    fields = ParsedFieldsSerializer()
    problems = ProblemSerializer(many=True)
    blocking_problems = serializers.IntegerField(
        source="blocking_count", help_text="须修改后才能提交的问题数"
    )
    photos = serializers.IntegerField(source="photo_count", help_text="现场照片张数")
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_comment = serializers.CharField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_current(self, version: Any) -> bool:
        return version.report.current_version_id == version.pk

    def to_representation(self, instance: Any) -> dict[str, Any]:
        instance.blocking_count = len(instance.blocking_problems)
        if not hasattr(instance, "photo_count"):
            instance.photo_count = instance.photos.count()
        return super().to_representation(instance)


class UploadResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false：同一文件已上传过，返回已有版本")
    detail = serializers.CharField()
    version = VersionSerializer()


class UploadRequestSerializer(serializers.Serializer):
    """Documentation of the multipart body; validation is the web upload form's."""

    pdf = serializers.FileField(help_text="鉴定报告PDF")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="现场照片（JPEG/PNG，可多张）"
    )


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task_id = serializers.IntegerField()
    building = BuildingRefSerializer(source="task.building")
    firm = FirmRefSerializer()
    state = serializers.ChoiceField(choices=ReportState.choices, source="current_version.state")
    current_version_id = serializers.IntegerField()
    version_number = serializers.IntegerField(source="current_version.number")
    report_no = serializers.SerializerMethodField()
    grade = serializers.SerializerMethodField(help_text="安全性等级 A/B/C/D")
    submitted_at = serializers.DateTimeField(source="current_version.submitted_at", allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    verification_code = serializers.CharField(allow_null=True, help_text="报告真伪查验码")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_report_no(self, report: Any) -> str | None:
        return report.current_version.fields.get("report_no")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_grade(self, report: Any) -> str | None:
        return report.current_version.fields.get("grade")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["building"]["county"] = _county(instance.task.building.county)
        return data


class ReportDetailSerializer(ReportSerializer):
    fields = ParsedFieldsSerializer(source="current_version.fields")
    problems = ProblemSerializer(many=True, source="current_version.problems")
    review_comment = serializers.CharField(source="current_version.review_comment")
    versions = VersionRefSerializer(many=True, source="versions_list", help_text="您可查看的各版本")


class ReportListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(ReportState.SUBMITTED, "已提交，待审核"), (ReportState.ACCEPTED, "审核通过")],
        required=False,
        help_text="不填则两者都列出",
        error_messages={"invalid_choice": "state 须为 submitted 或 accepted。"},
    )
    building_no = serializers.CharField(required=False, max_length=32, help_text="房屋编号")
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text="县区行政区划代码（6位）",
        error_messages={"invalid": "county 须为6位行政区划代码。"},
    )


class BuildingListQuerySerializer(serializers.Serializer):
    building_no = serializers.CharField(required=False, max_length=32, help_text="房屋编号")
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text="县区行政区划代码（6位）",
        error_messages={"invalid": "county 须为6位行政区划代码。"},
    )
    judgement = serializers.ChoiceField(
        choices=Judgement.choices,
        required=False,
        help_text="初判结论",
        error_messages={"invalid_choice": "judgement 须为平台列出的初判结论之一。"},
    )
