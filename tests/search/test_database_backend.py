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
