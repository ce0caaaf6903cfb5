"""Demo data for the API: tokens for the demo's firm and bureau accounts, so the API can be
tried with curl right after `manage.py demo`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.api.tokens import token_issue

if TYPE_CHECKING:
    from collections.abc import Iterable

    from portal.models import User

# Accounts made by portal.demo.build_users that an outside system would stand in for.
DEMO_API_USERS = ("firm", "firm2", "bureau", "bureau_yanhu")


def seed_demo(users: Iterable[User] | None = None) -> dict[str, str]:
    """Give each demo API account a token (idempotent: an existing token is kept).

    Returns {username: token key} for printing by the demo command.
    """
    from portal.models import User

    if users is None:
        users = User.objects.filter(username__in=DEMO_API_USERS).order_by("username")
    return {user.username: token_issue(user=user).key for user in users}
