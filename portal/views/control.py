"""Bureau screens for control (管控), patrols, rectification (整治) and re-inspection (复核)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from buildings.control import (
    ControlError,
    control_lift,
    lift_refusal,
    measure_record,
    patrol_record,
    rectification_save,
    reinspection_record,
    uncontrolled,
)
from buildings.models import (
    Building,
    ControlKind,
    ControlMeasure,
    IllegalBuildingAction,
    Patrol,
    Rectification,
    RectificationMeasure,
    RectificationProgress,
)
from buildings.selectors import building_for
from portal.forms import DATE_ERRORS
from portal.roles import BUREAU_ROLES, role_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

BUREAU = BUREAU_ROLES
PAGE_SIZE = 50


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(
        label="管控措施",
        choices=[("", "请选择"), *ControlKind.choices],
        error_messages={
            "required": "请选择管控措施。",
            "invalid_choice": "请选择平台列出的管控措施。",
        },
    )
    detail = forms.CharField(label="措施说明", max_length=200, required=False)
    started_on = forms.DateField(label="管控起始日", error_messages=DATE_ERRORS)
    responsible = forms.CharField(
        label="责任人", max_length=50, error_messages={"required": "请填写管控责任人。"}
    )
    photos = PhotosField(label="现场照片", required=False, help_text="JPG/PNG，至少一张。")


class PatrolForm(forms.Form):
    patrolled_on = forms.DateField(label="巡查日期", error_messages=DATE_ERRORS)
    inspector = forms.CharField(
        label="巡查人", max_length=50, error_messages={"required": "请填写巡查人。"}
    )
    finding = forms.CharField(
        label="巡查情况", max_length=500, error_messages={"required": "请填写巡查情况。"}
    )
    patrol_photos = PhotosField(label="巡查照片", required=False)


class RectificationForm(forms.Form):
    measure = forms.ChoiceField(
        label="整治措施",
        choices=[("", "请选择"), *RectificationMeasure.choices],
        error_messages={"required": "请选择整治措施。", "invalid_choice": "请选择整治措施。"},
    )
    illegal_action = forms.ChoiceField(
        label="违法建设查处",
        choices=[("", "不涉及"), *IllegalBuildingAction.choices],
        required=False,
        error_messages={"invalid_choice": "请选择平台列出的违法建设查处方式。"},
    )
    rect_detail = forms.CharField(label="措施说明", max_length=200, required=False)
    department = forms.CharField(
        label="责任部门", max_length=100, error_messages={"required": "请填写责任部门。"}
    )
    rect_responsible = forms.CharField(
        label="责任人", max_length=50, error_messages={"required": "请填写责任人。"}
    )
    deadline = forms.DateField(label="整治期限", error_messages=DATE_ERRORS)
    progress = forms.ChoiceField(
        label="整治进度",
        choices=RectificationProgress.choices,
        error_messages={"required": "请选择整治进度。", "invalid_choice": "请选择整治进度。"},
    )


class ReinspectionForm(forms.Form):
    inspected_on = forms.DateField(label="复核日期", error_messages=DATE_ERRORS)
    reinspector = forms.CharField(
        label="复核人", max_length=50, error_messages={"required": "请填写复核人。"}
    )
    reinspection_finding = forms.CharField(
        label="复核意见", max_length=500, error_messages={"required": "请填写复核意见。"}
    )


FORMS = {
    "measure": MeasureForm,
    "patrol": PatrolForm,
    "rectification": RectificationForm,
    "reinspection": ReinspectionForm,
}
SUCCESS = {
    "measure": "管控措施已记录。",
    "patrol": "巡查记录已保存。",
    "rectification": "整治方案已保存。",
    "reinspection": "复核记录已保存。",
}


def _apply(action: str, form: forms.Form, building: Building, user: Any) -> None:
    d = form.cleaned_data
    if action == "measure":
        measure_record(
            building=building,
            kind=d["kind"],
            detail=d["detail"],
            started_on=d["started_on"],
            responsible=d["responsible"],
            photos=d["photos"],
            actor=user,
        )
    elif action == "patrol":
        patrol_record(
            building=building,
            patrolled_on=d["patrolled_on"],
            inspector=d["inspector"],
            finding=d["finding"],
            photos=d["patrol_photos"],
            actor=user,
        )
    elif action == "rectification":
        rectification_save(
            building=building,
            measure=d["measure"],
            illegal_action=d["illegal_action"],
            detail=d["rect_detail"],
            department=d["department"],
            responsible=d["rect_responsible"],
            deadline=d["deadline"],
            progress=d["progress"],
            actor=user,
        )
    else:
        reinspection_record(
            building=building,
            inspected_on=d["inspected_on"],
            inspector=d["reinspector"],
            finding=d["reinspection_finding"],
            actor=user,
        )


def _plan_initial(plan: Rectification | None) -> dict[str, Any]:
    if plan is None:
        return {"progress": RectificationProgress.PENDING}
    return {
        "measure": plan.measure,
        "illegal_action": plan.illegal_action,
        "rect_detail": plan.detail,
        "department": plan.department,
        "rect_responsible": plan.responsible,
        "deadline": plan.deadline,
        "progress": plan.progress,
    }


@role_required(*BUREAU)
def building_control(request: HttpRequest, pk: int) -> HttpResponse:
    """One page per building: measures, patrols, the plan, re-inspections and lifting."""
    building = building_for(request.user, pk)
    plan = Rectification.objects.filter(building=building).first()
    today = timezone.localdate()
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "lift":
            try:
                n = control_lift(building=building, actor=request.user)
            except ControlError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, f"已解除管控，结束管控措施 {n} 项。")
            return redirect("building_control", pk=building.pk)
        form_class = FORMS.get(action)
        if form_class is None:
            messages.error(request, "未知操作。")
            return redirect("building_control", pk=building.pk)
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                _apply(action, form, building, request.user)
            except ControlError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, SUCCESS[action])
                return redirect("building_control", pk=building.pk)
        bound[action] = form
    forms_ = {
        "measure": bound.get("measure") or MeasureForm(initial={"started_on": today}),
        "patrol": bound.get("patrol") or PatrolForm(initial={"patrolled_on": today}),
        "rectification": bound.get("rectification")
        or RectificationForm(initial=_plan_initial(plan)),
        "reinspection": bound.get("reinspection")
        or ReinspectionForm(initial={"inspected_on": today}),
    }
    return render(
        request,
        "portal/control/building.html",
        {
            "building": building,
            "requires_control": building.requires_control,
            "measures": list(building.measures.select_related("recorded_by", "lifted_by")),
            "patrols": list(building.patrols.select_related("recorded_by")),
            "plan": plan,
            "reinspections": list(building.reinspections.select_related("recorded_by")),
            "lift_refusal": lift_refusal(building),
            "forms": forms_,
        },
    )


PHOTO_MODELS = {"measure": ControlMeasure, "patrol": Patrol}


@role_required(*BUREAU)
def control_photo(request: HttpRequest, kind: str, pk: int, index: int) -> HttpResponse:
    """A stored (EXIF-free) control or patrol photo, scoped through the building."""
    model = PHOTO_MODELS.get(kind)
    if model is None:
        raise Http404
    visible = Building.objects.visible_to(request.user)
    row = get_object_or_404(model.objects.filter(building__in=visible), pk=pk)
    if not 0 <= index < len(row.photos):
        raise Http404
    key = row.photos[index]["thumb" if request.GET.get("size") == "thumb" else "image"]
    try:
        fh = default_storage.open(key)
    except FileNotFoundError as e:
        raise Http404 from e
    return FileResponse(fh, content_type="image/jpeg")


@role_required(*BUREAU)
def uncontrolled_list(request: HttpRequest) -> HttpResponse:
    """Buildings that require control and have none recorded (需管控未落实, 当日动态清零)."""
    qs = uncontrolled(Building.objects.visible_to(request.user)).select_related("county")
    page = Paginator(qs.order_by("building_no"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/control/uncontrolled.html",
        {"page_obj": page, "total": page.paginator.count},
    )
