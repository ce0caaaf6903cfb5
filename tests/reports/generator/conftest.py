from __future__ import annotations

import random

import pytest

from reports.generator import LAYOUTS, ReportSpec, random_spec, render_report


@pytest.fixture(scope="session")
def rendered() -> dict[str, tuple[ReportSpec, bytes]]:
    """One report per layout, each from its own spec, rendered once per test session."""
    out = {}
    for i, layout in enumerate(LAYOUTS):
        spec = random_spec(random.Random(100 + i), extra_pages=1 if i % 2 else 0)
        out[layout] = (spec, render_report(spec, layout, seed=i))
    return out


def pytest_collection_modifyitems(items):
    # The generator needs no database: the PostgreSQL pass skips these (scripts/test.sh).
    for item in items:
        if "/tests/reports/generator/" in str(item.fspath):
            item.add_marker(pytest.mark.nodb)
