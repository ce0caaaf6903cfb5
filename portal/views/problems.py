"""Bureau screens of 两清单一台账: problems (挂号/移送/销号), rectifications, the building ledger,
the notices of 双通知 and the monthly referral summary (一报告)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from buildings.models import County, HandlingStatus, Problem, ProblemSource, Referral
from buildings.notices import (
    ledger_pdf,
    rectify_notice_no,
    rectify_notice_pdf,
    rectify_notice_title,
    referral_notice_pdf,
    summary_pdf,
)
from buildings.problem_exports import XLSX_TYPE, problems_xlsx, rectifications_xlsx, summary_xlsx
from buildings.problem_ledger import (
    ProblemError,
    building_timeline,
    category_choices,
    close_refusal,
    default_department,
    problem_close,
    problem_register,
)
from buildings.problem_lists import problem_list, rectification_is_overdue, rectification_list
from buildings.referrals import (
    departments,
    monthly_summary,
    problem_refer,
    referral_handle,
    referral_receive,
)
from buildings.selectors import building_for
from portal.forms import date_field as _date
from portal.roles import BUREAU_ROLES, role_required

if TYPE_CHECKING:
    from django.http import HttpRequest

BUREAU = BUREAU_ROLES
PAGE_SIZE = 50
DEFAULT_DEADLINE_DAYS = 30


def _text(label: str, message: str, max_length: int, *, area: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3}) if area else None
    return forms.CharField(
        label=label, max_length=max_length, widget=widget, error_messages={"required": message}
    )


class ProblemForm(forms.Form):
    category = forms.ChoiceField(
        label="问题类别",
        error_messages={
            "required": "请选择问题类别。",
            "invalid_choice": "请选择平台列出的问题类别。",
        },
    )
    description = _text("问题描述", "请填写问题描述。", 500, area=True)
    source = forms.ChoiceField(
        label="问题来源",
        choices=ProblemSource.choices,
        error_messages={"required": "请选择问题来源。", "invalid_choice": "请选择问题来源。"},
    )
    source_note = forms.CharField(label="来源说明", max_length=200, required=False)
    found_on = _date("发现日期")
    responsible_name = _text("责任主体", "请填写责任主体。", 100)
    responsible_contact = forms.CharField(label="责任主体联系方式", max_length=50, required=False)
    requirement = _text("整改要求", "请填写整改要求。", 500, area=True)
    deadline = _date("整改期限")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择"), *category_choices()]


class ReferForm(forms.Form):
    department = forms.ChoiceField(
        label="牵头部门",
        error_messages={
            "required": "请选择牵头部门。",
            "invalid_choice": "请选择平台列出的牵头部门。",
        },
    )
    co_departments = forms.MultipleChoiceField(
        label="其他责任单位（同时通知）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "请选择平台列出的部门。"},
    )
    referred_on = _date("移送日期")
    requested_action = _text("移送事项", "请填写移送事项（要求部门办理的内容）。", 500, area=True)
    referral_deadline = _date("办结期限")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(d, d) for d in departments()]
        self.fields["department"].choices = [("", "请选择"), *choices]
        self.fields["co_departments"].choices = choices


class ReceiptForm(forms.Form):
    received_on = _date("接收日期")
    receiver = _text("接收人", "请填写接收人。", 50)


class HandlingForm(forms.Form):
    handling_status = forms.ChoiceField(
        label="办理状态",
        choices=[(HandlingStatus.HANDLING, "处理中"), (HandlingStatus.DONE, "已办结")],
        error_messages={"required": "请选择办理状态。", "invalid_choice": "请选择办理状态。"},
    )
    result = forms.CharField(
        label="处理结果/进展",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    handled_on = _date("办结日期（办结时填写）", required=False)


class CloseForm(forms.Form):
    closed_on = _date("销号日期")
    closing_note = forms.CharField(label="销号说明", max_length=500, required=False)


def _scoped_problem(user: Any, pk: int) -> Problem:
    """One problem the user may read, or 404 (never 403: its existence is not disclosed)."""
    return get_object_or_404(
        Problem.objects.visible_to(user).select_related(
            "building__county", "registered_by", "closed_by", "referral__referred_by"
        ),
        pk=pk,
    )


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------- problem list (问题清单)


@role_required(*BUREAU)
def problem_list_view(request: HttpRequest) -> HttpResponse:
    form, qs = problem_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/problems/list.html",
        {"form": form, "page_obj": page, "query": _query(request), "total": page.paginator.count},
    )


@role_required(*BUREAU)
def problem_export(request: HttpRequest) -> HttpResponse:
    _, qs = problem_list(request.user, request.GET)
    name = f"问题清单-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return _xlsx(problems_xlsx(qs.iterator(chunk_size=500)), name)


@role_required(*BUREAU)
def problem_create(request: HttpRequest, building_pk: int) -> HttpResponse:
    """Register (挂号) a problem of one building."""
    building = building_for(request.user, building_pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = ProblemForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                problem = problem_register(building=building, actor=request.user, **d)
            except ProblemError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, f"已挂号：{problem.register_no}。")
                return redirect("problem_detail", pk=problem.pk)
    else:
        form = ProblemForm(
            initial={
                "category": request.GET.get("category", ""),
                "source": ProblemSource.SURVEY,
                "found_on": today,
                "responsible_name": building.owner,
                "responsible_contact": building.owner_phone,
                "deadline": today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS),
            }
        )
    open_problems = list(building.problems.open().order_by("registered_at"))
    return render(
        request,
        "portal/problems/create.html",
        {"building": building, "form": form, "open_problems": open_problems},
    )


# ---------------------------------------------------------------- problem detail and actions

SUCCESS = {
    "refer": "已移送，可打印问题移送函。",
    "receipt": "已登记部门接收。",
    "handling": "办理情况已保存。",
    "close": "已销号。",
}
FORMS = {"refer": ReferForm, "receipt": ReceiptForm, "handling": HandlingForm, "close": CloseForm}


def _apply(action: str, form: forms.Form, problem: Problem, user: Any) -> None:
    d = form.cleaned_data
    if action == "refer":
        problem_refer(
            problem=problem,
            department=d["department"],
            co_departments=d["co_departments"],
            referred_on=d["referred_on"],
            requested_action=d["requested_action"],
            deadline=d["referral_deadline"],
            actor=user,
        )
        return
    if action == "close":
        problem_close(problem=problem, actor=user, closed_on=d["closed_on"], note=d["closing_note"])
        return
    referral = Referral.objects.filter(problem=problem).first()
    if referral is None:
        raise ProblemError("该问题尚未移送。")
    if action == "receipt":
        referral_receive(
            referral=referral, received_on=d["received_on"], receiver=d["receiver"], actor=user
        )
    else:
        referral_handle(
            referral=referral,
            status=d["handling_status"],
            result=d["result"],
            handled_on=d["handled_on"],
            actor=user,
        )


@role_required(*BUREAU)
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _scoped_problem(request.user, pk)
    today = timezone.localdate()
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = FORMS.get(action)
        if form_class is None:
            messages.error(request, "未知操作。")
            return redirect("problem_detail", pk=problem.pk)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                _apply(action, form, problem, request.user)
            except ProblemError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, SUCCESS[action])
                return redirect("problem_detail", pk=problem.pk)
        bound[action] = form
        problem = _scoped_problem(request.user, pk)
    referral = getattr(problem, "referral", None)
    forms_ = {
        "refer": bound.get("refer")
        or ReferForm(
            initial={
                "department": default_department(problem.category),
                "referred_on": today,
                "requested_action": f"请依法依规查处该房屋存在的{problem.category_label}问题，"
                "督促责任主体整改到位，并将处理结果函告我局。",
                "referral_deadline": today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS),
            }
        ),
        "receipt": bound.get("receipt") or ReceiptForm(initial={"received_on": today}),
        "handling": bound.get("handling") or HandlingForm(initial={"handled_on": today}),
        "close": bound.get("close") or CloseForm(initial={"closed_on": today}),
    }
    return render(
        request,
        "portal/problems/detail.html",
        {
            "problem": problem,
            "building": problem.building,
            "referral": referral,
            "events": list(problem.events.select_related("actor")),
            "close_refusal": close_refusal(problem),
            "notice_no": rectify_notice_no(problem),
            "notice_title": rectify_notice_title(problem),
            "forms": forms_,
            # Shown at the top too: the failed form may belong to a section no longer shown.
            "errors": [e for f in bound.values() for errs in f.errors.values() for e in errs],
        },
    )


@role_required(*BUREAU)
def problem_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice to the responsible party (整改通知书)."""
    problem = _scoped_problem(request.user, pk)
    return _pdf(
        rectify_notice_pdf(problem), f"{rectify_notice_title(problem)}-{problem.register_no}.pdf"
    )


@role_required(*BUREAU)
def referral_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral letter (问题移送函) of a referred problem."""
    problem = _scoped_problem(request.user, pk)
    referral = getattr(problem, "referral", None)
    if referral is None:
        raise Http404
    return _pdf(referral_notice_pdf(referral), f"问题移送函-{problem.register_no}.pdf")


# ---------------------------------------------------------------- rectification list (整治清单)


@role_required(*BUREAU)
def rectification_list_view(request: HttpRequest) -> HttpResponse:
    form, qs = rectification_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.overdue = rectification_is_overdue(plan)
    return render(
        request,
        "portal/problems/rectifications.html",
        {"form": form, "page_obj": page, "query": _query(request), "total": page.paginator.count},
    )


@role_required(*BUREAU)
def rectification_export(request: HttpRequest) -> HttpResponse:
    _, qs = rectification_list(request.user, request.GET)
    name = f"整治清单-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return _xlsx(rectifications_xlsx(qs.iterator(chunk_size=500)), name)


# ---------------------------------------------------------------- 一栋一台账


@role_required(*BUREAU)
def building_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    building = building_for(request.user, pk)
    return render(
        request,
        "portal/problems/ledger.html",
        {
            "building": building,
            "entries": building_timeline(building),
            "problems": list(
                building.problems.select_related("referral").order_by("registered_at", "pk")
            ),
        },
    )


@role_required(*BUREAU)
def building_ledger_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    building = building_for(request.user, pk)
    body = ledger_pdf(building, building_timeline(building))
    return _pdf(body, f"房屋整治台账-{building.building_no}.pdf")


# ---------------------------------------------------------------- monthly summary (一报告)


class SummaryForm(forms.Form):
    month = forms.CharField(
        label="月份", required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    county = forms.ModelChoiceField(
        label="县区", queryset=County.objects.none(), required=False, empty_label="全部"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.county_id:
            del self.fields["county"]
        else:
            self.fields["county"].queryset = County.objects.all()

    def clean_month(self) -> tuple[int, int]:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            today = timezone.localdate()
            return today.year, today.month
        try:
            year, month = (int(part) for part in value.split("-"))
        except ValueError:
            raise forms.ValidationError("月份格式不正确（例如 2025-03）。") from None
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError("月份格式不正确（例如 2025-03）。")
        return year, month


def _summary(request: HttpRequest) -> tuple[SummaryForm, Any]:
    form = SummaryForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    year, month = form.cleaned_data["month"]
    county = form.cleaned_data.get("county")
    return form, monthly_summary(user=request.user, year=year, month=month, county=county)


@role_required(*BUREAU)
def referral_summary(request: HttpRequest) -> HttpResponse:
    form, summary = _summary(request)
    return render(
        request,
        "portal/problems/summary.html",
        {"form": form, "summary": summary, "query": request.GET.urlencode()},
    )


@role_required(*BUREAU)
def referral_summary_file(request: HttpRequest, fmt: str) -> HttpResponse:
    form, summary = _summary(request)
    if summary is None:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("referral_summary")
    name = f"问题移送处置情况-{summary.scope}-{summary.year}{summary.month:02d}"
    if fmt == "pdf":
        return _pdf(summary_pdf(summary), f"{name}.pdf")
    return _xlsx(summary_xlsx(summary), f"{name}.xlsx")
