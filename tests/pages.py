"""Checks on rendered pages shared by the view tests."""

from __future__ import annotations

import re

# A src or href to another host (http://, https:// or protocol-relative //).
OUTSIDE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def assert_self_contained(body: str) -> None:
    """The page loads nothing from elsewhere (a CDN, say) and runs no script. Not a substring
    test for "cdn": a page's random CSRF token may hold those letters."""
    assert not OUTSIDE.search(body), OUTSIDE.search(body)
    assert "<script" not in body
