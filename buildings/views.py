"""Bureau pages of the survey ledger: upload an import, its result, its error report, history."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from buildings.ledger import LedgerFileError, check_container, error_report, import_ledger
from buildings.ledger.columns import field_label
from buildings.models import LedgerImport
from portal.roles import Role, role_required

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

MAX_UPLOAD_MB = 20
SHOWN_ROWS = 100
HISTORY_ROWS = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label="排查台账文件（.xlsx）",
        help_text=f"Excel 工作簿，第1行为表头，不超过 {MAX_UPLOAD_MB} MB。",
        error_messages={"required": "请选择要导入的排查台账文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"文件超过 {MAX_UPLOAD_MB} MB，请拆分后分批导入。")
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError("只能导入 Excel 工作簿（.xlsx）文件。")
        try:
            check_container(upload)
        except LedgerFileError as e:
            raise forms.ValidationError(str(e)) from e
        return upload


@role_required(Role.BUREAU, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    """Upload form (import runs in the request) and the list of past imports."""
    form = LedgerUploadForm()
    if request.method == "POST":
        form = LedgerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = import_ledger(
                    upload, user=request.user, file_name=PurePath(upload.name).name
                )
            except LedgerFileError as e:
                form.add_error("file", str(e))
            else:
                messages.success(
                    request,
                    f"导入完成：新增 {record.imported} 栋，更新 {record.updated} 栋，"
                    f"拒收 {record.rejected} 行。",
                )
                return redirect("ledger_import_detail", pk=record.pk)
    history = LedgerImport.objects.visible_to(request.user).select_related("imported_by")
    return render(
        request,
        "buildings/ledger_import.html",
        {
            "form": form,
            "imports": history.order_by("-started_at", "-pk")[:HISTORY_ROWS],
            "max_upload_mb": MAX_UPLOAD_MB,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.BUREAU, Role.ADMIN)
def ledger_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        LedgerImport.objects.visible_to(request.user).select_related("imported_by"), pk=pk
    )
    conflicts = [
        {**conflict, "label": field_label(conflict["field"])}
        for conflict in record.conflict_rows[:SHOWN_ROWS]
    ]
    return render(
        request,
        "buildings/ledger_import_detail.html",
        {
            "record": record,
            "errors": record.errors[:SHOWN_ROWS],
            "more_errors": max(0, len(record.errors) - SHOWN_ROWS),
            "conflicts": conflicts,
            "more_conflicts": max(0, len(record.conflict_rows) - SHOWN_ROWS),
            "shown_rows": SHOWN_ROWS,
        },
    )


@role_required(Role.BUREAU, Role.ADMIN)
def ledger_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(LedgerImport.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(error_report(record), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"台账导入{record.pk}-拒收与冲突.xlsx"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
