"""Security plumbing the settings point at: the CSP middleware, the client address that
login throttling counts failures against, and a per-address limit on failed logins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

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


# django-axes locks a username on one address. One address trying many usernames (password
# spraying) is stopped by this second, higher limit per address: high enough that an office
# behind one NAT address is not locked out by a few colleagues' typos.
ADDRESS_WINDOW_SECONDS = 15 * 60


def _address_key(request: HttpRequest) -> str:
    return f"login-failures:{client_ip(request) or '-'}"


@receiver(user_login_failed)
def _count_address_failure(sender: object, credentials: object, request: Any = None, **_: Any):
    if request is None or not getattr(settings, "AXES_ENABLED", False):
        return
    key = _address_key(request)
    cache.add(key, 0, ADDRESS_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ADDRESS_WINDOW_SECONDS)


def address_locked(request: HttpRequest) -> bool:
    """Too many failed logins from this address within the window."""
    if not getattr(settings, "AXES_ENABLED", False):
        return False
    return cache.get(_address_key(request), 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
