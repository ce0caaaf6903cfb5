"""A stand-in for an external search service that can be switched off and on (tests only)."""

from __future__ import annotations

from typing import ClassVar

from search.backends import SearchUnavailable
from search.backends.base import BaseSearchBackend


class StubSearchBackend(BaseSearchBackend):
    name = "stub"
    catch_indexing_errors = True
    up: ClassVar[bool] = True
    documents: ClassVar[dict[int, object]] = {}

    def _check(self) -> None:
        if not type(self).up:
            raise SearchUnavailable("stub search service is down")

    def index(self, documents):
        self._check()
        for d in documents:
            type(self).documents[d.report_id] = d

    def delete(self, report_ids):
        self._check()
        for pk in report_ids:
            type(self).documents.pop(pk, None)

    def rebuild(self, documents):
        self._check()
        type(self).documents = {d.report_id: d for d in documents}
        return len(type(self).documents)


SearchBackend = StubSearchBackend
