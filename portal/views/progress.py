"""Progress screens: one county's dashboard, periodic reports (日/周/旬/月) and the monthly
circular (月通报), each with xlsx and PDF exports. Numbers come from portal.progress only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal import charts
from portal.forms import DATE_ERRORS, DateInput
from portal.progress import (
    CIRCULAR_COMPONENTS,
    CIRCULAR_WEIGHTS,
    CUSTOM,
    METRICS,
    PRESETS,
    Period,
    Progress,
    ProgressError,
    circular_for,
    circular_pdf,
    circular_title,
    circular_xlsx,
    counties_for,
    county_for,
    custom_period,
    month_period,
    period_for,
    progress_for,
    report_pdf,
    report_title,
    report_xlsx,
)
from portal.roles import BUREAU_ROLES, role_required

if TYPE_CHECKING:
    from django.http import HttpRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_PRESET = "week"


def overview_charts(progress: Progress) -> dict[str, Any]:
    """The charts of a dashboard: funnel and grades always, per-county ones for several."""
    t = progress.total
    out: dict[str, Any] = {
        "funnel": charts.bar_chart("chart-funnel", "专项整治进度", progress.funnel()),
        "grades": charts.bar_chart(
            "chart-grades",
            "已出鉴定结论的等级分布",
            [(METRICS[f"grade_{g}"][0], t.values[f"grade_{g}"]) for g in "abcd"]
            + [(METRICS["grade_other"][0], t.grade_other)],
            colors=[charts.COLORS[g] for g in "ABCD"] + [charts.COLORS["neutral"]],
        ),
    }
    if progress.by_firm:
        out["firms"] = charts.bar_chart(
            "chart-firms",
            "逾期任务（按鉴定机构）",
            [(f["name"], f["overdue"]) for f in progress.by_firm],
            colors=[charts.COLORS["open"]] * len(progress.by_firm),
        )
    if not progress.single_county:
        rows = progress.counties
        out["doubtful"] = charts.stacked_chart(
            "chart-doubtful",
            "初判存疑鉴定进度（按县区）",
            [
                charts.Segment("已出结论", charts.COLORS["done"]),
                charts.Segment("未出结论", charts.COLORS["open"]),
            ],
            [(c.name, [c.doubtful_appraised, c.doubtful_open]) for c in rows],
        )
        out["control"] = charts.stacked_chart(
            "chart-control",
            "需管控房屋管控落实（按县区）",
            [
                charts.Segment("已落实管控", charts.COLORS["done"]),
                charts.Segment("需管控未落实", charts.COLORS["open"]),
            ],
            [(c.name, [c.controlled, c.uncontrolled]) for c in rows],
        )
        out["overdue"] = charts.bar_chart(
            "chart-overdue",
            "逾期任务（按县区）",
            [(c.name, c.tasks_overdue) for c in rows],
            colors=[charts.COLORS["open"]] * len(rows),
        )
    return out


# The per-county table of the city dashboard: a summary, each cell a number of METRICS.
COUNTY_SUMMARY = (
    "surveyed",
    "flagged",
    "doubtful_open",
    "appraised",
    "requiring_control",
    "controlled",
    "uncontrolled",
    "rectified",
    "tasks_active",
    "tasks_overdue",
)


def summary_table(progress: Progress) -> dict[str, Any]:
    return {
        "columns": [(k, METRICS[k][0]) for k in COUNTY_SUMMARY],
        "rows": [
            {"county": c, "cells": [(k, c.values[k]) for k in COUNTY_SUMMARY]}
            for c in progress.counties
        ],
        "total": [(k, progress.total.values[k]) for k in COUNTY_SUMMARY],
    }


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@role_required(*BUREAU_ROLES)
def progress_county(request: HttpRequest, county_id: int) -> HttpResponse:
    """One county's dashboard; a county outside the user's scope does not exist for them."""
    try:
        county = county_for(request.user, county_id)
    except ProgressError as e:
        raise Http404(e.message) from e
    progress = progress_for(request.user, county=county)
    return render(
        request,
        "portal/progress/county.html",
        {
            "county": county,
            "progress": progress,
            "tables": progress.tables(),
            "charts": overview_charts(progress),
            "metrics": METRICS,
        },
    )


class PeriodForm(forms.Form):
    preset = forms.ChoiceField(
        label="统计周期",
        choices=[*PRESETS.items(), (CUSTOM, "自定义区间")],
        required=False,
        error_messages={"invalid_choice": "请选择统计周期：日、周、旬、月或自定义区间。"},
    )
    date = forms.DateField(
        label="日期", required=False, error_messages=DATE_ERRORS, widget=DateInput()
    )
    start = forms.DateField(
        label="开始日期", required=False, error_messages=DATE_ERRORS, widget=DateInput()
    )
    end = forms.DateField(
        label="结束日期", required=False, error_messages=DATE_ERRORS, widget=DateInput()
    )
    county = forms.ModelChoiceField(
        label="县区",
        queryset=None,
        required=False,
        empty_label="全部（管辖范围）",
        error_messages={"invalid_choice": "请选择您管辖范围内的县区。"},
    )

    def __init__(self, *args: Any, user: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["county"].queryset = counties_for(user)

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        if self.errors:
            return d
        preset = d.get("preset") or DEFAULT_PRESET
        try:
            if preset == CUSTOM:
                d["period"] = custom_period(d.get("start"), d.get("end"))
            else:
                d["period"] = period_for(preset, d.get("date") or self.today)
        except ProgressError as e:
            raise forms.ValidationError(e.message) from e
        return d


def _period_query(period: Period, county: Any) -> str:
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    q["preset"] = period.preset
    if period.preset == CUSTOM:
        q["start"], q["end"] = period.start.isoformat(), period.end.isoformat()
    else:
        q["date"] = period.start.isoformat()
    if county is not None:
        q["county"] = str(county.pk)
    return q.urlencode()


def _report(request: HttpRequest) -> tuple[PeriodForm, Progress | None]:
    today = timezone.localdate()
    data = request.GET.copy()
    # Defaults go into the data, so the form shows the period being reported.
    data.setdefault("preset", DEFAULT_PRESET)
    if data["preset"] != CUSTOM:
        data.setdefault("date", today.isoformat())
    form = PeriodForm(data, user=request.user, today=today)
    if not form.is_valid():
        return form, None
    d = form.cleaned_data
    return form, progress_for(request.user, period=d["period"], county=d["county"], today=today)


@role_required(*BUREAU_ROLES)
def progress_report(request: HttpRequest) -> HttpResponse:
    """Periodic report page (日动态/周调度/旬简报/月通报 or any range) with its exports."""
    form, progress = _report(request)
    context: dict[str, Any] = {"form": form, "progress": progress, "presets": PRESETS}
    if progress is not None:
        county = form.cleaned_data["county"]
        period = progress.period
        context.update(
            title=report_title(progress),
            city_wide=request.user.county_id is None,
            tables=progress.tables(),
            charts=overview_charts(progress),
            metrics=METRICS,
            query=_period_query(period, county),
            previous=_period_query(period.shifted(-1), county),
            next=_period_query(period.shifted(1), county),
            preset_links=[
                (key, label, _period_query(period_for(key, period.start), county))
                for key, label in PRESETS.items()
            ],
        )
    return render(request, "portal/progress/report.html", context, status=200 if progress else 400)


def _report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, progress = _report(request)
    if progress is None:
        return render(request, "portal/progress/report.html", {"form": form}, status=400)
    period = progress.period
    name = f"{report_title(progress)}_{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "xlsx":
        return _download(report_xlsx(progress), f"{name}.xlsx", XLSX)
    return _download(report_pdf(progress), f"{name}.pdf", "application/pdf")


@role_required(*BUREAU_ROLES)
def progress_report_xlsx(request: HttpRequest) -> HttpResponse:
    return _report_export(request, "xlsx")


@role_required(*BUREAU_ROLES)
def progress_report_pdf(request: HttpRequest) -> HttpResponse:
    return _report_export(request, "pdf")


class MonthForm(forms.Form):
    month = forms.DateField(
        label="月份",
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "月份格式不正确（例如 2025-03）。"},
    )


def _city_only(user: Any) -> None:
    # A ranking shows every county's numbers, which county staff may not see.
    if getattr(user, "county_id", None):
        raise PermissionDenied("月通报对全市各县区排名，仅市级工作人员可查看；请查看本县区工作台。")


def _circular(request: HttpRequest) -> tuple[MonthForm, Any]:
    _city_only(request.user)
    form = MonthForm(request.GET)
    if not form.is_valid():
        return form, None
    month = form.cleaned_data["month"] or timezone.localdate()
    return form, circular_for(request.user, period=month_period(month.year, month.month))


@role_required(*BUREAU_ROLES)
def progress_circular(request: HttpRequest) -> HttpResponse:
    """The monthly circular (月通报): counties ranked by a composite progress score."""
    form, circular = _circular(request)
    context: dict[str, Any] = {"form": form, "circular": circular}
    if circular is not None:
        start = circular.period.start
        context.update(
            title=circular_title(circular),
            month=f"{start:%Y-%m}",
            previous=f"{circular.period.shifted(-1).start:%Y-%m}",
            next=f"{circular.period.shifted(1).start:%Y-%m}",
            weights=[
                (CIRCULAR_COMPONENTS[k][0], w, CIRCULAR_COMPONENTS[k][1])
                for k, w in CIRCULAR_WEIGHTS.items()
            ],
            chart=charts.bar_chart(
                "chart-scores",
                "综合得分（满分100）",
                [(r.county.name, r.score or 0.0) for r in circular.rows],
                scale_max=100,
            ),
        )
    return render(
        request, "portal/progress/circular.html", context, status=200 if circular else 400
    )


def _circular_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, circular = _circular(request)
    if circular is None:
        return render(request, "portal/progress/circular.html", {"form": form}, status=400)
    name = f"月通报_{circular.period.start:%Y%m}"
    if fmt == "xlsx":
        return _download(circular_xlsx(circular), f"{name}.xlsx", XLSX)
    return _download(circular_pdf(circular), f"{name}.pdf", "application/pdf")


@role_required(*BUREAU_ROLES)
def progress_circular_xlsx(request: HttpRequest) -> HttpResponse:
    return _circular_export(request, "xlsx")


@role_required(*BUREAU_ROLES)
def progress_circular_pdf(request: HttpRequest) -> HttpResponse:
    return _circular_export(request, "pdf")
