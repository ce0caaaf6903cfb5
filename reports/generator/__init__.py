"""Generator of realistic house-safety appraisal report PDFs (房屋安全鉴定报告) for tests,
benchmarks and the demo.

    spec = random_spec(random.Random(1), grade="C")
    pdf = render_report(spec, "chapters_toc", seed=1)
    truth = expected_contract(spec, "report.pdf")

Layouts (LAYOUTS): numbered_cn, numbered_arabic, chapters_toc, form_table, bracketed, and
scanned (one of the others rasterised with scanner noise and no text layer). Everything is drawn
in code (no sample files) and is deterministic for a given spec and seed.

Font: an embedded TrueType CJK font (WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei, installed
by scripts/lib.sh); without one the generator falls back to reportlab's built-in, non-embedded
STSong-Light so the demo still works (see reports.generator.fonts).

CLI: ``python -m reports.generator OUT_DIR --per-layout N --seed S`` writes PDFs and
``<stem>.json`` truth files.
"""

from reports.generator.contract import expected_contract
from reports.generator.corpus import render_corpus
from reports.generator.render import LAYOUTS, render_report
from reports.generator.spec import DEFECTS, ReportSpec, apply_defect, random_spec

__all__ = [
    "DEFECTS",
    "LAYOUTS",
    "ReportSpec",
    "apply_defect",
    "expected_contract",
    "random_spec",
    "render_corpus",
    "render_report",
]
