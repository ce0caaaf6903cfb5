"""The OpenAPI document and a readable page of it, for logged-in users only (the public gets
nothing from the API). The page is rendered here, so no script or style comes from a CDN."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from portal.api.base import ANY_ROLE, AUTHENTICATION, allow
from portal.api.errors import exception_handler
from portal.api.throttles import UserRateThrottle
from portal.roles import role_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from rest_framework.request import Request
    from rest_framework.response import Response

METHODS = ("get", "post", "put", "patch", "delete")


class SchemaView(SpectacularAPIView):
    """OpenAPI 3: YAML by default, JSON with ?format=json (or Accept: application/json)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [allow(*ANY_ROLE)]
    throttle_classes = [UserRateThrottle]

    def get_exception_handler(self) -> Any:
        return exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON like everywhere else in the API, not an OpenAPI-typed body.
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Skips the parent's ?lang= switch: the API speaks one language.
        return self._get_schema_response(request)


def _resolve(schema: dict[str, Any], node: dict[str, Any] | None) -> dict[str, Any]:
    while node and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node or {}


def _fields(schema: dict[str, Any], node: dict[str, Any] | None) -> list[dict[str, Any]]:
    node = _resolve(schema, node)
    required = set(node.get("required", []))
    return [
        {
            "name": name,
            "type": prop.get("type") or prop.get("$ref", "").rsplit("/", 1)[-1] or "object",
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in node.get("properties", {}).items()
    ]


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            media, content = next(iter(body.items()), (None, {}))
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or [""])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body_media": media,
                    "body": _fields(schema, content.get("schema")),
                    "responses": [
                        {"code": code, "description": r.get("description", "")}
                        for code, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    return rows


@role_required(*ANY_ROLE)
def api_docs(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "portal/api/docs.html",
        {"info": schema["info"], "operations": operations(schema)},
    )
