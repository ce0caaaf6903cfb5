"""Request-level safety nets.

DatabaseUnavailableMiddleware turns a lost database (server down, connection killed) into a
clear 503 instead of a 500 traceback page. It sits first in MIDDLEWARE so it also covers
errors raised in the other middleware (sessions, authentication). The answer never touches
the database: the page is a static template rendered without a request context.
Nothing is half-written because every write service runs in transaction.atomic: the
transaction that lost its connection is rolled back by the server.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest

log = logging.getLogger("portal.db")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_MESSAGE = "数据库暂时不可用，请稍后重试；本次操作未保存。"
_SEEN = "_database_unavailable"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether an error means the database could not be reached (not a bug in a query)."""
    while error is not None:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": API_MESSAGE}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _note_database_error(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    # Errors raised inside inner middleware never reach process_exception; Django turns them
    # into a 500 response and sends this signal from inside its except block.
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _SEEN, True)


got_request_exception.connect(_note_database_error, dispatch_uid="portal_database_unavailable")


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers 503 with Retry-After, never a 500 traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS:
            log.exception("database unavailable: %s %s", request.method, request.path)
            return unavailable_response(request)
        if getattr(request, _SEEN, False) and response.status_code >= 500:
            log.error("database unavailable: %s %s", request.method, request.path)
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        log.error("database unavailable: %s %s", request.method, request.path, exc_info=exception)
        return unavailable_response(request)
