"""Standard codes and the editions table (data in reports/pipeline/standards.json)."""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

import pytest

from reports.pipeline import standards
from reports.pipeline.normalize import to_halfwidth

D = dt.date


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        ("JGJ 125-2016", "JGJ 125-2016"),
        ("JGJ125-2016", "JGJ 125-2016"),
        ("GB50023-2009", "GB 50023-2009"),
        ("GB/T50344-2019", "GB/T 50344-2019"),
        ("GB/T 50344—2019", "GB/T 50344-2019"),
        ("jgj/t 23-2011", "JGJ/T 23-2011"),
        ("GB 50011-2010（2016年版）", "GB 50011-2010(2016年版)"),
        ("GB50011-2010(2016 年版)", "GB 50011-2010(2016年版)"),
        ("JGJ 125-99", "JGJ 125-99"),
        ("GBJ 11-89", "GBJ 11-89"),
        ("DB4201/T 537-2018", "DB4201/T 537-2018"),
        ("ＧＢ　５００２３－２００９", "GB 50023-2009"),
    ],
)
def test_codes_are_normalised(printed, normalised):
    assert standards.parse_code(to_halfwidth(printed)) == normalised


def test_find_codes_in_order_with_offsets():
    text = "1．《危险房屋鉴定标准》JGJ 125-2016；2．委托书；3．GB 50023-2009；建办质函〔2022〕12号"
    assert [code for code, _ in standards.find_codes(text)] == ["JGJ 125-2016", "GB 50023-2009"]


def test_superseded_editions_keep_their_end_dates():
    assert standards.is_current("JGJ 125-99", D(2016, 11, 30)) is True
    assert standards.is_current("JGJ 125-99", D(2016, 12, 1)) is False
    assert standards.is_current("JGJ 125-2016", D(2016, 12, 1)) is True
    assert standards.is_current("GB 50292-1999", D(2016, 8, 1)) is False
    assert standards.is_current("GB 50023-95", D(2009, 7, 1)) is False
    assert standards.is_current("GB 50011-2010(2016年版)", D(2024, 7, 31)) is True
    assert standards.is_current("GB 50011-2010(2016年版)", D(2024, 8, 1)) is False
    assert standards.status("GB 55021-2021", D(2022, 3, 1)) == "not_yet"


def test_unknown_codes_are_unknown_not_outdated():
    assert standards.is_current("GB 99999-2020", D(2022, 1, 1)) is None
    assert standards.status("GB 99999-2020", D(2022, 1, 1)) == "unknown"


def test_replacement_is_the_series_edition_in_force():
    assert standards.replacement("JGJ 125-99", D(2022, 9, 1)).code == "JGJ 125-2016"
    assert (
        standards.replacement("GB 50011-2010(2016年版)", D(2025, 1, 1)).code
        == "GB/T 50011-2010(2024年版)"
    )
    assert standards.lookup("JGJ 125-99").withdrawn_on == D(2016, 12, 1)


def test_the_data_file_is_consistent():
    rows = json.loads(standards.DATA_FILE.read_text(encoding="utf-8"))["standards"]
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert standards.parse_code(row["code"]) == row["code"], row["code"]
        assert row["status"] in ("S", "K")
        assert row["severity_when_withdrawn"] in ("blocking", "warning")
        if row["valid_to"]:
            assert row["valid_from"] < row["valid_to"], row["code"]
    by_series: dict[str, list[standards.Edition]] = {}
    for edition in standards.editions().values():
        by_series.setdefault(edition.series, []).append(edition)
    for series, found in by_series.items():
        current = [e for e in found if e.valid_to is None]
        assert len(current) == 1, series  # exactly one current edition per standard
        found.sort(key=lambda e: e.valid_from)
        for older, newer in pairwise(found):
            if older.valid_to is not None and newer.valid_to is None:
                assert older.valid_to < newer.valid_from, (older.code, newer.code)
