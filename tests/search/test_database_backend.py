"""The contract on the database backend of the database in use (SQLite or PostgreSQL: run
the suite once with each DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from search.backends import get_search_backend
from search.documents import SearchQuery, documents_for
from tests.search.backend_contract import BackendContract, corpus  # noqa: F401 - fixture
from tests.search.helpers import make_report


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
    """The planner switches (no sequential scan, no JIT, work_mem) hold inside a search only:
    in an outer transaction (a request, this test) and outside one, the session's own values
    are there before and after it."""
    if connection.vendor != "postgresql":
        pytest.skip("plan settings are PostgreSQL's")

    def current():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('jit'), "
                "current_setting('work_mem')"
            )
            return cursor.fetchone()

    backend = get_search_backend("database", WORK_MEM="48MB")
    before = current()
    assert before[0] == "on" and before[2] != "48MB"
    inside = backend.tuned(
        "SELECT current_setting('enable_seqscan'), current_setting('jit'), "
        "current_setting('work_mem'), CAST(%s AS text)",
        ["it's quoted"],
        "seqscan text, jit text, work_mem text, echo text",
    )
    assert inside == [("off", "off", "48MB", "it's quoted")]
    assert current() == before
    backend.search(SearchQuery(text="裂缝"))
    assert current() == before
    with transaction.atomic():
        backend.search(SearchQuery(text="裂缝"))
        assert current() == before


@pytest.mark.django_db
def test_postgres_full_text_indexes_keep_no_pending_list():
    """New entries go straight into the GIN indexes (matching, and the ranked groups:
    migrations 0005–0007): a pending list would be scanned by every search until a vacuum
    merges it."""
    if connection.vendor != "postgresql":
        pytest.skip("the GIN indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'search_match_%%_idx'"
        )
        assert dict(cursor.fetchall()) == {
            f"search_match_{column}_idx": ["fastupdate=off"]
            for column in ("tsv", "conclusion", "captions")
        }


@pytest.mark.django_db
def test_more_of_the_query_in_the_conclusion_ranks_higher():
    """Both engines: a conclusion with every term of the query above one with some of them,
    above matches with none there; each is indexed, so dates decide nothing (newest last)."""
    backend = get_search_backend("database")
    made = [
        make_report(conclusion=conclusion, inspection=inspection, date=date)
        for conclusion, inspection, date in (
            ("木屋架糟朽，屋面漏雨。", "墙体完好。", dt.date(2022, 1, 1)),
            ("木屋架糟朽。", "屋面多处漏雨。", dt.date(2023, 1, 1)),
            ("主体结构基本完好。", "木屋架糟朽，屋面漏雨。", dt.date(2024, 1, 1)),
        )
    ]
    backend.index(documents_for([r.report_id for r in made])[0])
    page = backend.search(SearchQuery(text="糟朽 漏雨"))
    assert [h.report_id for h in page.hits] == [r.report_id for r in made]
    assert page.hits[0].score > page.hits[1].score > page.hits[2].score


def _grades(backend, text=""):
    return {v.value: v.count for v in backend.search(SearchQuery(text=text)).facets["grade"]}


@pytest.mark.django_db
def test_columns_never_outlive_a_rolled_back_write():
    """A write rolled back may leave the facet columns loaded at its state, and the next
    write may reuse its row ids (SQLite does): neither may show in a later search. (Reports
    are indexed by hand here: the after-commit indexing never runs inside the test's
    transaction.)"""
    backend = get_search_backend("database")
    first = make_report(grade="B", inspection="墙体出现斜裂缝。")
    backend.index(documents_for([first.report_id])[0])
    assert _grades(backend, "裂缝") == {"B": 1}
    rolled_back = make_report(grade="D", inspection="墙体出现贯通裂缝。")
    with pytest.raises(RuntimeError), transaction.atomic():
        backend.index(documents_for([rolled_back.report_id])[0])
        assert _grades(backend, "裂缝") == {"B": 1, "D": 1}  # seen inside its transaction
        raise RuntimeError
    # No search in between: the columns still hold the rolled-back state.
    later = make_report(grade="A", inspection="楼板裂缝已修复。")
    backend.index(documents_for([later.report_id])[0])  # SQLite: gets the rolled-back row's id
    page = backend.search(SearchQuery(text="裂缝"))
    assert {h.report_id for h in page.hits} == {first.report_id, later.report_id}
    assert _grades(backend, "裂缝") == {"A": 1, "B": 1}
    backend.delete([first.report_id])
    assert _grades(backend) == {"A": 1}


@pytest.mark.django_db
def test_columns_hold_each_live_id_once_when_a_gone_id_is_given_out_again():
    """The columns saw a row inside a write that was rolled back, then saw it go; SQLite
    gives its id out again to the next write. Read again as a new entry (its id then twice in
    the id list, once dead), every live id still counts once, through later changes too."""
    from search.backends.columns import CACHE
    from search.models import SearchEntry

    def held():
        return CACHE._by_database[connection.settings_dict["NAME"]]

    backend = get_search_backend("database")
    # Enough rows that one going away is caught up with, not read again in full (DEAD_SHARE).
    firsts = [make_report(grade="B") for _ in range(6)]
    backend.index(documents_for([r.report_id for r in firsts])[0])
    assert _grades(backend) == {"B": 6}
    rolled_back = make_report(grade="D")
    with pytest.raises(RuntimeError), transaction.atomic():
        backend.index(documents_for([rolled_back.report_id])[0])
        assert _grades(backend) == {"B": 6, "D": 1}  # the columns see the row
        raise RuntimeError
    assert _grades(backend) == {"B": 6}  # and see it go
    gone = set(held().ids) - set(held().live_ids())
    for grade in "AC":
        backend.index(documents_for([make_report(grade=grade).report_id])[0])
        assert _grades(backend)
        assert held().live_ids() == sorted(SearchEntry.objects.values_list("pk", flat=True))
    if connection.vendor == "sqlite":
        assert gone & set(held().live_ids())  # the id was given out again
    assert _grades(backend) == {"A": 1, "B": 6, "C": 1}


@pytest.mark.django_db
def test_columns_never_outlive_a_rolled_back_reindex():
    """A search inside a write that re-indexes a report (its old row deleted, a new one added)
    brings the columns to that state; after the rollback the old row is back and must count
    again, although as many rows are there as the columns hold."""
    backend = get_search_backend("database")
    kept = make_report(grade="B", inspection="墙体出现斜裂缝。")
    other = make_report(grade="C", inspection="楼板出现裂缝。")
    backend.index(documents_for([kept.report_id, other.report_id])[0])
    assert _grades(backend, "裂缝") == {"B": 1, "C": 1}
    with pytest.raises(RuntimeError), transaction.atomic():
        backend.index(documents_for([kept.report_id])[0])
        assert _grades(backend, "裂缝") == {"B": 1, "C": 1}
        raise RuntimeError
    later = make_report(grade="A", inspection="屋面板裂缝已修复。")
    backend.index(documents_for([later.report_id])[0])  # a new token, a row above all others
    assert _grades(backend, "裂缝") == {"A": 1, "B": 1, "C": 1}
    hits = backend.search(SearchQuery(text="裂缝")).hits
    assert {h.report_id for h in hits} == {kept.report_id, other.report_id, later.report_id}


@pytest.mark.django_db(transaction=True)
def test_columns_follow_a_write_committed_by_another_connection():
    backend = get_search_backend("database")
    report = make_report(grade="C", inspection="屋面板露筋锈胀。")  # indexed on acceptance
    assert _grades(backend, "露筋") == {"C": 1}

    def elsewhere(change):
        try:
            change(get_search_backend("database"))
        finally:
            connection.close()

    for change, expected in (
        (lambda b: b.delete([report.report_id]), {}),
        (lambda b: b.index(documents_for([report.report_id])[0]), {"C": 1}),
    ):
        worker = threading.Thread(target=elsewhere, args=(change,))
        worker.start()
        worker.join()
        assert _grades(backend, "露筋") == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_index_writers_commit_in_id_order_so_no_row_is_missed():
    """Two index writers: A takes its entry id first but commits last. Were B to commit in
    between, a search would bring the columns up to B's id and, catching up by ids above the
    highest held, never see A's row. The token's row lock, taken first by every writer,
    holds B back until A commits."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: its rows commit in id order anyway")
    backend = get_search_backend("database")
    a = make_report(grade="B", inspection="墙体出现斜裂缝。")
    b = make_report(grade="C", inspection="楼板出现裂缝。")
    backend.delete([a.report_id, b.report_id])
    assert _grades(backend, "裂缝") == {}
    a_wrote, a_may_commit = threading.Event(), threading.Event()
    a_ids: list[int] = []

    def waiting_for_a_lock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    def last_entry_id():  # sequences are not transactional: another's ids show at once
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_value FROM pg_sequences WHERE sequencename = 'search_searchentry_id_seq'"
            )
            return cursor.fetchone()[0]

    def write_a():
        try:
            with transaction.atomic():
                get_search_backend("database").index(documents_for([a.report_id])[0])
                a_ids.append(last_entry_id())
                a_wrote.set()
                a_may_commit.wait(30)
        finally:
            connection.close()

    def write_b():
        try:
            get_search_backend("database").index(documents_for([b.report_id])[0])
        finally:
            connection.close()

    writer_a = threading.Thread(target=write_a)
    writer_a.start()
    assert a_wrote.wait(30)
    writer_b = threading.Thread(target=write_b)
    writer_b.start()
    # B waits for A's lock (or, were it not held back, takes its id and commits).
    for _ in range(300):
        if last_entry_id() != a_ids[0] or not writer_b.is_alive() or waiting_for_a_lock():
            break
        time.sleep(0.05)
    assert last_entry_id() == a_ids[0], "B took an entry id while A had not committed"
    backend.search(SearchQuery(text="裂缝"))  # the columns catch up to what is committed
    a_may_commit.set()
    writer_a.join(30)
    writer_b.join(30)
    assert _grades(backend, "裂缝") == {"B": 1, "C": 1}


@pytest.mark.django_db
def test_columns_map_entry_ids_to_positions_as_of_their_token():
    """The id -> position list: ids not held map to None, a removed entry's id too, while
    columns an earlier search still uses keep their own view."""
    from search.backends.columns import CACHE
    from search.models import SearchEntry

    backend = get_search_backend("database")
    a, b = make_report(grade="B"), make_report(grade="C")
    backend.index(documents_for([a.report_id, b.report_id])[0])
    backend.search(SearchQuery())

    def held():
        return CACHE._by_database[connection.settings_dict["NAME"]]

    cols = held()
    ea, eb = (SearchEntry.objects.get(report_id=r.report_id).pk for r in (a, b))
    assert [cols.ids[p] for p in cols.positions_of([eb, ea])] == [eb, ea]
    pa, missing = cols.positions_of([ea, eb + 1000])
    assert (cols.ids[pa], missing) == (ea, None)
    assert sorted(cols.live_ids()) == sorted([ea, eb])
    backend.delete([a.report_id])
    assert _grades(backend) == {"C": 1}
    now = held()
    gone, pb = now.positions_of([ea, eb])
    assert (gone, now.ids[pb]) == (None, eb)
    assert [now.ids[p] for p in now.live()] == [eb]
    assert now.live_ids() == [eb]
    assert [cols.ids[p] for p in cols.positions_of([ea])] == [ea]
