"""Per-user request rates. Rates come from settings.REST_FRAMEWORK at request time."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRates:
    # DRF binds THROTTLE_RATES when the module is imported; reading api_settings per request
    # lets a deployment (or a test) change REST_FRAMEWORK without a restart of the class.
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_LiveRates, throttling.UserRateThrottle):
    """Every API request of one user (anonymous requests are refused before this)."""

    scope = "api_user"


class UploadRateThrottle(_LiveRates, throttling.UserRateThrottle):
    """Report uploads of one user: each stores files and starts a parse."""

    scope = "api_upload"
