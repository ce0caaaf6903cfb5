"""Bureau screens over the ledger: list with filters, detail, re-check and corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from buildings.corrections import buildings_mark_recheck, correction_record
from buildings.models import Building, BuildingCorrection, CorrectionSource
from buildings.selectors import AppraisalStatus, appraisal_status_of, building_for, building_list
from portal.roles import BUREAU_ROLES, role_required
from reports.assignments import tasks_create_bulk
from reports.models import AppraisalTask, AppraisalType

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

PAGE_SIZE = 50
BUREAU = BUREAU_ROLES


@role_required(*BUREAU)
def building_list_view(request: HttpRequest) -> HttpResponse:
    form, qs = building_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for b in page:
        b.appraisal_status = AppraisalStatus.LABELS[appraisal_status_of(b)]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/buildings/list.html",
        {"form": form, "page_obj": page, "query": query.urlencode(), "total": page.paginator.count},
    )


@require_POST
@role_required(*BUREAU)
def building_bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply an action to every building matching the filter the user is looking at."""
    form, qs = building_list(request.user, request.POST)
    action = request.POST.get("action")
    back = f"{_list_url()}?{request.POST.get('query', '')}"
    if form.is_bound and not form.is_valid():
        messages.error(request, "筛选条件有误，未执行批量操作。")
        return redirect(back)
    if action == "create_tasks":
        created, skipped = tasks_create_bulk(buildings=qs, actor=request.user)
        messages.success(request, f"已创建 {created} 个任务；{skipped} 栋已有未办结任务，已跳过。")
    elif action == "recheck":
        try:
            n = buildings_mark_recheck(buildings=qs, reason=request.POST.get("reason", ""))
        except ValidationError as e:
            messages.error(request, e.messages[0])
        else:
            messages.success(request, f"已标记 {n} 栋房屋待复核。")
    else:
        messages.error(request, "未知操作。")
    return redirect(back)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("building_list")


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(
        label="修正字段",
        choices=[
            (f, Building._meta.get_field(f).verbose_name)
            for f in BuildingCorrection.CORRECTABLE_FIELDS
        ],
    )
    new_value = forms.CharField(
        label="新值", max_length=200, help_text="是/否字段请填写 是 或 否。"
    )
    confirmed_by = forms.CharField(label="确认人姓名", max_length=50)
    confirmer_kind = forms.ChoiceField(label="确认人类别", choices=CorrectionSource.choices)
    evidence = forms.FileField(
        label="佐证材料", help_text="确认单、证件等扫描件（PDF/JPG/PNG，不超过20MB）。"
    )
    reason = forms.CharField(label="说明", max_length=200, required=False)

    MAX_EVIDENCE = 20 * 1024 * 1024
    EVIDENCE_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

    def clean_new_value(self) -> str:
        value = self.cleaned_data["new_value"].strip()
        return {"是": "True", "否": "False"}.get(value, value)

    def clean_evidence(self):
        f = self.cleaned_data["evidence"]
        if f.size > self.MAX_EVIDENCE:
            raise ValidationError("佐证材料不能超过20MB。")
        head = f.read(8)
        f.seek(0)
        if not head.startswith(self.EVIDENCE_MAGIC):
            raise ValidationError("佐证材料须为PDF、JPG或PNG文件。")
        return f


@role_required(*BUREAU)
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = building_for(request.user, pk)
    correction_form = CorrectionForm()
    if request.method == "POST":
        correction_form = CorrectionForm(request.POST, request.FILES)
        if correction_form.is_valid():
            d = correction_form.cleaned_data
            try:
                correction_record(
                    building=building,
                    field=d["field"],
                    new_value=d["new_value"],
                    confirmed_by=d["confirmed_by"],
                    confirmer_kind=d["confirmer_kind"],
                    evidence=d["evidence"],
                    reason=d["reason"],
                    actor=request.user,
                )
            except ValidationError as e:
                correction_form.add_error("new_value", e)
            else:
                messages.success(request, "修正已记录。")
                return redirect("building_detail", pk=building.pk)
    tasks = (
        AppraisalTask.objects.visible_to(request.user)
        .filter(building=building)
        .select_related("firm")
        .prefetch_related("transitions__actor", "transitions__firm")
        .order_by("-created_at")
    )
    corrections = list(building.corrections.select_related("recorded_by"))
    for c in corrections:
        c.field_label = Building._meta.get_field(c.field).verbose_name
    return render(
        request,
        "portal/buildings/detail.html",
        {
            "building": building,
            "corrections": corrections,
            "tasks": tasks,
            "correction_form": correction_form,
            "appraisal_types": AppraisalType.choices,
        },
    )


@require_POST
@role_required(*BUREAU)
def building_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    building = building_for(request.user, pk)
    try:
        buildings_mark_recheck(buildings=[building], reason=request.POST.get("reason", ""))
        messages.success(request, "已标记待复核。")
    except ValidationError as e:
        messages.error(request, e.messages[0])
    return redirect("building_detail", pk=building.pk)
