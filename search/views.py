"""Reviewer search page, xlsx export, similar reports and the copied-report pages."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from portal.roles import Role, role_required
from search.documents import FACET_LABELS, FACETS, SORTS, SearchQuery
from search.service import SEARCH_ROLES, export_versions, search_reports, similar_reports

if TYPE_CHECKING:
    from django.http import HttpRequest, QueryDict

PAGE_SIZE = 20
MAX_OFFSET = 10_000
BUREAU_ROLES = (Role.BUREAU, Role.ADMIN)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def query_from_params(params: QueryDict, *, limit: int = PAGE_SIZE) -> tuple[SearchQuery, int]:
    """The query a request asks for, and its page number. Unknown or bad values are ignored."""
    filters = {name: tuple(v[:100] for v in params.getlist(name) if v)[:20] for name in FACETS}
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    page = min(page, MAX_OFFSET // limit)
    sort = params.get("sort") if params.get("sort") in SORTS else "relevance"
    query = SearchQuery(
        text=(params.get("q") or "")[:200],
        filters={k: v for k, v in filters.items() if v},
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        sort=sort,
        offset=(page - 1) * limit,
        limit=limit,
    )
    return query, page


def _toggle_url(params: QueryDict, name: str, value: str) -> str:
    q = params.copy()
    values = q.getlist(name)
    q.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    q.pop("page", None)
    return "?" + q.urlencode()


@require_safe
@role_required(*SEARCH_ROLES)
def search_page(request: HttpRequest) -> HttpResponse:
    query, page = query_from_params(request.GET)
    searched = (
        bool(query.text or query.filters or query.date_from or query.date_to) or "q" in request.GET
    )
    results = search_reports(user=request.user, query=query) if searched else None
    facets = []
    if results is not None:
        for name in FACETS:
            selected = set(query.filters.get(name, ()))
            values = [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "selected": v.value in selected,
                    "url": _toggle_url(request.GET, name, v.value),
                }
                for v in results.facets.get(name, [])
            ]
            if values:
                facets.append({"name": name, "label": FACET_LABELS[name], "values": values})
    pages = math.ceil(min(results.total, MAX_OFFSET) / PAGE_SIZE) if results else 0
    base = request.GET.copy()
    base.pop("page", None)
    chips = [
        {"label": f"{FACET_LABELS[name]}：{value}", "url": _toggle_url(request.GET, name, value)}
        for name, values in query.filters.items()
        for value in values
    ]
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "results": results,
            "facets": facets,
            "chips": chips,
            "page": page,
            "pages": pages,
            "prev_url": "?" + urlencode([*base.lists(), ("page", [page - 1])], doseq=True)
            if page > 1
            else "",
            "next_url": "?" + urlencode([*base.lists(), ("page", [page + 1])], doseq=True)
            if page < pages
            else "",
            "sorts": SORTS.items(),
            "export_url": "export/?" + base.urlencode(),
            "export_limit": _export_limit(),
        },
    )


def _export_limit() -> int:
    return int(getattr(settings, "SEARCH_EXPORT_MAX_ROWS", 5000))


EXPORT_COLUMNS = (
    "报告编号",
    "房屋编号",
    "县区",
    "地址",
    "鉴定机构",
    "危险性等级",
    "结构类型",
    "层数",
    "建造年代",
    "鉴定类别",
    "报告日期",
    "处理建议",
    "引用标准",
    "报告链接",
)


@require_safe
@role_required(*SEARCH_ROLES)
def search_export(request: HttpRequest) -> HttpResponse:
    from search.export import workbook_bytes

    query, _ = query_from_params(request.GET)
    versions = export_versions(user=request.user, query=query, limit=_export_limit())
    rows = []
    for v in versions:
        building = v.report.task.building
        f = v.fields or {}
        rows.append(
            [
                f.get("report_no"),
                building.building_no,
                building.county.name,
                building.address,
                v.report.firm.name,
                f.get("grade"),
                building.structure_type,
                building.floors,
                building.year_built,
                f.get("appraisal_type"),
                f.get("date"),
                f.get("recommendation"),
                "；".join(f.get("standards") or [])
                if isinstance(f.get("standards"), list)
                else f.get("standards"),
                request.build_absolute_uri(f"/reports/{v.pk}/"),
            ]
        )
    body = workbook_bytes("检索结果", EXPORT_COLUMNS, rows)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"report-search-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@role_required(*SEARCH_ROLES)
def similar_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The similar-reports box of a report page, as an HTML fragment."""
    from reports.models import ReportVersion

    version = ReportVersion.objects.visible_to(request.user).filter(pk=pk).first()
    if version is None:
        raise Http404
    results = similar_reports(user=request.user, version=version)
    return render(
        request, "search/includes/similar_reports.html", {"similar": results, "version": version}
    )


# ---------------------------------------------------------------- copied reports


@require_safe
@role_required(*BUREAU_ROLES)
def copy_list(request: HttpRequest) -> HttpResponse:
    from search.copies import visible_pairs

    status = request.GET.get("status") or "new"
    pairs = visible_pairs(request.user)
    if status != "all":
        pairs = pairs.filter(status=status)
    return render(
        request,
        "search/copies/list.html",
        {
            "pairs": pairs[:200],
            "status": status,
            "statuses": [
                ("new", "待核查"),
                ("confirmed", "确认雷同"),
                ("dismissed", "排除"),
                ("all", "全部"),
            ],
        },
    )


@require_safe
@role_required(*BUREAU_ROLES)
def copy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from search.copies import shared_passages, visible_pairs

    pair = visible_pairs(request.user).filter(pk=pk).first()
    if pair is None:
        raise Http404
    left, right, passages = shared_passages(pair.version_a, pair.version_b)
    return render(
        request,
        "search/copies/detail.html",
        {"pair": pair, "left": left, "right": right, "passages": passages},
    )


@require_POST
@role_required(*BUREAU_ROLES)
def copy_review(request: HttpRequest, pk: int) -> HttpResponse:
    from search.copies import CopyPair, visible_pairs

    pair = visible_pairs(request.user).filter(pk=pk).first()
    if pair is None:
        raise Http404
    status = request.POST.get("status")
    if status in CopyPair.Status.values:
        pair.status = status
        pair.save(update_fields=["status", "updated_at"])
        messages.success(request, f"已标记为“{pair.get_status_display()}”。")
    return redirect("search_copy_detail", pk=pk)
