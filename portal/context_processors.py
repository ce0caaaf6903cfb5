from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.roles import DASHBOARD_URL_NAMES, Role


def navigation(request: Any) -> dict[str, Any]:
    """The signed-in user's role and dashboard link, for the shared header."""
    role = Role.of(getattr(request, "user", None))
    return {
        "user_role": role,
        "user_role_label": role.label if role else "",
        "dashboard_url": reverse(DASHBOARD_URL_NAMES[role]) if role else "",
    }
