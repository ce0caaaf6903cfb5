"""API errors: every refusal is JSON with a Chinese `detail`, and the status says what kind.

Domain errors raised by the service functions (reports.assignments, reports.workflow) carry
the message the web screens show; here they only get their HTTP status.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.middleware import is_database_unavailable
from reports.assignments import TaskError
from reports.uploads import UploadRejected
from reports.workflow import ReportError

NOT_FOUND = "未找到该对象，或您无权查看。"
NO_SUCH_ENDPOINT = "接口不存在，请核对地址（当前版本为 /api/v1/）。"
FORBIDDEN = "您的账号无权使用此接口。"
BAD_REQUEST_BODY = "请求内容格式错误，无法解析。"
TOO_LARGE = "文件超过大小上限，请压缩后重新上传。"
CSRF_FAILED = "CSRF 校验失败：请刷新页面后重试；业务系统请改用令牌认证。"
SERVER_ERROR = "服务器内部错误，已记录，请稍后重试。"

log = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """The action does not fit the object's current state (taken, submitted, ...)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "操作与当前状态冲突，请刷新后重试。"
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = TOO_LARGE
    default_code = "too_large"


class StorageDown(exceptions.APIException):
    """The file store refused the write; nothing was saved and the client should retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "文件存储服务暂时不可用，请稍后重试。"
    default_code = "storage_unavailable"
    wait = 60  # seconds, sent as Retry-After by DRF's handler


class ErrorSerializer(serializers.Serializer):
    """Shape of every error body (documentation only)."""

    detail = serializers.CharField(help_text="错误说明（中文），可直接展示给用户")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="输入校验错误：字段名 → 错误说明列表",
    )


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail) if detail else "输入有误。"


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
    return {
        "non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_database_unavailable(exc):
        return None  # re-raised: portal.middleware answers the outage with a 503
    if isinstance(exc, TaskError | ReportError):
        exc = Conflict(str(exc))
    elif isinstance(exc, UploadRejected):
        exc = exceptions.ValidationError(str(exc))
    elif isinstance(exc, Http404):
        # get_object_or_404's message is English and names the model: say neither.
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or FORBIDDEN)
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        exc = exceptions.PermissionDenied(CSRF_FAILED)
    elif isinstance(exc, exceptions.ParseError):
        # DRF appends the parser's English reason; the client only needs to know it was malformed.
        exc = exceptions.ParseError(BAD_REQUEST_BODY)

    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not a refusal: logged with its traceback, answered in the API's own shape
        # instead of the site's HTML error page.
        log.error("API error in %s", context.get("view"), exc_info=exc)
        return Response({"detail": SERVER_ERROR}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _first_message(exc.detail), "errors": _flatten(exc.detail)}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": _first_message(response.data)}
    return response


@csrf_exempt  # it changes nothing; a CSRF 403 would only hide that the address is wrong
def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Anything under /api/ that is no endpoint: a JSON 404, not the CMS's HTML page."""
    return JsonResponse({"detail": NO_SUCH_ENDPOINT}, status=404)
