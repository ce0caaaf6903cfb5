"""Load the report search backend named by settings (the shape of Wagtail's loader).

`SEARCH_BACKEND` is "database" (the embedded default) or "elasticsearch" (with
`ELASTICSEARCH_URL`), or a dotted module path; the module exposes a `SearchBackend` callable
that takes a params dict.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from search.backends.base import BaseSearchBackend, SearchUnavailable

BACKENDS = {
    "database": "search.backends.database",
    "elasticsearch": "search.backends.elasticsearch",
}

__all__ = [
    "BACKENDS",
    "BaseSearchBackend",
    "InvalidSearchBackendError",
    "SearchUnavailable",
    "backend_params",
    "get_search_backend",
]


class InvalidSearchBackendError(ImproperlyConfigured):
    pass


def backend_params() -> dict[str, Any]:
    """Parameters from settings; the optional ones are read with defaults (no settings edit)."""
    return {
        "URL": getattr(settings, "ELASTICSEARCH_URL", ""),
        "INDEX": getattr(settings, "SEARCH_ELASTICSEARCH_INDEX", "jianding-reports"),
        "TIMEOUT": getattr(settings, "SEARCH_ELASTICSEARCH_TIMEOUT", 5),
    }


def get_search_backend(name: str | None = None, **params: Any) -> BaseSearchBackend:
    """The backend `name` (default: settings.SEARCH_BACKEND) with settings' params, overridden
    by `params` (tests point a backend at another URL or index this way)."""
    name = name or getattr(settings, "SEARCH_BACKEND", "") or "database"
    path = BACKENDS.get(name, name)
    try:
        module = import_module(path)
    except ImportError as e:
        raise InvalidSearchBackendError(f"Could not import search backend {path!r}: {e}") from e
    return module.SearchBackend({**backend_params(), **params})
