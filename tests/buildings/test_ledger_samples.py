"""The shared sample ledger (../shared/samples/buildings.xlsx): exactly its 30 dirty rows rejected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from buildings.ledger import import_ledger
from buildings.models import Building

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "buildings.xlsx"
DIRTY_ROWS = [
    310, 360, 487, 501, 631, 683, 868, 892, 974, 1058, 1094, 1142, 1303, 1516, 1654,
    1894, 1940, 1959, 2034, 2050, 2114, 2142, 2272, 2488, 2532, 2702, 2785, 2802, 2816, 2843,
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not SAMPLE.exists(), reason=f"sample ledger not found at {SAMPLE} (../shared beside the repo)"
)


def test_the_sample_ledger_imports_all_but_its_dirty_rows(db):
    record = import_ledger(SAMPLE, today=dt.date(2026, 11, 29))
    assert sorted({e["row"] for e in record.errors}) == DIRTY_ROWS
    assert record.rejected == len(DIRTY_ROWS)
    assert record.imported == 2970
    assert Building.objects.count() == 2970
    # A duplicate keeps the first row: 140802-000242 stays the house of row 163.
    assert {e["message"] for e in record.errors if e["row"] == 310} == {"房屋编号与第163行重复"}

    again = import_ledger(SAMPLE, today=dt.date(2026, 11, 29))
    assert again.summary == "imported 0, updated 2970, rejected 30"
