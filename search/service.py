"""Searching reports for a user: scope, backend (with fallback), re-check against the database.

Every read path of search — the page, the export, "similar reports", the command — goes
through here, so each hit is checked against `ReportVersion.objects.visible_to(user)` and
against the database's own state (still the current, accepted version) before it is shown:
a stale index never leaks a report.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import F

from portal.roles import Role
from search.backends import SearchUnavailable, get_search_backend
from search.documents import SearchHit, SearchPage, SearchQuery, VersionCheck

if TYPE_CHECKING:
    from collections.abc import Callable

    from reports.models import ReportScope, ReportVersion
    from search.backends.base import BaseSearchBackend
    from search.documents import FacetValue

log = logging.getLogger(__name__)
T = TypeVar("T")

SEARCH_ROLES = (Role.REVIEWER, Role.BUREAU, Role.ADMIN)
# After a failure of the external search service, go straight to the database for a while.
BREAKER_KEY = "search:external-unavailable"
BREAKER_SECONDS = 30


def report_scope(user: Any) -> ReportScope:
    """The user's report scope (`ReportScope.of`); None (management commands): site-wide,
    as a site admin's."""
    from reports.models import ReportScope

    return ReportScope(Role.ADMIN) if user is None else ReportScope.of(user)


def scope_for(user: Any) -> dict[str, int] | None:
    """The index-level filter matching `Report.objects.visible_to(user)` ({} = everything,
    None = nothing). It keeps counts and facets within scope; hits are re-checked anyway."""
    scope = report_scope(user)
    if scope.role in (Role.ADMIN, Role.REVIEWER):
        return {}
    if scope.role == Role.BUREAU:
        return {} if scope.county_id is None else {"county": scope.county_id}
    if scope.role == Role.FIRM and scope.firm_id:
        return {"firm": scope.firm_id}
    return None


@dataclass
class Result:
    """A hit the user may read: what it shows comes from the index (kept in step with
    reports, buildings and firms by the outbox); whether it is shown, from the database."""

    hit: SearchHit

    @property
    def version_id(self) -> int:
        return self.hit.version_id


@dataclass
class Results:
    query: SearchQuery
    results: list[Result]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    degraded: bool = False  # the external service was down: database results


def _run(operation: Callable[[BaseSearchBackend], T]) -> tuple[T, bool]:
    """Run on the configured backend; during an outage of an external one, on the database
    backend instead (returns the result and whether it was this fallback)."""
    backend = get_search_backend()
    if backend.name == "database":
        return operation(backend), False
    if not cache.get(BREAKER_KEY):
        try:
            return operation(backend), False
        except SearchUnavailable as e:
            log.warning("search service unavailable, using the database index: %s", e)
            cache.set(BREAKER_KEY, True, BREAKER_SECONDS)
    return operation(get_search_backend("database")), True


def _indexable(user: Any) -> Any:
    """The versions the user may read that are still indexable (the report's current
    version, accepted): the one condition every hit and export row is checked against."""
    return _indexable_within(report_scope(user))


def _indexable_within(scope: ReportScope) -> Any:
    from reports.models import ReportState, ReportVersion

    qs = ReportVersion.objects.within(scope)
    return qs.filter(state=ReportState.ACCEPTED, report__current_version=F("pk"))


def indexable_check(user: Any) -> VersionCheck:
    """`_indexable(user)`'s version ids as SQL, for a backend to check its hits with in the
    statement that reads them (SearchPage.visible)."""
    return _compiled_check(report_scope(user), connection.vendor)


@functools.lru_cache(maxsize=4096)
def _compiled_check(scope: ReportScope, vendor: str) -> VersionCheck:
    # Building and compiling the queryset took as long as the rare-term search's own
    # statements (1-1.5 ms of 4-5, bench/search.py); a scope's SQL never changes. `vendor`:
    # the SQL is the default connection's dialect.
    query = _indexable_within(scope).values("pk").order_by().query
    # elide_empty=False: a scope of nothing (`none()`) compiles to "... WHERE 0 = 1", not
    # EmptyResultSet.
    sql, params = query.get_compiler(DEFAULT_DB_ALIAS, elide_empty=False).as_sql()
    return VersionCheck(sql, tuple(params))


def visible_version_ids(user: Any, version_ids: list[int]) -> set[int]:
    """Those of these versions that the user may read and that are still indexable, in one
    query (ids only: what a hit shows comes from the index)."""
    if not version_ids:
        return set()
    qs = _indexable(user).filter(pk__in=version_ids).order_by()  # a set: no sort to compile or run
    return set(qs.values_list("pk", flat=True))


def visible_versions(user: Any, version_ids: list[int]) -> dict[int, ReportVersion]:
    """The same check, with the versions and what an export row shows, in one query."""
    qs = _indexable(user).filter(pk__in=version_ids)
    qs = qs.select_related("report__task__building__county", "report__firm")
    return {v.pk: v for v in qs}


def _recheck(user: Any, page: SearchPage) -> tuple[list[Result], int]:
    """The hits the user may see, and how many were dropped (those are queued for
    reindexing). The database backend checked them against `_indexable(user)` while reading
    them (SearchPage.visible); otherwise that check is one query here."""
    visible = page.visible
    if visible is None:
        visible = visible_version_ids(user, [h.version_id for h in page.hits])
    results = [Result(h) for h in page.hits if h.version_id in visible]
    stale = [h.report_id for h in page.hits if h.version_id not in visible]
    if stale:
        # The index is behind the database for these: bring it up to date.
        from search.indexing import enqueue_reports

        log.info("search hits not visible or stale, reindexing: %s", stale)
        enqueue_reports(stale)
    return results, len(stale)


def search_reports(*, user: Any, query: SearchQuery) -> Results:
    scope = scope_for(user)
    if scope is None:
        return Results(query=query, results=[], total=0)
    query = dataclasses.replace(query, scope=scope)
    check = indexable_check(user)
    page, degraded = _run(lambda b: b.search(query, visible=check))
    results, dropped = _recheck(user, page)
    return Results(
        query=query,
        results=results,
        total=max(0, page.total - dropped),
        facets=page.facets,
        degraded=degraded,
    )


def export_versions(*, user: Any, query: SearchQuery, limit: int) -> list[ReportVersion]:
    """Every visible hit (up to `limit`), in result order, re-checked in chunks."""
    scope = scope_for(user)
    if scope is None:
        return []
    query = dataclasses.replace(query, scope=scope, facets=())
    report_ids, _ = _run(lambda b: b.ids(query, limit))
    from reports.models import Report

    out: list[ReportVersion] = []
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        current = dict(Report.objects.filter(pk__in=chunk).values_list("pk", "current_version_id"))
        versions = visible_versions(user, [v for v in current.values() if v])
        by_report = {v.report_id: v for v in versions.values()}
        out += [by_report[pk] for pk in chunk if pk in by_report]
    return out


def similar_reports(*, user: Any, version: ReportVersion, limit: int = 5) -> list[Result]:
    scope = scope_for(user)
    if scope is None or Role.of(user) not in SEARCH_ROLES:
        return []
    query = SearchQuery(scope=scope, facets=(), limit=limit + 5)
    page, _ = _run(lambda b: b.similar(version.report_id, query))
    results, _ = _recheck(user, page)
    return [r for r in results if r.hit.report_id != version.report_id][:limit]
