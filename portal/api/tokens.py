"""API tokens: one per user, shown to its owner, replaced on request.

A token stands for its user with that user's role and scope; only users with a portal role get
one. Rotation deletes the old key in the same transaction that makes the new one, so a leaked
key stops working at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from rest_framework.authtoken.models import Token

from portal.roles import Role

if TYPE_CHECKING:
    from portal.models import User

log = logging.getLogger(__name__)


class TokenError(Exception):
    """A token refused; the message is for the user (Chinese)."""


def _check(user: User) -> None:
    if Role.of(user) is None:
        raise TokenError("该账号未启用或没有门户角色，不能使用 API。")


def token_of(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token, made if it has none yet."""
    _check(user)
    token, created = Token.objects.get_or_create(user=user)
    if created:
        log.info("api token issued for user %s", user.pk)
    return token


@transaction.atomic
def token_rotate(*, user: User) -> Token:
    """A new token for the user; the old one, if any, stops working."""
    _check(user)
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    log.info("api token rotated for user %s", user.pk)
    return token


@transaction.atomic
def token_revoke(*, user: User) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        log.info("api token revoked for user %s", user.pk)
    return bool(deleted)
