"""The contract every report search backend keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from search.documents import ReportDocument, SearchPage, SearchQuery, VersionCheck


class SearchUnavailable(Exception):
    """The search service cannot be reached or answered with an error. Callers fall back to
    the database backend for reads and leave outbox rows pending for writes."""


class BaseSearchBackend:
    """Index, delete and search accepted reports.

    Documents are `ReportDocument`s (search.documents), built in one place for every backend.
    `search()` applies `query.scope` and `query.filters` itself, returns hits best first with
    safe-HTML snippets and, for each facet asked for, value counts over the whole match set.
    Callers still re-check hits against the database before showing them.

    Backends that talk to a separate service set `catch_indexing_errors`: their failures must
    never fail a report save, so indexing goes through the outbox and is retried. The database
    backend writes in the caller's database, where an error is a bug and must surface.
    """

    name: ClassVar[str] = ""
    catch_indexing_errors: ClassVar[bool] = False

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)

    def index(self, documents: Iterable[ReportDocument]) -> None:
        """Add or replace these reports' documents."""
        raise NotImplementedError

    def delete(self, report_ids: Iterable[int]) -> None:
        """Remove these reports (missing ones are ignored)."""
        raise NotImplementedError

    def rebuild(self, documents: Iterable[ReportDocument]) -> int:
        """Replace the whole index with these documents; searches keep working meanwhile.
        Returns the number of documents indexed."""
        raise NotImplementedError

    def search(self, query: SearchQuery, visible: VersionCheck | None = None) -> SearchPage:
        """`visible`: SQL of the version ids the caller may show (search.service). A
        backend that reads its hits from the database checks them against it in the same
        statement and says which passed (SearchPage.visible); others ignore it."""
        raise NotImplementedError

    def ids(self, query: SearchQuery, limit: int) -> list[int]:
        """Report ids of every match (up to `limit`), in the query's order (for exports)."""
        raise NotImplementedError

    def similar(self, report_id: int, query: SearchQuery) -> SearchPage:
        """Reports like this one (itself excluded), within `query`'s scope and filters."""
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError
