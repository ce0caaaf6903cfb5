from __future__ import annotations

import json
from pathlib import Path

from reports.generator import LAYOUTS, render_corpus
from reports.generator.__main__ import main


def test_cli_writes_n_reports_per_layout_with_truth_files(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path), "--per-layout", "1", "--seed", "3"]) == 0
    pdfs = sorted(tmp_path.glob("*.pdf"))
    truths = sorted(tmp_path.glob("*.json"))
    assert len(pdfs) == len(truths) == len(LAYOUTS)
    assert {p.stem for p in pdfs} == {t.stem for t in truths}
    for truth in truths:
        data = json.loads(truth.read_text(encoding="utf-8"))
        assert data["file"] == f"{truth.stem}.pdf"
        assert ("needs_ocr" in data["problems"]) is truth.stem.startswith("scanned")
        assert (tmp_path / data["file"]).read_bytes().startswith(b"%PDF-")
    assert f"wrote {len(LAYOUTS)} reports" in capsys.readouterr().out


def test_render_corpus_matches_the_cli_and_marks_defects(tmp_path: Path) -> None:
    layouts = ("numbered_arabic", "bracketed")
    pairs = render_corpus(tmp_path, 6, seed=9, layouts=layouts, defect_rate=0.5)
    assert [p.name for p, _ in pairs] == [f"{x}_{i:03d}.pdf" for x in layouts for i in range(6)]
    assert all(p.is_file() for p, _ in pairs)
    assert not list(tmp_path.glob("*.json"))  # truth files only on request
    problems = [c["problems"] for _, c in pairs]
    assert any(problems) and not all(problems)
    assert all(c["valid"] is (not c["problems"]) for _, c in pairs)
    again = render_corpus(tmp_path / "again", 6, seed=9, layouts=layouts, defect_rate=0.5)
    assert [c for _, c in again] == [c for _, c in pairs]
