"""Report screens: firm upload, correction and submission; bureau review; files and pages."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from portal.api.throttles import UploadRateThrottle
from portal.roles import BUREAU_ROLES, Role, role_required
from reports.models import AppraisalTask, ReportState, ReportVersion, TaskState
from reports.models.documents import ReportPhoto
from reports.pages import PageStoreUnavailable, page_image
from reports.uploads import (
    SizeLimitUploadHandler,
    StorageUnavailable,
    UploadRejected,
    clean_original,
)
from reports.validation import field_pages
from reports.workflow import (
    CONTRACT_FIELDS,
    ReportError,
    field_correct,
    version_accept,
    version_return,
    version_submit,
    version_upload,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger(__name__)
security_log = logging.getLogger("portal.security.uploads")

BUREAU = BUREAU_ROLES
RETRY_AFTER_SECONDS = 60
ANY_ROLE = (Role.FIRM, Role.BUREAU, Role.ADMIN, Role.REVIEWER)
READABLE_PAGES_STATES = (
    ReportState.PARSED,
    ReportState.SUBMITTED,
    ReportState.ACCEPTED,
    ReportState.RETURNED,
    ReportState.SUPERSEDED,
)
FIELD_LABELS = {
    "report_no": "报告编号",
    "appraisal_type": "鉴定类别",
    "firm": "鉴定机构",
    "address": "房屋地址",
    "county": "县区",
    "owner": "产权人",
    "date": "报告日期",
    "building_no": "房屋编号",
    "structure_type": "结构形式",
    "floors": "层数",
    "grade": "安全性等级",
    "load_system": "承载体系",
    "seismic": "抗震性能",
    "recommendation": "处理意见",
    "standards": "鉴定依据（标准）",
}


# ---------------------------------------------------------------- upload


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label="鉴定报告（PDF）",
        error_messages={
            "empty": "文件为空（0字节），请重新选择报告文件。",
            "required": "请选择鉴定报告PDF文件。",
        },
    )
    photos = forms.FileField(label="现场照片（JPEG/PNG，可多选）", required=False)


@csrf_exempt  # CSRF is checked by the inner view, after the upload handler is in place
def report_upload(request: HttpRequest, task_pk: int) -> HttpResponse:
    # Refuse oversized bodies while they stream in, before Django buffers them to disk.
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _report_upload(request, task_pk)


@csrf_protect
@role_required(Role.FIRM)
def _report_upload(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = get_object_or_404(
        AppraisalTask.objects.visible_to(request.user).select_related("building"),
        pk=task_pk,
        firm_id=request.user.firm_id,
    )
    form = UploadForm()
    if request.method == "POST":
        # One upload budget per user for the web screen and the API (the API's throttle),
        # checked before the body is read.
        throttle = UploadRateThrottle()
        if not throttle.allow_request(request, None):
            wait = math.ceil(throttle.wait() or 60)
            context = _upload_context(task, form)
            context["refusal"] = f"上传过于频繁，请约 {max(1, math.ceil(wait / 60))} 分钟后再试。"
            security_log.warning("upload throttled: task=%s user=%s", task.pk, request.user.pk)
            response = render(request, "portal/reports/upload.html", context)
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        files = request.FILES  # parses the body, through the size-limit handler
        if getattr(request, "upload_too_large", False):
            messages.error(request, "文件超过大小上限，请压缩后重新上传。")
            return redirect("firm_task_detail", pk=task.pk)
        form = UploadForm(request.POST, files)
        status = 400
        if form.is_valid():
            try:
                version, created = version_upload(
                    task=task,
                    user=request.user,
                    pdf=form.cleaned_data["pdf"],
                    photos=request.FILES.getlist("photos"),
                )
            except StorageUnavailable as e:
                form.add_error("pdf", str(e))
                status = 503
            except (UploadRejected, ReportError) as e:
                form.add_error("pdf", str(e))
            else:
                if created:
                    messages.success(request, f"已上传（版本{version.number}），正在解析，请稍候。")
                else:
                    messages.info(
                        request, f"同一文件已上传过（版本{version.number}），未重复保存。"
                    )
                return redirect("report_version", pk=version.pk)
        security_log.warning(
            "upload refused: task=%s user=%s status=%s errors=%s",
            task.pk,
            request.user.pk,
            status,
            list(form.errors.get("pdf", [])),
        )
        response = render(request, "portal/reports/upload.html", _upload_context(task, form))
        # A refused upload is the client's fault (400) or the store's (503), never "OK".
        response.status_code = status
        if status == 503:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return render(request, "portal/reports/upload.html", _upload_context(task, form))


def _upload_context(task: AppraisalTask, form: UploadForm) -> dict[str, Any]:
    limits = settings.REPORTS
    return {
        "task": task,
        "form": form,
        "limits": {
            "pdf_mb": limits["max_pdf_bytes"] // (1024 * 1024),
            "photo_mb": limits["max_photo_bytes"] // (1024 * 1024),
            "photos": limits["max_photos"],
        },
    }


# ---------------------------------------------------------------- detail


def _version_for(request: HttpRequest, pk: int) -> ReportVersion:
    return get_object_or_404(
        ReportVersion.objects.visible_to(request.user).select_related(
            "report__task__building__county",
            "report__firm",
            "report__current_version",
            "uploaded_by",
            "reviewed_by",
        ),
        pk=pk,
    )


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict):
        return "，".join(f"{v}" for v in value.values() if v)
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return str(value)


@require_safe
@role_required(*ANY_ROLE)
def report_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    role = Role.of(request.user)
    report = version.report
    corrections = {c.field: c for c in version.corrections.all()}
    page_of = field_pages(version)
    rows = [
        {
            "name": name,
            "label": FIELD_LABELS[name],
            "value": _display(version.fields.get(name)),
            "raw": version.fields.get(name),
            "page": page_of.get(name),
            "correction": corrections.get(name),
            "original": _display(corrections[name].original) if name in corrections else None,
        }
        for name in CONTRACT_FIELDS
    ]
    versions = (
        ReportVersion.objects.visible_to(request.user).filter(report=report).order_by("-number")
    )
    previous = next((v for v in versions if v.number < version.number), None)
    return render(
        request,
        "portal/reports/version.html",
        {
            "version": version,
            "report": report,
            "task": report.task,
            "building": report.task.building,
            "rows": rows,
            "problems": version.problems,
            "versions": versions,
            "comparison": _compare(previous, version) if previous else [],
            "previous": previous,
            "photos": version.photos.all(),
            "transitions": version.transitions.select_related("actor"),
            "pages": range(1, (version.page_count or 0) + 1)
            if version.state in READABLE_PAGES_STATES
            else [],
            "can_edit": role == Role.FIRM
            and version.state == ReportState.PARSED
            and report.current_version_id == version.pk,
            "can_upload": role == Role.FIRM
            and report.task.state in (TaskState.ACCEPTED, TaskState.RETURNED),
            "can_review": role in BUREAU and version.state == ReportState.SUBMITTED,
            "polling": version.state in (ReportState.UPLOADED, ReportState.PARSING),
            "field_labels": FIELD_LABELS,
        },
    )


def _compare(old: ReportVersion, new: ReportVersion) -> list[dict[str, Any]]:
    return [
        {
            "label": FIELD_LABELS[name],
            "old": _display(old.fields.get(name)),
            "new": _display(new.fields.get(name)),
        }
        for name in CONTRACT_FIELDS
        if old.fields.get(name) != new.fields.get(name)
    ]


@require_safe
@role_required(*ANY_ROLE)
def report_version_status(request: HttpRequest, pk: int) -> JsonResponse:
    version = _version_for(request, pk)
    return JsonResponse({"state": version.state, "label": version.get_state_display()})


# ---------------------------------------------------------------- firm actions


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, FIELD_LABELS[f]) for f in CONTRACT_FIELDS])
    value = forms.CharField(max_length=500, required=False)
    reason = forms.CharField(max_length=200, required=False)


def coerce_field(field: str, text: str) -> Any:
    """Turn the text a clerk typed into the field's contract type."""
    text = text.strip()
    if text == "":
        return None
    if field == "floors":
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise ReportError("层数须为1到100之间的整数。")
        return int(text)
    if field == "grade":
        grade = text.upper().removesuffix("级")
        if grade not in ("A", "B", "C", "D"):
            raise ReportError("安全性等级须为 A、B、C 或 D。")
        return grade
    if field == "standards":
        return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
    if field == "seismic":
        intensity, _, conclusion = text.replace("，", ",").partition(",")
        return {"intensity": intensity.strip() or None, "conclusion": conclusion.strip() or None}
    if field == "date":
        import datetime as dt

        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError as e:
            raise ReportError("日期格式应为 YYYY-MM-DD，例如 2022-09-15。") from e
    return text


@require_POST
@role_required(Role.FIRM)
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "更正内容有误。")
        return redirect("report_version", pk=pk)
    field = form.cleaned_data["field"]
    try:
        value = coerce_field(field, form.cleaned_data["value"])
        field_correct(
            version=version,
            user=request.user,
            field=field,
            value=value,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"已更正“{FIELD_LABELS[field]}”。")
    except ReportError as e:
        messages.error(request, str(e))
    return redirect(f"{reverse('report_version', args=[pk])}#fields")


@require_POST
@role_required(Role.FIRM)
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    try:
        version_submit(version=version, user=request.user)
        messages.success(request, "报告已提交，等待住建局审核。")
    except ReportError as e:
        messages.error(request, str(e))
    return redirect("report_version", pk=pk)


# ---------------------------------------------------------------- bureau review


@role_required(*BUREAU)
def review_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or ReportState.SUBMITTED
    if state not in ReportState.values:
        state = ReportState.SUBMITTED
    versions = (
        ReportVersion.objects.visible_to(request.user)
        .filter(state=state)
        .select_related("report__task__building__county", "report__firm")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(versions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/reports/review_list.html",
        {
            "page_obj": page,
            "state": state,
            "states": ReportState.choices,
            "query": f"state={state}",
        },
    )


@require_POST
@role_required(*BUREAU)
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    decision = request.POST.get("decision")
    comment = request.POST.get("comment", "")
    try:
        if decision == "accept":
            version_accept(version=version, user=request.user, comment=comment)
            messages.success(request, "报告已审核通过。")
        elif decision == "return":
            version_return(version=version, user=request.user, comment=comment)
            messages.success(request, "报告已退回机构修改。")
        else:
            messages.error(request, "请选择通过或退回。")
    except ReportError as e:
        messages.error(request, str(e))
    return redirect("report_version", pk=pk)


# ---------------------------------------------------------------- files


def _attachment(response: HttpResponse, filename: str, *, inline: bool = False) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    # Uploaded bytes are never a page of this site: even if a browser were talked into
    # rendering one (a PDF/HTML polyglot), it gets no script, no origin and no plugins.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if not inline:
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _open(field: Any) -> Any:
    """A stored file opened for reading; a store that cannot answer is a 503, not a 500."""
    try:
        return field.open("rb")
    except Exception as e:
        raise _StoreDown(field.name) from e


class _StoreDown(Exception):
    pass


def _store_down(key: str) -> HttpResponse:
    log.error("storage could not serve %s", key, exc_info=True)
    response = HttpResponse(
        "文件存储服务暂时不可用，文件暂时无法下载，请稍后重试。",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@role_required(*ANY_ROLE)
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    try:
        response = FileResponse(_open(version.file), content_type="application/pdf")
    except _StoreDown as e:
        return _store_down(str(e))
    return _attachment(
        response, f"{version.report.task.building.building_no}-v{version.number}.pdf"
    )


@require_safe
@role_required(*ANY_ROLE)
def report_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_for(request, pk)
    if version.state not in READABLE_PAGES_STATES or not 1 <= number <= (version.page_count or 0):
        raise Http404("没有这一页。")
    try:
        data = page_image(version, number)
    except PageStoreUnavailable as e:
        return _store_down(str(e))
    return _attachment(HttpResponse(data, content_type="image/png"), "", inline=True)


@require_safe
@role_required(*ANY_ROLE)
def report_photo(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    photo = get_object_or_404(ReportPhoto.objects.select_related("version"), pk=pk)
    if not ReportVersion.objects.visible_to(request.user).filter(pk=photo.version_id).exists():
        raise Http404
    if kind == "original":
        if Role.of(request.user) not in (Role.FIRM, Role.BUREAU, Role.ADMIN):
            raise PermissionDenied("原图仅供机构与住建局查看。")
        try:
            with _open(photo.original) as f:
                data, ctype = clean_original(f.read())
        except _StoreDown as e:
            return _store_down(str(e))
        return _attachment(HttpResponse(data, content_type=ctype), photo.original_name)
    f = {"image": photo.image, "thumb": photo.thumbnail}.get(kind)
    if f is None:
        raise Http404
    try:
        response = FileResponse(_open(f), content_type="image/jpeg")
    except _StoreDown as e:
        return _store_down(str(e))
    return _attachment(response, "", inline=True)
