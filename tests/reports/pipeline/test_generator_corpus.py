"""The pipeline against reports.generator's corpus: every layout, expected_contract as truth.

Text layouts must match exactly. Scanned reports go through OCR, whose character errors no
parser can undo (「HFJC」 read as 「HPJC」): there the problems, validity and the fields that a
vocabulary or a pattern confirms must match, the free text must be close.
"""

from __future__ import annotations

import difflib

import pytest

generator = pytest.importorskip("reports.generator", reason="reports.generator is not there yet")

from reports.pipeline import ocr, parse_report  # noqa: E402

TEXT_LAYOUTS = tuple(layout for layout in generator.LAYOUTS if layout != "scanned")
PER_LAYOUT = 12
SEEDS = (1, 2)


def corpus(tmp_path_factory, layouts, count, seed):
    out = tmp_path_factory.mktemp(f"corpus{seed}")
    return generator.render_corpus(out, count, seed, layouts=layouts)


def test_there_are_at_least_five_text_layouts():
    assert len(TEXT_LAYOUTS) >= 5


@pytest.mark.parametrize("seed", SEEDS)
def test_text_layouts_reproduce_the_expected_contract(tmp_path_factory, seed):
    failures = []
    for path, expected in corpus(tmp_path_factory, TEXT_LAYOUTS, PER_LAYOUT, seed):
        got = parse_report(path).contract()
        if got != expected:
            diff = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
            failures.append(f"{path.name}: {diff}")
    assert not failures, "\n".join(failures)


def test_each_defect_is_found_on_every_text_layout(tmp_path):
    import random

    for layout in TEXT_LAYOUTS:
        for defect in generator.DEFECTS:
            rng = random.Random(f"{layout}:{defect}")
            spec = generator.apply_defect(generator.random_spec(rng), defect, rng)
            data = generator.render_report(spec, layout, seed=3)
            expected = generator.expected_contract(spec, "x.pdf", layout=layout)
            got = parse_report(data, file_name="x.pdf").contract()
            assert got == expected, (layout, defect)


# Scanned: OCR ---------------------------------------------------------------------------------

# Fields a known vocabulary or a strict pattern confirms (digits, codes, dates, grades).
CONFIRMED = ("building_no", "floors", "grade", "structure_type", "county", "seismic")
FREE_TEXT = ("report_no", "firm", "address", "owner", "load_system", "recommendation")
SCANNED_COUNT = 6


def similar(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 1.0 if a == b else 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


@pytest.mark.slow
def test_scanned_reports_within_ocr_tolerance(tmp_path_factory):
    if not ocr.availability().ok:
        pytest.skip(f"OCR unavailable: {ocr.availability().reason}")
    pairs = corpus(tmp_path_factory, ("scanned",), SCANNED_COUNT, 1)
    problems_ok = confirmed = confirmed_total = 0
    text_scores = []
    for path, expected in pairs:
        got = parse_report(path).contract()
        assert "needs_ocr" in got["problems"], path.name
        problems_ok += got["problems"] == expected["problems"]
        for name in CONFIRMED:
            confirmed_total += 1
            confirmed += got[name] == expected[name]
        text_scores += [similar(got[name], expected[name]) for name in FREE_TEXT]
    count = len(pairs)
    assert problems_ok >= count - 1, f"problem codes right in {problems_ok}/{count}"
    assert confirmed >= 0.8 * confirmed_total, f"confirmed fields {confirmed}/{confirmed_total}"
    assert sum(text_scores) / len(text_scores) >= 0.7
