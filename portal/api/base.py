"""What every API view shares: authentication, role checks, throttles, JSON in and out.

Roles are decided by portal.roles (Role.of, BUREAU_ROLES), as on the web screens; what a
user may read is decided by each model's `visible_to(user)`, never here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework import generics, permissions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from portal.api.errors import FORBIDDEN, exception_handler
from portal.api.pagination import PortalPagination
from portal.api.throttles import UserRateThrottle
from portal.roles import BUREAU_ROLES, Role

if TYPE_CHECKING:
    from rest_framework.request import Request

FIRM = (Role.FIRM,)
BUREAU = BUREAU_ROLES
ANY_ROLE = (Role.FIRM, *BUREAU_ROLES, Role.REVIEWER)


class RolePermission(permissions.BasePermission):
    """Let through users whose role is one of `roles`. Anonymous users get 401 (DRF does that
    when a permission fails without a login), everyone else 403."""

    roles: tuple[Role, ...] = ()
    message = FORBIDDEN

    def has_permission(self, request: Request, view: Any) -> bool:
        return Role.of(request.user) in self.roles


def allow(*roles: Role) -> type[RolePermission]:
    return type("Allow", (RolePermission,), {"roles": tuple(roles)})


# Token first: its WWW-Authenticate header is what makes a missing login a 401, not a 403.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ApiMixin:
    authentication_classes = AUTHENTICATION
    permission_classes = [allow(*ANY_ROLE)]
    throttle_classes = [UserRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = PortalPagination

    def get_exception_handler(self) -> Any:
        return exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers depend on who asks (scope) and may hold owners' data: no cache may keep them.
        patch_cache_control(response, private=True, no_store=True)
        patch_vary_headers(response, ["Authorization"])
        return response


class ApiView(ApiMixin, APIView):
    pass


class ListApiView(ApiMixin, generics.ListAPIView):
    pass
