"""Public report authenticity check (报告真伪查询) and the QR code that links to it."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from reports.models import Report, ReportState, ReportVersion

if TYPE_CHECKING:
    from django.http import HttpRequest

# At most RATE_LIMIT_ATTEMPTS look-ups per client IP in RATE_LIMIT_WINDOW_SECONDS.
RATE_LIMIT_ATTEMPTS = 20
RATE_LIMIT_WINDOW_SECONDS = 10 * 60

NOT_FOUND_MESSAGE = "未查到与该报告编号和验证码相符的已通过报告。"
RATE_LIMITED_MESSAGE = "查询过于频繁，请稍后再试。"
MAX_INPUT_LENGTH = 100


def _normalize_report_no(value: str) -> str:
    return "".join(value.split()).casefold()


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict):
        return "，".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return str(value)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _rate_limited(request: HttpRequest) -> bool:
    """Count one attempt for the client IP; True once it is over the limit for the window."""
    key = f"verify:attempts:{_client_ip(request)}"
    cache.add(key, 0, RATE_LIMIT_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_LIMIT_WINDOW_SECONDS)
        attempts = 1
    return attempts > RATE_LIMIT_ATTEMPTS


def _find(report_no: str, code: str) -> dict[str, str] | None:
    """The public facts of the accepted report matching both inputs, else None."""
    wanted = _normalize_report_no(report_no)
    code = "".join(code.split())
    if not wanted or not code:
        return None
    report = (
        Report.objects.select_related("current_version", "firm", "task__building__county")
        .filter(
            verification_code__iexact=code,
            current_version__state=ReportState.ACCEPTED,
        )
        .first()
    )
    if report is None:
        return None
    fields = report.current_version.fields or {}
    if _normalize_report_no(str(fields.get("report_no") or "")) != wanted:
        return None
    return {
        "report_no": _text(fields.get("report_no")),
        "firm": _text(fields.get("firm") or report.firm.name),
        "date": _text(fields.get("date")),
        "appraisal_type": _text(fields.get("appraisal_type")),
        "grade": _text(fields.get("grade")),
        "county": _text(fields.get("county")),
    }


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a report number + code, by the form or by opening the QR code's link."""
    source = request.POST if request.method == "POST" else request.GET
    report_no = source.get("no", "")[:MAX_INPUT_LENGTH]
    code = source.get("code", "")[:MAX_INPUT_LENGTH]
    context: dict[str, Any] = {"report_no": report_no, "code": code, "checked": False}
    status = 200
    # A scanned QR code opens the page with both values: check straight away (same limit).
    if request.method == "POST" or (report_no and code):
        if _rate_limited(request):
            context["error"] = RATE_LIMITED_MESSAGE
            status = 429
        else:
            result = _find(report_no, code)
            context["checked"] = True
            if result is None:
                context["error"] = NOT_FOUND_MESSAGE
            else:
                context["result"] = result
    return render(request, "portal/verify.html", context, status=status)


@require_safe
def report_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """SVG QR code linking to the prefilled check, for an accepted version the user may read."""
    version = get_object_or_404(
        ReportVersion.objects.visible_to(request.user)
        .filter(state=ReportState.ACCEPTED)
        .select_related("report"),
        pk=pk,
    )
    code = version.report.verification_code
    report_no = (version.fields or {}).get("report_no")
    if not code or not report_no:
        raise Http404
    query = urlencode({"no": report_no, "code": code})
    url = request.build_absolute_uri(f"{reverse('verify')}?{query}")
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
