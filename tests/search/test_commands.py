"""manage.py search_reports: one JSON object per hit, site-wide or in a user's scope."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from search.indexing import sync_reports
from tests.search.helpers import make_report

pytestmark = pytest.mark.django_db


def run(*args) -> list[dict]:
    out = io.StringIO()
    call_command("search_reports", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_prints_hits_as_json_lines(personas):
    a = make_report(grade="C", inspection="墙体出现斜裂缝。")
    b = make_report(grade="B", county="140821", inspection="墙体出现细微裂缝 & <b>。")
    sync_reports([a.report_id, b.report_id])
    hits = run("裂缝", "--json")
    assert {h["report_no"] for h in hits} == {a.fields["report_no"], b.fields["report_no"]}
    assert set(hits[0]) == {
        "report_id",
        "version_id",
        "report_no",
        "grade",
        "county",
        "firm",
        "score",
        "snippet",
    }
    assert "<mark>" not in json.dumps(hits) and any("& <b>" in h["snippet"] for h in hits)
    assert [h["grade"] for h in run("裂缝", "--filter", "grade=C", "--json")] == ["C"]
    assert [h["county"] for h in run("裂缝", "--as", "bureau_yanhu", "--json")] == ["盐湖区"]
    assert run("裂缝", "--as", "firm_b", "--json") == []


def test_bad_arguments_are_command_errors(personas):
    with pytest.raises(CommandError):
        run("裂缝", "--filter", "nonsense")
    with pytest.raises(CommandError):
        run("裂缝", "--as", "nobody")
