"""Reads over buildings that several screens share: appraisal status and the list filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Exists, OuterRef, Q

from buildings.models import Alteration, Building, County, Judgement, StructureType

if TYPE_CHECKING:
    from buildings.models import BuildingQuerySet


class AppraisalStatus:
    NONE = "none"
    IN_PROGRESS = "in_progress"
    CONCLUDED = "concluded"
    CHOICES = [(NONE, "未建任务"), (IN_PROGRESS, "鉴定中"), (CONCLUDED, "已出结论")]
    LABELS = dict(CHOICES)


def with_appraisal_status(qs: BuildingQuerySet) -> BuildingQuerySet:
    """Annotate has_active_task / has_conclusion (two EXISTS subqueries, no extra queries)."""
    from reports.models import UNCONCLUDED_STATES, AppraisalTask, TaskState

    tasks = AppraisalTask.objects.filter(building=OuterRef("pk"))
    return qs.annotate(
        has_active_task=Exists(tasks.filter(state__in=UNCONCLUDED_STATES)),
        has_conclusion=Exists(tasks.filter(state__in=[TaskState.APPROVED, TaskState.CLOSED])),
    )


def appraisal_status_of(building: Any) -> str:
    if building.has_conclusion:
        return AppraisalStatus.CONCLUDED
    if building.has_active_task:
        return AppraisalStatus.IN_PROGRESS
    return AppraisalStatus.NONE


def doubtful_without_conclusion(qs: BuildingQuerySet) -> BuildingQuerySet:
    """初判存疑 buildings with no appraisal conclusion yet: the 动态清零 backlog."""
    from reports.models import AppraisalTask, TaskState

    concluded = AppraisalTask.objects.filter(
        building=OuterRef("pk"), state__in=[TaskState.APPROVED, TaskState.CLOSED]
    )
    return qs.filter(initial_judgement=Judgement.DOUBTFUL).exclude(Exists(concluded))


YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


class BuildingFilterForm(forms.Form):
    """The building filter of the bureau list; also selects buildings for bulk task creation."""

    q = forms.CharField(label="房屋编号/地址/产权人", required=False)
    county = forms.ModelChoiceField(
        label="县区", queryset=County.objects.none(), required=False, empty_label="全部"
    )
    judgement = forms.ChoiceField(
        label="初判", choices=[("", "全部"), *Judgement.choices], required=False
    )
    structure_type = forms.ChoiceField(
        label="结构类型", choices=[("", "全部"), *StructureType.choices], required=False
    )
    floors_min = forms.IntegerField(label="层数≥", min_value=1, max_value=100, required=False)
    floors_max = forms.IntegerField(label="层数≤", min_value=1, max_value=100, required=False)
    business = forms.ChoiceField(label="经营性", choices=YES_NO, required=False)
    alteration = forms.ChoiceField(
        label="改扩建",
        choices=[("", "全部"), ("any", "有改扩建"), *Alteration.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label="鉴定状态", choices=[("", "全部"), *AppraisalStatus.CHOICES], required=False
    )
    recheck = forms.ChoiceField(label="待复核", choices=YES_NO, required=False)

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties

    def apply(self, qs: BuildingQuerySet) -> BuildingQuerySet:
        """Filter an already scoped, status-annotated queryset; invalid input matches nothing."""
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            term = d["q"].strip()
            qs = qs.filter(
                Q(building_no__icontains=term)
                | Q(address__icontains=term)
                | Q(owner__icontains=term)
            )
        if d["county"]:
            qs = qs.filter(county=d["county"])
        if d["judgement"]:
            qs = qs.filter(initial_judgement=d["judgement"])
        if d["structure_type"]:
            qs = qs.filter(structure_type=d["structure_type"])
        if d["floors_min"]:
            qs = qs.filter(floors__gte=d["floors_min"])
        if d["floors_max"]:
            qs = qs.filter(floors__lte=d["floors_max"])
        if d["business"]:
            qs = qs.filter(is_business=d["business"] == "1")
        if d["alteration"] == "any":
            qs = qs.exclude(alteration=Alteration.NONE)
        elif d["alteration"]:
            qs = qs.filter(alteration=d["alteration"])
        if d["recheck"]:
            qs = qs.filter(needs_recheck=d["recheck"] == "1")
        status = d["status"]
        if status == AppraisalStatus.CONCLUDED:
            qs = qs.filter(has_conclusion=True)
        elif status == AppraisalStatus.IN_PROGRESS:
            qs = qs.filter(has_conclusion=False, has_active_task=True)
        elif status == AppraisalStatus.NONE:
            qs = qs.filter(has_conclusion=False, has_active_task=False)
        return qs


def building_list(user: Any, params: Any) -> tuple[BuildingFilterForm, BuildingQuerySet]:
    """The scoped, filtered, status-annotated building list of a bureau user."""
    scoped = Building.objects.visible_to(user)
    counties = County.objects.filter(pk=user.county_id) if user.county_id else County.objects.all()
    form = BuildingFilterForm(params or None, counties=counties)
    qs = with_appraisal_status(scoped.select_related("county"))
    if params:
        qs = form.apply(qs)
    return form, qs.order_by("building_no")


def building_for(user: Any, pk: int) -> Building:
    """One building the user may read, or 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Building.objects.visible_to(user).select_related("county"), pk=pk)
