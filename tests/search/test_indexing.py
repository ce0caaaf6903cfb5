"""Indexing after commit through the outbox; a search outage never fails a report save."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from reports.workflow import version_accept
from search.documents import SearchQuery
from search.models import IndexOutbox, SearchEntry
from search.service import search_reports
from tests.search import stub_backend
from tests.search.helpers import make_report

pytestmark = pytest.mark.django_db
CLOSED_PORT = {"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": "http://127.0.0.1:9"}


@pytest.fixture(autouse=True)
def _stub_reset():
    from django.core.cache import cache

    stub_backend.StubSearchBackend.up = True
    stub_backend.StubSearchBackend.documents = {}
    cache.clear()  # the outage breaker
    yield
    cache.clear()


def accept(version, user, capture):
    with capture(execute=True):
        version_accept(version=version, user=user)


def test_accepting_a_report_indexes_it_after_commit(personas, django_capture_on_commit_callbacks):
    version = make_report(state="submitted", inspection="墙体出现斜裂缝。")
    assert not SearchEntry.objects.exists()
    accept(version, personas.city_bureau, django_capture_on_commit_callbacks)
    entry = SearchEntry.objects.get(report_id=version.report_id)
    assert entry.version_id == version.pk and entry.grade == "B"
    assert not IndexOutbox.objects.filter(processed_at__isnull=True).exists()
    hits = search_reports(user=personas.reviewer, query=SearchQuery(text="裂缝")).results
    assert [r.version_id for r in hits] == [version.pk]


def test_a_rolled_back_accept_indexes_nothing(personas, django_capture_on_commit_callbacks):
    version = make_report(state="submitted")
    IndexOutbox.objects.all().delete()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        version_accept(version=version, user=personas.city_bureau)
        raise RuntimeError("validation failed later in the request")
    assert callbacks == []
    assert not SearchEntry.objects.exists()
    assert not IndexOutbox.objects.exists()


@override_settings(**CLOSED_PORT)
def test_an_elasticsearch_outage_leaves_the_outbox_pending_and_the_save_succeeds(
    personas, django_capture_on_commit_callbacks
):
    version = make_report(state="submitted", inspection="圈梁设置不完整。")
    accept(version, personas.city_bureau, django_capture_on_commit_callbacks)
    version.refresh_from_db()
    assert version.state == "accepted"
    row = IndexOutbox.objects.get(report_id=version.report_id, processed_at__isnull=True)
    assert row.attempts == 1
    assert "Elasticsearch" in row.last_error
    # The database index is written all the same: it serves searches while ES is down.
    assert SearchEntry.objects.filter(report_id=version.report_id).exists()
    out = io.StringIO()
    call_command("search_drain", "--retry-now", stdout=out)
    row.refresh_from_db()
    assert row.attempts == 2 and row.processed_at is None
    assert "failed 1" in out.getvalue()


def test_the_drain_catches_up_when_the_service_is_back(
    personas, django_capture_on_commit_callbacks
):
    stub = stub_backend.StubSearchBackend
    with override_settings(SEARCH_BACKEND="tests.search.stub_backend"):
        stub.up = False
        version = make_report(state="submitted")
        accept(version, personas.city_bureau, django_capture_on_commit_callbacks)
        assert IndexOutbox.objects.filter(processed_at__isnull=True, attempts=1).count() == 1
        assert stub.documents == {}
        stub.up = True
        call_command("search_drain", "--retry-now", stdout=io.StringIO())
        assert set(stub.documents) == {version.report_id}
        assert not IndexOutbox.objects.filter(processed_at__isnull=True).exists()


@override_settings(**CLOSED_PORT)
def test_searching_while_elasticsearch_is_down_falls_back_to_the_database(personas):
    from search.indexing import sync_reports

    version = make_report(inspection="墙体出现斜裂缝。")
    with override_settings(SEARCH_BACKEND="database"):
        sync_reports([version.report_id])
    results = search_reports(user=personas.reviewer, query=SearchQuery(text="裂缝"))
    assert results.degraded
    assert [r.version_id for r in results.results] == [version.pk]


def test_a_building_change_reindexes_its_reports(personas, django_capture_on_commit_callbacks):
    version = make_report()
    with django_capture_on_commit_callbacks(execute=True):
        pass
    from search.indexing import sync_reports

    sync_reports([version.report_id])
    building = version.report.task.building
    from tests.factories import county

    with django_capture_on_commit_callbacks(execute=True):
        building.county = county("140821")
        building.save()
    assert SearchEntry.objects.get(report_id=version.report_id).county == "临猗县"


def test_search_reindex_rebuilds_with_progress_on_stderr():
    accepted = [make_report(), make_report()]
    make_report(state="submitted")
    err, out = io.StringIO(), io.StringIO()
    call_command("search_reindex", stdout=out, stderr=err)
    assert "indexed 2/2" in err.getvalue()
    assert set(SearchEntry.objects.values_list("report_id", flat=True)) == {
        v.report_id for v in accepted
    }


def test_search_reindex_also_fills_the_external_index():
    stub = stub_backend.StubSearchBackend
    version = make_report()
    with override_settings(SEARCH_BACKEND="tests.search.stub_backend"):
        call_command("search_reindex", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(stub.documents) == {version.report_id}
