"""The page where a portal user sees, makes, replaces or revokes their own API token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal.api.tokens import TokenError, token_of, token_revoke, token_rotate
from portal.roles import BUREAU_ROLES, Role, role_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@never_cache  # the page shows a secret: no shared or browser cache may keep it
@role_required(Role.FIRM, *BUREAU_ROLES)
def api_token(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rotate":
                token_rotate(user=request.user)
                messages.success(request, "已生成新的 API 令牌，旧令牌（如有）已失效。")
            elif action == "revoke":
                if token_revoke(user=request.user):
                    messages.success(request, "API 令牌已停用。")
                else:
                    messages.info(request, "您还没有 API 令牌。")
            else:
                messages.error(request, "未知操作。")
        except TokenError as e:
            messages.error(request, str(e))
        return redirect("api_token")
    return render(request, "portal/api/token.html", {"token": token_of(request.user)})
