"""The login page: Django's, behind the per-address limit on failed logins."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from portal.security import ADDRESS_WINDOW_SECONDS, address_locked

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

_login = auth_views.LoginView.as_view(redirect_authenticated_user=True)


def login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and address_locked(request):
        response = render(
            request,
            "registration/lockout.html",
            {"cooloff_timedelta": dt.timedelta(seconds=ADDRESS_WINDOW_SECONDS)},
            status=429,
        )
        response["Retry-After"] = str(ADDRESS_WINDOW_SECONDS)
        return response
    return _login(request)
