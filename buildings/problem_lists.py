"""The two lists of 两清单一台账: the problem list (问题清单) and the rectification list (整治清单).

Each is a scoped, filtered queryset built by one function that the page and its xlsx export
both call, so a filter means the same thing on screen and in the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from buildings.models import (
    Building,
    County,
    HandlingStatus,
    Problem,
    ProblemStatus,
    Rectification,
    RectificationMeasure,
    RectificationProgress,
)
from buildings.problem_ledger import category_choices
from buildings.referrals import departments

if TYPE_CHECKING:
    from django.db.models import QuerySet

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


def _counties(user: Any) -> QuerySet[County]:
    return County.objects.filter(pk=user.county_id) if user.county_id else County.objects.all()


class ProblemFilterForm(forms.Form):
    q = forms.CharField(label="挂号编号/房屋编号/地址/责任主体", required=False)
    county = forms.ModelChoiceField(
        label="县区", queryset=County.objects.none(), required=False, empty_label="全部"
    )
    category = forms.ChoiceField(label="问题类别", required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *ProblemStatus.choices], required=False
    )
    department = forms.ChoiceField(label="牵头部门", required=False)
    handling = forms.ChoiceField(
        label="办理状态", choices=[("", "全部"), *HandlingStatus.choices], required=False
    )
    overdue = forms.ChoiceField(label="整改逾期", choices=YES_NO, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = _counties(user)
        self.fields["category"].choices = [("", "全部"), *category_choices()]
        self.fields["department"].choices = [("", "全部"), *((d, d) for d in departments())]

    def apply(self, qs: QuerySet[Problem]) -> QuerySet[Problem]:
        """Filter a scoped queryset; invalid input matches nothing."""
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            term = d["q"].strip()
            qs = qs.filter(
                Q(register_no__icontains=term)
                | Q(building__building_no__icontains=term)
                | Q(building__address__icontains=term)
                | Q(responsible_name__icontains=term)
            )
        if d["county"]:
            qs = qs.filter(building__county=d["county"])
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["department"]:
            qs = qs.filter(referral__department=d["department"])
        if d["handling"]:
            qs = qs.filter(referral__status=d["handling"])
        today = timezone.localdate()
        if d["overdue"] == "1":
            qs = qs.exclude(status=ProblemStatus.CLOSED).filter(deadline__lt=today)
        elif d["overdue"] == "0":
            qs = qs.filter(Q(status=ProblemStatus.CLOSED) | Q(deadline__gte=today))
        return qs


def problem_list(user: Any, params: Any) -> tuple[ProblemFilterForm, QuerySet[Problem]]:
    """The scoped, filtered problem list of a bureau user, newest registration first."""
    form = ProblemFilterForm(params or None, user=user)
    qs = Problem.objects.visible_to(user).select_related("building__county", "referral")
    if params:
        qs = form.apply(qs)
    return form, qs.order_by("-registered_at", "-pk")


class RectificationFilterForm(forms.Form):
    q = forms.CharField(label="房屋编号/地址/责任人", required=False)
    county = forms.ModelChoiceField(
        label="县区", queryset=County.objects.none(), required=False, empty_label="全部"
    )
    measure = forms.ChoiceField(
        label="整治措施", choices=[("", "全部"), *RectificationMeasure.choices], required=False
    )
    progress = forms.ChoiceField(
        label="整治进度", choices=[("", "全部"), *RectificationProgress.choices], required=False
    )
    department = forms.CharField(label="责任部门", required=False)
    overdue = forms.ChoiceField(label="逾期", choices=YES_NO, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = _counties(user)

    def apply(self, qs: QuerySet[Rectification]) -> QuerySet[Rectification]:
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            term = d["q"].strip()
            qs = qs.filter(
                Q(building__building_no__icontains=term)
                | Q(building__address__icontains=term)
                | Q(responsible__icontains=term)
            )
        if d["county"]:
            qs = qs.filter(building__county=d["county"])
        if d["measure"]:
            qs = qs.filter(measure=d["measure"])
        if d["progress"]:
            qs = qs.filter(progress=d["progress"])
        if d["department"].strip():
            qs = qs.filter(department__icontains=d["department"].strip())
        if d["overdue"] == "1":
            qs = qs.filter(overdue_q())
        elif d["overdue"] == "0":
            qs = qs.exclude(overdue_q())
        return qs


def overdue_q() -> Q:
    """A rectification past its deadline and not yet 已整治: THE overdue rule of the list."""
    return Q(deadline__lt=timezone.localdate()) & ~Q(progress=RectificationProgress.DONE)


def rectification_is_overdue(plan: Rectification) -> bool:
    return plan.progress != RectificationProgress.DONE and plan.deadline < timezone.localdate()


def rectification_list(
    user: Any, params: Any
) -> tuple[RectificationFilterForm, QuerySet[Rectification]]:
    """The scoped, filtered rectification list (one plan per building), earliest deadline first."""
    form = RectificationFilterForm(params or None, user=user)
    qs = Rectification.objects.filter(
        building__in=Building.objects.visible_to(user)
    ).select_related("building__county")
    if params:
        qs = form.apply(qs)
    return form, qs.order_by("deadline", "building__building_no")
