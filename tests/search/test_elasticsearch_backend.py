"""The contract on Elasticsearch: runs only when ELASTICSEARCH_URL points at a cluster (9.x)."""

from __future__ import annotations

import os
import uuid

import pytest

from search.backends import get_search_backend
from tests.search.backend_contract import BackendContract, corpus  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set"
    ),
]


class TestElasticsearchBackend(BackendContract):
    @pytest.fixture
    def backend(self, db):
        backend = get_search_backend(
            "elasticsearch",
            URL=os.environ["ELASTICSEARCH_URL"],
            INDEX=f"test-reports-{uuid.uuid4().hex[:8]}",
        )
        yield backend
        backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)

    def test_rebuild_swaps_the_alias_and_drops_the_old_index(self, backend, indexed):
        before = set(backend.client.indices.get_alias(name=backend.alias))
        backend.rebuild([])
        after = set(backend.client.indices.get_alias(name=backend.alias))
        assert len(after) == 1 and not (before & after)
        assert backend.count() == 0
