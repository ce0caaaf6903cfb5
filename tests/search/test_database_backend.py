"""The contract on the database backend of the database in use (SQLite or PostgreSQL: run
the suite once with each DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends import get_search_backend
from tests.search.backend_contract import BackendContract, corpus  # noqa: F401 - fixture


class TestDatabaseBackend(BackendContract):
    @pytest.fixture
    def backend(self, db):
        backend = get_search_backend("database")
        assert backend.name == "database"
        assert (
            type(backend).__name__
            == {"sqlite": "SQLiteSearchBackend", "postgresql": "PostgresSearchBackend"}[
                connection.vendor
            ]
        )
        return backend


@pytest.mark.django_db
def test_postgres_plan_settings_hold_for_the_search_only():
    """The planner switches (no sequential scan, no JIT) hold inside a search only: in an
    outer transaction (a request, this test) the session's own values come back after it."""
    if connection.vendor != "postgresql":
        pytest.skip("plan settings are PostgreSQL's")
    from search.documents import SearchQuery

    def current():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
            return cursor.fetchone()

    before = current()
    assert before[0] == "on"
    backend = get_search_backend("database")
    with backend.planner(True):
        assert current() == ("off", "off")
    assert current() == before
    backend.search(SearchQuery(text="裂缝"))
    assert current() == before
