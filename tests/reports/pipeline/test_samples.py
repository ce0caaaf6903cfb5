"""The shared sample reports (../shared/samples beside the repository) against their truth files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.pipeline import ocr, parse_report

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples"
REPORTS = SAMPLES / "reports"
TRUTH = SAMPLES / "truth"

if not TRUTH.is_dir():
    pytest.skip(f"sample reports not found at {SAMPLES}", allow_module_level=True)

STEMS = sorted(p.stem for p in TRUTH.glob("*.json"))
SCANNED = {stem for stem in STEMS if stem.startswith("scanned")}


def truth(stem: str) -> dict:
    return json.loads((TRUTH / f"{stem}.json").read_text(encoding="utf-8"))


def check(stem: str) -> None:
    expected = truth(stem)
    result = parse_report(REPORTS / expected["file"])
    contract = result.contract()
    if expected["valid"]:
        assert contract["valid"], [p.message_zh for p in result.problems if p.blocking]
        assert contract == expected
    else:
        assert contract["problems"] == expected["problems"]
        assert contract == expected


@pytest.mark.parametrize("stem", [s for s in STEMS if s not in SCANNED])
def test_sample(stem):
    check(stem)


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(SCANNED))
def test_scanned_sample(stem):
    if not ocr.availability().ok:
        pytest.skip(f"OCR unavailable: {ocr.availability().reason}")
    check(stem)
