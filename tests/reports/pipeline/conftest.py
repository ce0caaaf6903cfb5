import pytest


def pytest_collection_modifyitems(items):
    # The pipeline is pure Python without Django: the PostgreSQL pass skips these (scripts/test.sh).
    for item in items:
        if "/tests/reports/pipeline/" in str(item.fspath):
            item.add_marker(pytest.mark.nodb)
