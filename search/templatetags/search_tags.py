"""{% similar_reports version %}: the "similar reports" box of a report page."""

from __future__ import annotations

from typing import Any

from django import template

from portal.roles import Role
from search.service import SEARCH_ROLES
from search.service import similar_reports as find_similar

register = template.Library()


@register.inclusion_tag("search/includes/similar_reports.html", takes_context=True)
def similar_reports(context: dict[str, Any], version: Any, limit: int = 5) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if version is None or version.state != "accepted" or Role.of(user) not in SEARCH_ROLES:
        return {"show": False}
    return {
        "show": True,
        "version": version,
        "similar": find_similar(user=user, version=version, limit=limit),
    }
