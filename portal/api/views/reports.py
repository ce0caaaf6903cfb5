"""Report endpoints: the firm's upload, version status and submission; report reads.

The upload goes through the web upload screen's form and reports.workflow.version_upload, with
the same streaming size cap (reports.uploads.SizeLimitUploadHandler), so caps, content checks
and messages are the same as on the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api import selectors
from portal.api.base import ANY_ROLE, FIRM, ApiView, ListApiView, allow
from portal.api.errors import TOO_LARGE, PayloadTooLarge, StorageDown
from portal.api.serializers import (
    ReportDetailSerializer,
    ReportListQuerySerializer,
    ReportSerializer,
    UploadRequestSerializer,
    UploadResultSerializer,
    VersionSerializer,
)
from portal.api.throttles import UploadRateThrottle, UserRateThrottle
from portal.views.reports import UploadForm
from reports.models import Report
from reports.uploads import SizeLimitUploadHandler, StorageUnavailable, UploadRejected
from reports.workflow import version_submit, version_upload

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

FIRM_TAGS = ["鉴定机构：报告"]
READ_TAGS = ["报告查询"]


def _version_data(user: Any, pk: int) -> dict[str, Any]:
    return VersionSerializer(selectors.visible_version(user, pk)).data


def _over_cap(form: UploadForm, photos: list[Any]) -> bool:
    """Whether a refused upload was refused for size (413) rather than content (400)."""
    caps = settings.REPORTS
    pdf = form.cleaned_data.get("pdf")
    return (pdf is not None and pdf.size > caps["max_pdf_bytes"]) or any(
        p.size > caps["max_photo_bytes"] for p in photos
    )


class TaskReportUpload(ApiView):
    permission_classes = [allow(*FIRM)]
    parser_classes = [MultiPartParser]
    throttle_classes = [UserRateThrottle, UploadRateThrottle]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # Before anything reads the body (session CSRF checks do): an oversized file is
        # refused while it streams in, not after Django has spooled it to disk.
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        tags=FIRM_TAGS,
        summary="上传鉴定报告",
        description="multipart/form-data：pdf 为报告PDF，photos 为现场照片（可多张）。"
        "上传后在后台解析，用“报告版本状态”接口查询解析结果。同一文件重复上传返回已有版本（200）。",
        request={"multipart/form-data": UploadRequestSerializer},
        responses={
            201: UploadResultSerializer,
            200: OpenApiResponse(UploadResultSerializer, description="同一文件已上传过"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.uploadable_task(request.user, pk)
        files = request.FILES  # parses the body, through the size-limit handler
        if getattr(request._request, "upload_too_large", False):
            raise PayloadTooLarge(TOO_LARGE)
        photos = files.getlist("photos")
        form = UploadForm(request.data, files)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            )
        try:
            version, created = version_upload(
                task=task, user=request.user, pdf=form.cleaned_data["pdf"], photos=photos
            )
        except StorageUnavailable as e:
            raise StorageDown(str(e)) from e
        except UploadRejected as e:
            if _over_cap(form, photos):
                raise PayloadTooLarge(str(e)) from e
            raise
        detail = (
            f"已上传（版本{version.number}），正在解析，请稍候。"
            if created
            else f"同一文件已上传过（版本{version.number}），未重复保存。"
        )
        return Response(
            {
                "created": created,
                "detail": detail,
                "version": _version_data(request.user, version.pk),
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class VersionStatus(ApiView):
    permission_classes = [allow(*ANY_ROLE)]

    @extend_schema(
        tags=FIRM_TAGS,
        summary="报告版本状态",
        description="解析状态（uploaded → parsing → parsed | parse_failed → submitted → accepted | "
        "returned）、解析出的字段和问题清单。",
        responses=VersionSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_version_data(request.user, pk))


class VersionSubmit(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(
        tags=FIRM_TAGS,
        summary="提交报告",
        description="提交已解析的最新版本，等待住建局审核；还有须修改的问题时返回 409。",
        request=None,
        responses=VersionSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        version = selectors.visible_version(request.user, pk)
        version_submit(version=version, user=request.user)
        return Response(_version_data(request.user, pk))


class ReportList(ListApiView):
    permission_classes = [allow(*ANY_ROLE)]
    serializer_class = ReportSerializer
    queryset = Report.objects.none()  # for the schema; rows come from get_queryset

    @extend_schema(
        tags=READ_TAGS,
        summary="报告列表",
        description="已提交和已通过审核的报告，范围与门户相同：住建局为本辖区，鉴定机构为本机构，"
        "审查专家仅已通过审核的报告。",
        parameters=[ReportListQuerySerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = ReportListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.reports(self.request.user, query.validated_data)


class ReportDetail(ApiView):
    permission_classes = [allow(*ANY_ROLE)]

    @extend_schema(
        tags=READ_TAGS,
        summary="报告详情",
        description="当前版本的解析字段和问题，以及您可查看的各版本。",
        responses=ReportDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportDetailSerializer(selectors.report_detail(request.user, pk)).data)
