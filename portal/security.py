"""Security plumbing the settings point at: the CSP middleware and the client address that
login throttling counts failures against."""

from __future__ import annotations

from typing import TYPE_CHECKING

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase


class PortalCSPMiddleware(CSPMiddleware):
    """settings.CONTENT_SECURITY_POLICY everywhere; under CSP_RELAXED_SCRIPT_PREFIXES (Wagtail's
    admin, whose widgets carry inline scripts) inline scripts are allowed and nothing else is
    loosened. Also sends Permissions-Policy, which Django has no setting for."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(
            tuple(getattr(settings, "CSP_RELAXED_SCRIPT_PREFIXES", ()))
        ):
            parts.update = {**(parts.update or {}), "script-src": ["'unsafe-inline'"]}
        return parts

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The address failed logins are counted against: the socket peer only. Headers such as
    X-Forwarded-For are chosen by the client, so trusting them would let an attacker reset the
    counter on every attempt; a reverse proxy must rewrite REMOTE_ADDR instead."""
    return request.META.get("REMOTE_ADDR") or None
