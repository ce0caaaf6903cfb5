"""Bureau screens for supervision rounds (督导), required actions and 约谈/通报 records."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from buildings.models import County
from portal.forms import DATE_ERRORS, DateInput
from portal.models import (
    AccountabilityKind,
    AccountabilityRecord,
    ActionStatus,
    RequiredAction,
    RequiredActionFollowUp,
    SupervisionKind,
    SupervisionRound,
)
from portal.roles import BUREAU_ROLES, role_required
from portal.supervision import (
    MANAGE_REFUSED,
    SupervisionError,
    accountability_create,
    accountability_follow_up,
    action_add,
    action_follow_up,
    may_follow_up,
    may_manage,
    round_create,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

BUREAU = BUREAU_ROLES
PAGE_SIZE = 30
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 60})


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker); cleans to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-09"})

    def to_python(self, value: Any) -> dt.date | None:
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise forms.ValidationError("月份格式不正确（例如 2025-09）。")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _county_field(label: str, *, required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=County.objects.all(),
        required=required,
        empty_label="全部" if not required else "请选择",
        error_messages={"required": "请选择县区。", "invalid_choice": "请选择平台列出的县区。"},
    )


def _own_counties(form: forms.Form, user: Any) -> None:
    # County staff only ever filter within their own county.
    if user.county_id:
        form.fields["county"].queryset = County.objects.filter(pk=user.county_id)


def _month_range(first: dt.date) -> tuple[dt.date, dt.date]:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


class RoundFilterForm(forms.Form):
    county = _county_field("县区", required=False)
    month = MonthField(label="月份", required=False)
    kind = forms.ChoiceField(
        label="督导类型",
        choices=[("", "全部"), *SupervisionKind.choices],
        required=False,
        error_messages={"invalid_choice": "请选择平台列出的督导类型。"},
    )


class RoundForm(forms.Form):
    county = _county_field("督导县区", required=True)
    held_on = forms.DateField(label="督导日期", widget=DateInput(), error_messages=DATE_ERRORS)
    kind = forms.ChoiceField(
        label="督导类型",
        choices=[("", "请选择"), *SupervisionKind.choices],
        error_messages={"required": "请选择督导类型。", "invalid_choice": "请选择督导类型。"},
    )
    team = forms.CharField(
        label="督导组成员",
        max_length=500,
        widget=_textarea(2),
        help_text="带队领导、成员及所在单位。",
        error_messages={"required": "请填写督导组成员。"},
    )
    findings = forms.CharField(
        label="发现问题",
        max_length=5000,
        widget=_textarea(6),
        error_messages={"required": "请填写发现问题。"},
    )


class ActionForm(forms.Form):
    text = forms.CharField(
        label="整改要求",
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": "请填写整改要求。"},
    )
    responsible_unit = forms.CharField(
        label="责任单位", max_length=100, error_messages={"required": "请填写责任单位。"}
    )
    deadline = forms.DateField(
        label="整改期限",
        widget=DateInput(),
        error_messages={**DATE_ERRORS, "required": "请填写整改期限。"},
    )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label="整改状态",
        choices=ActionStatus.choices,
        error_messages={"required": "请选择整改状态。", "invalid_choice": "请选择整改状态。"},
    )
    note = forms.CharField(
        label="整改情况",
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": "请填写整改情况。"},
    )
    followed_up_on = forms.DateField(label="日期", widget=DateInput(), error_messages=DATE_ERRORS)


class ActionFilterForm(forms.Form):
    county = _county_field("县区", required=False)
    status = forms.ChoiceField(
        label="整改状态",
        choices=[("", "全部"), ("pending", "待整改"), ("overdue", "已逾期"), ("done", "已整改")],
        required=False,
        error_messages={"invalid_choice": "请选择平台列出的整改状态。"},
    )


class AccountabilityFilterForm(forms.Form):
    county = _county_field("县区", required=False)
    month = MonthField(label="月份", required=False)
    kind = forms.ChoiceField(
        label="类型",
        choices=[("", "全部"), *AccountabilityKind.choices],
        required=False,
        error_messages={"invalid_choice": "请选择平台列出的类型。"},
    )


class AccountabilityForm(forms.Form):
    county = _county_field("县区", required=True)
    held_on = forms.DateField(label="日期", widget=DateInput(), error_messages=DATE_ERRORS)
    kind = forms.ChoiceField(
        label="类型",
        choices=[("", "请选择"), *AccountabilityKind.choices],
        error_messages={
            "required": "请选择类型（约谈、通报、警示或曝光）。",
            "invalid_choice": "请选择类型（约谈、通报、警示或曝光）。",
        },
    )
    target = forms.CharField(
        label="对象（单位或个人）",
        max_length=200,
        error_messages={"required": "请填写对象（单位或个人）。"},
    )
    reason = forms.CharField(
        label="事由",
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": "请填写事由。"},
    )
    content = forms.CharField(
        label="内容",
        max_length=5000,
        widget=_textarea(5),
        help_text="约谈要求、通报内容或曝光情况。",
        error_messages={"required": "请填写内容。"},
    )
    supervision = forms.ModelChoiceField(
        label="相关督导",
        queryset=SupervisionRound.objects.none(),
        required=False,
        empty_label="无",
        error_messages={"invalid_choice": "请选择平台列出的督导记录。"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervision"].queryset = SupervisionRound.objects.visible_to(
            user
        ).select_related("county")


class AccountabilityFollowUpForm(forms.Form):
    follow_up = forms.CharField(
        label="后续情况",
        max_length=2000,
        widget=_textarea(3),
        help_text="整改反馈、处理结果等。",
        error_messages={"required": "请填写后续情况。"},
    )


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _by_county_and_month(qs: Any, d: dict[str, Any]) -> Any:
    """Rounds and accountability records both carry `county` and `held_on`."""
    if d["county"]:
        qs = qs.filter(county=d["county"])
    if d["month"]:
        start, end = _month_range(d["month"])
        qs = qs.filter(held_on__gte=start, held_on__lt=end)
    if d["kind"]:
        qs = qs.filter(kind=d["kind"])
    return qs


# ---------------------------------------------------------------- rounds


@role_required(*BUREAU)
def supervision_list(request: HttpRequest) -> HttpResponse:
    """Supervision rounds in the user's scope, newest first, with their action counts."""
    today = timezone.localdate()
    form = RoundFilterForm(request.GET or None)
    _own_counties(form, request.user)
    pending = Q(actions__status=ActionStatus.PENDING)
    qs = (
        SupervisionRound.objects.visible_to(request.user)
        .select_related("county", "recorded_by")
        .annotate(
            action_count=Count("actions"),
            pending_count=Count("actions", filter=pending),
            overdue_count=Count("actions", filter=pending & Q(actions__deadline__lt=today)),
        )
        .order_by("-held_on", "-pk")
    )
    if form.is_bound and form.is_valid():
        qs = _by_county_and_month(qs, form.cleaned_data)
    elif form.is_bound:
        qs = qs.none()
    page = _page(request, qs)
    return render(
        request,
        "portal/supervision/list.html",
        {
            "form": form,
            "page_obj": page,
            "query": _query(request),
            "may_manage": may_manage(request.user),
            "overdue_total": RequiredAction.objects.visible_to(request.user).overdue(today).count(),
        },
    )


@role_required(*BUREAU)
def supervision_create(request: HttpRequest) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied(MANAGE_REFUSED)
    form = RoundForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = round_create(
                county=d["county"],
                held_on=d["held_on"],
                kind=d["kind"],
                team=d["team"],
                findings=d["findings"],
                actor=request.user,
            )
        except SupervisionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "督导记录已保存，请继续录入整改要求。")
            return redirect("supervision_detail", pk=created.pk)
    return render(request, "portal/supervision/round_form.html", {"form": form})


@role_required(*BUREAU)
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round: findings, required actions with their follow-up, related 约谈/通报."""
    supervision = get_object_or_404(
        SupervisionRound.objects.visible_to(request.user).select_related("county", "recorded_by"),
        pk=pk,
    )
    manage = may_manage(request.user)
    action_form = ActionForm()
    follow_up_forms: dict[int, FollowUpForm] = {}
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step == "add_action":
            if not manage:
                raise PermissionDenied(MANAGE_REFUSED)
            action_form = ActionForm(request.POST)
            if action_form.is_valid():
                d = action_form.cleaned_data
                try:
                    action_add(
                        supervision=supervision,
                        text=d["text"],
                        deadline=d["deadline"],
                        responsible_unit=d["responsible_unit"],
                        actor=request.user,
                    )
                except SupervisionError as e:
                    action_form.add_error(None, e.message)
                else:
                    messages.success(request, "整改要求已添加。")
                    return redirect("supervision_detail", pk=supervision.pk)
        elif step == "follow_up":
            action = _posted_action(request, supervision)
            if not may_follow_up(request.user, action):
                raise PermissionDenied("您无权录入该整改要求的整改情况。")
            form = FollowUpForm(request.POST, prefix=f"a{action.pk}")
            if form.is_valid():
                d = form.cleaned_data
                try:
                    action_follow_up(
                        action=action,
                        status=d["status"],
                        note=d["note"],
                        followed_up_on=d["followed_up_on"],
                        actor=request.user,
                    )
                except SupervisionError as e:
                    form.add_error(None, e.message)
                else:
                    messages.success(request, f"整改情况已保存（{action.status}）。")
                    return redirect("supervision_detail", pk=supervision.pk)
            follow_up_forms[action.pk] = form
        else:
            messages.error(request, "未知操作。")
            return redirect("supervision_detail", pk=supervision.pk)
    today = timezone.localdate()
    actions = list(
        supervision.actions.select_related("recorded_by", "followed_up_by").prefetch_related(
            Prefetch(
                "follow_ups",
                queryset=RequiredActionFollowUp.objects.select_related("recorded_by"),
            )
        )
    )
    can_follow_up = bool(actions) and may_follow_up(request.user, actions[0])
    for action in actions:
        action.follow_up_form = follow_up_forms.get(action.pk) or FollowUpForm(
            prefix=f"a{action.pk}",
            initial={"status": ActionStatus.DONE, "followed_up_on": today},
        )
    return render(
        request,
        "portal/supervision/detail.html",
        {
            "supervision": supervision,
            "actions": actions,
            "action_form": action_form,
            "may_manage": manage,
            "may_follow_up": can_follow_up,
            "records": list(
                supervision.accountability_records.visible_to(request.user).order_by("-held_on")
            ),
        },
    )


def _posted_action(request: HttpRequest, supervision: SupervisionRound) -> RequiredAction:
    raw = request.POST.get("action_id", "")
    if not raw.isdigit():
        raise Http404("未找到该整改要求。")
    return get_object_or_404(
        RequiredAction.objects.visible_to(request.user).select_related("supervision"),
        pk=int(raw),
        supervision=supervision,
    )


@role_required(*BUREAU)
def action_list(request: HttpRequest) -> HttpResponse:
    """Required actions across rounds, overdue ones flagged: what each county still owes."""
    today = timezone.localdate()
    form = ActionFilterForm(request.GET or None)
    _own_counties(form, request.user)
    qs = (
        RequiredAction.objects.visible_to(request.user)
        .select_related("supervision__county", "followed_up_by")
        .order_by("status", "deadline", "pk")
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["county"]:
            qs = qs.filter(supervision__county=d["county"])
        if d["status"] == "pending":
            qs = qs.filter(status=ActionStatus.PENDING)
        elif d["status"] == "overdue":
            qs = qs.overdue(today)
        elif d["status"] == "done":
            qs = qs.filter(status=ActionStatus.DONE)
    elif form.is_bound:
        qs = qs.none()
    page = _page(request, qs)
    return render(
        request,
        "portal/supervision/actions.html",
        {"form": form, "page_obj": page, "query": _query(request)},
    )


# ---------------------------------------------------------------- accountability


@role_required(*BUREAU)
def accountability_list(request: HttpRequest) -> HttpResponse:
    form = AccountabilityFilterForm(request.GET or None)
    _own_counties(form, request.user)
    qs = (
        AccountabilityRecord.objects.visible_to(request.user)
        .select_related("county", "supervision")
        .order_by("-held_on", "-pk")
    )
    if form.is_bound and form.is_valid():
        qs = _by_county_and_month(qs, form.cleaned_data)
    elif form.is_bound:
        qs = qs.none()
    page = _page(request, qs)
    return render(
        request,
        "portal/supervision/accountability_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": _query(request),
            "may_manage": may_manage(request.user),
        },
    )


@role_required(*BUREAU)
def accountability_create_view(request: HttpRequest) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied(MANAGE_REFUSED)
    initial: dict[str, Any] = {"held_on": timezone.localdate()}
    origin = request.GET.get("supervision", "")
    if origin.isdigit():
        found = SupervisionRound.objects.visible_to(request.user).filter(pk=int(origin)).first()
        if found is not None:
            initial.update(supervision=found, county=found.county_id)
    form = AccountabilityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = accountability_create(
                county=d["county"],
                held_on=d["held_on"],
                kind=d["kind"],
                target=d["target"],
                reason=d["reason"],
                content=d["content"],
                supervision=d["supervision"],
                actor=request.user,
            )
        except SupervisionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"{record.get_kind_display()}记录已保存。")
            return redirect("accountability_detail", pk=record.pk)
    return render(request, "portal/supervision/accountability_form.html", {"form": form})


@role_required(*BUREAU)
def accountability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        AccountabilityRecord.objects.visible_to(request.user).select_related(
            "county", "supervision", "recorded_by", "followed_up_by"
        ),
        pk=pk,
    )
    manage = may_manage(request.user)
    form = AccountabilityFollowUpForm(initial={"follow_up": record.follow_up})
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(MANAGE_REFUSED)
        form = AccountabilityFollowUpForm(request.POST)
        if form.is_valid():
            try:
                accountability_follow_up(
                    record=record, follow_up=form.cleaned_data["follow_up"], actor=request.user
                )
            except SupervisionError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, "后续情况已保存。")
                return redirect("accountability_detail", pk=record.pk)
    return render(
        request,
        "portal/supervision/accountability_detail.html",
        {"record": record, "form": form, "may_manage": manage},
    )
