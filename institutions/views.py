"""Firm management (bureau), firm self-service (firm members) and the public registry.

Bureau staff of any county and site admins manage every firm. A firm member edits only its
own firm's contact details and engineers; any other firm's page is a 404 for them (the firm
is not in their `visible_to` scope) and the bureau pages are a 403. The registry is public.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from institutions.eligibility import firm_capability
from institutions.forms import (
    EngineerForm,
    FirmContactForm,
    FirmForm,
    QualificationForm,
    SearchForm,
)
from institutions.models import AppraisalFirm, Engineer, Qualification
from institutions.selectors import (
    engineers_visible_to,
    expiring_qualifications,
    firms_for_management,
    registry_firms,
)
from portal.roles import Role, role_required

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.forms import ModelForm
    from django.http import HttpRequest, HttpResponse

# Who manages firms, their qualifications and capacity.
MANAGERS = (Role.BUREAU, Role.ADMIN)
# Who may add and edit engineers: managers for any firm, firm members for their own.
ENGINEER_EDITORS = (Role.BUREAU, Role.ADMIN, Role.FIRM)


def _today() -> dt.date:
    return timezone.localdate()


def _warn_before(on: dt.date) -> dt.date:
    return on + dt.timedelta(days=settings.CAMPAIGN["qualification_expiry_warning_days"])


def _save(form: ModelForm) -> Any:
    """Save a valid form; a constraint lost to a concurrent write becomes a form error."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error(None, "保存失败：与已有记录冲突（可能刚被他人修改），请核对后重试。")
        return None


def _with_state(qualifications: Iterable[Qualification], on: dt.date) -> list[Qualification]:
    """Attach `state_label` and `state_ok` (in force and not expiring soon) for display."""
    warn_before = _warn_before(on)
    rows = []
    for q in qualifications:
        if q.status != Qualification.Status.VALID:
            q.state_label, q.state_ok = q.get_status_display(), False
        elif q.valid_to < on:
            q.state_label, q.state_ok = "已过期", False
        elif q.valid_from > on:
            q.state_label, q.state_ok = "未生效", False
        elif q.valid_to <= warn_before:
            q.state_label, q.state_ok = "即将到期", False
        else:
            q.state_label, q.state_ok = "有效", True
        rows.append(q)
    return rows


def _capability_context(firm: AppraisalFirm, on: dt.date) -> dict[str, Any]:
    """The firm's standing on a date: registry listing, structure types it covers, load."""
    capability = firm_capability(firm, on)
    ordered = [t for types in settings.CAMPAIGN["qualification_scopes"].values() for t in types]
    return {
        "capability": capability,
        "structure_types": [t for t in dict.fromkeys(ordered) if t in capability.structure_types],
        "listed": AppraisalFirm.objects.publicly_listed(on).filter(pk=firm.pk).exists(),
    }


def _engineer_return_url(request: HttpRequest, firm: AppraisalFirm) -> str:
    if Role.of(request.user) == Role.FIRM:
        return reverse("firm_profile")
    return reverse("firm_detail", args=[firm.pk])


# Bureau: firms -------------------------------------------------------------------------------


@role_required(*MANAGERS)
@require_safe
def firm_list(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    today = _today()
    firms = list(firms_for_management(request.user, today, search.term()))
    return render(
        request,
        "institutions/firm_list.html",
        {
            "firms": firms,
            "search": search,
            "today": today,
            "warn_before": _warn_before(today),
            "default_capacity": settings.CAMPAIGN["default_firm_capacity"],
        },
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def firm_create(request: HttpRequest) -> HttpResponse:
    form = FirmForm(request.POST) if request.method == "POST" else FirmForm()
    if form.is_bound and form.is_valid() and (firm := _save(form)):
        messages.success(request, f"已登记鉴定机构“{firm.name}”。请继续录入资质。")
        return redirect("firm_detail", pk=firm.pk)
    return render(request, "institutions/firm_form.html", {"form": form, "firm": None})


@role_required(*MANAGERS)
@require_safe
def firm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(
        AppraisalFirm.objects.visible_to(request.user).prefetch_related("counties"), pk=pk
    )
    today = _today()
    return render(
        request,
        "institutions/firm_detail.html",
        {
            "firm": firm,
            **_capability_context(firm, today),
            "qualifications": _with_state(firm.qualifications.all(), today),
            "engineers": firm.engineers.order_by("-is_active", "role", "name"),
            "today": today,
        },
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def firm_edit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(AppraisalFirm.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        form = FirmForm(request.POST, instance=firm)
        if form.is_valid() and _save(form):
            messages.success(request, "机构信息已保存。")
            return redirect("firm_detail", pk=firm.pk)
    else:
        form = FirmForm(instance=firm)
    return render(request, "institutions/firm_form.html", {"form": form, "firm": firm})


# Bureau: qualifications ----------------------------------------------------------------------


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def qualification_create(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(AppraisalFirm.objects.visible_to(request.user), pk=pk)
    instance = Qualification(firm=firm)
    if request.method == "POST":
        form = QualificationForm(request.POST, instance=instance)
        if form.is_valid() and _save(form):
            messages.success(request, "资质已添加。")
            return redirect("firm_detail", pk=firm.pk)
    else:
        form = QualificationForm(instance=instance)
    return render(
        request,
        "institutions/qualification_form.html",
        {"form": form, "firm": firm, "qualification": None},
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def qualification_edit(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_object_or_404(
        Qualification.objects.visible_to(request.user).select_related("firm"), pk=pk
    )
    firm = qualification.firm
    if request.method == "POST":
        form = QualificationForm(request.POST, instance=qualification)
        if form.is_valid() and _save(form):
            messages.success(request, "资质已保存。")
            return redirect("firm_detail", pk=firm.pk)
    else:
        form = QualificationForm(instance=qualification)
    return render(
        request,
        "institutions/qualification_form.html",
        {"form": form, "firm": firm, "qualification": qualification},
    )


# Engineers: bureau for any firm, firm members for their own ----------------------------------


@role_required(*ENGINEER_EDITORS)
@require_http_methods(["GET", "POST"])
def engineer_create(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(AppraisalFirm.objects.visible_to(request.user), pk=pk)
    instance = Engineer(firm=firm)
    if request.method == "POST":
        form = EngineerForm(request.POST, instance=instance)
        if form.is_valid() and (engineer := _save(form)):
            messages.success(request, f"已添加技术人员“{engineer.name}”。")
            return redirect(_engineer_return_url(request, firm))
    else:
        form = EngineerForm(instance=instance)
    return render(
        request,
        "institutions/engineer_form.html",
        {
            "form": form,
            "firm": firm,
            "engineer": None,
            "back_url": _engineer_return_url(request, firm),
        },
    )


@role_required(*ENGINEER_EDITORS)
@require_http_methods(["GET", "POST"])
def engineer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engineer = get_object_or_404(engineers_visible_to(request.user).select_related("firm"), pk=pk)
    firm = engineer.firm
    if request.method == "POST":
        form = EngineerForm(request.POST, instance=engineer)
        if form.is_valid() and _save(form):
            messages.success(request, "技术人员信息已保存。")
            return redirect(_engineer_return_url(request, firm))
    else:
        form = EngineerForm(instance=engineer)
    return render(
        request,
        "institutions/engineer_form.html",
        {
            "form": form,
            "firm": firm,
            "engineer": engineer,
            "back_url": _engineer_return_url(request, firm),
        },
    )


@role_required(*ENGINEER_EDITORS)
@require_POST
def engineer_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    engineer = get_object_or_404(engineers_visible_to(request.user).select_related("firm"), pk=pk)
    if engineer.is_active:
        engineer.is_active = False
        engineer.save(update_fields=["is_active"])
        messages.success(request, f"已将“{engineer.name}”设为离职。")
    return redirect(_engineer_return_url(request, engineer.firm))


# Firm members: their own firm ----------------------------------------------------------------


@role_required(Role.FIRM)
@require_http_methods(["GET", "POST"])
def firm_profile(request: HttpRequest) -> HttpResponse:
    firm = get_object_or_404(
        AppraisalFirm.objects.visible_to(request.user).prefetch_related("counties")
    )
    if request.method == "POST":
        form = FirmContactForm(request.POST, instance=firm)
        if form.is_valid() and _save(form):
            messages.success(request, "本机构联系信息已保存。")
            return redirect("firm_profile")
    else:
        form = FirmContactForm(instance=firm)
    today = _today()
    return render(
        request,
        "institutions/firm_profile.html",
        {
            "firm": firm,
            "form": form,
            **_capability_context(firm, today),
            "qualifications": _with_state(firm.qualifications.all(), today),
            "expiring": expiring_qualifications(request.user, today),
            "engineers": firm.engineers.order_by("-is_active", "role", "name"),
            "today": today,
        },
    )


# Public registry (公示名录) -------------------------------------------------------------------


@require_safe
def firm_registry(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    today = _today()
    return render(
        request,
        "institutions/registry.html",
        {"firms": list(registry_firms(today, search.term())), "search": search, "today": today},
    )
