"""Benchmark of the report pipeline against bare pdfplumber ``extract_text()``.

    .venv/bin/python bench/parse.py [--repeat 3] [--no-scan]

Generated reports (``reports.generator`` when present, else a plain reportlab report) cut to 2,
12 and 60 pages, and one scanned page. For each file: seconds per page of the whole pipeline
(``parse_report``: open, checks, text, normalise, sections, fields, validation) and of bare
pdfplumber (open, ``extract_text()`` and ``close()`` for every page), median of the runs, and
their ratio. Goal: pipeline <= 1.0x pdfplumber for text PDFs. The scanned page shows the OCR
cost (pdfplumber finds no text there, so its ratio means nothing).

Needs no Django: the pipeline is pure Python.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# bench/ holds a queue.py that would shadow the standard library's queue module: take the
# folder off the import path, put the repository on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from reports.pipeline import parse_report  # noqa: E402

GOAL_RATIO = 1.0
SIZES = (2, 12, 60)


def first_pages(data: bytes, count: int) -> bytes:
    """The first ``count`` pages of a PDF as a new PDF."""
    source = pdfium.PdfDocument(data)
    target = pdfium.PdfDocument.new()
    try:
        target.import_pages(source, list(range(min(count, len(source)))))
        buffer = io.BytesIO()
        target.save(buffer)
        return buffer.getvalue()
    finally:
        target.close()
        source.close()


def page_count(data: bytes) -> int:
    doc = pdfium.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()


def generated_report(pages: int, *, scanned: bool = False) -> tuple[bytes, str]:
    """A report of exactly ``pages`` pages (more measurement pages, then cut)."""
    try:
        from reports.generator import random_spec, render_report
    except ImportError:
        return fallback_report(pages), "reportlab fallback"
    layout = "scanned" if scanned else "numbered_cn"
    extra = 0
    while True:
        spec = random_spec(random.Random(pages), extra_pages=extra, grade="C")
        data = render_report(spec, layout, seed=pages)
        found = page_count(data)
        if found >= pages:
            return first_pages(data, pages), f"reports.generator {layout}"
        extra += pages - found


def fallback_report(pages: int) -> bytes:
    """A plain Chinese text report when reports.generator is not there."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    headings = ["一、房屋概况", "二、鉴定依据", "三、现场检查情况", "四、结构体系及承载能力",
                "五、抗震性能评价", "六、鉴定结论", "七、处理建议"]  # fmt: skip
    for number in range(1, pages + 1):
        canvas.setFont("STSong-Light", 9)
        canvas.drawString(60, 810, "运城市测试房屋安全鉴定有限公司 报告编号：CS-JD-2022-0001")
        canvas.setFont("STSong-Light", 11)
        y = 780
        if number <= len(headings):
            canvas.drawString(60, y, headings[number - 1])
            y -= 18
        while y > 60:
            canvas.drawString(
                60, y, "该房屋墙体局部出现斜裂缝，最大宽度2.0mm，构件检查结果见下表。"
            )
            y -= 18
        canvas.drawString(260, 40, f"第 {number} 页 共 {pages} 页")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def bare_pdfplumber(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def pipeline(data: bytes) -> None:
    parse_report(data, file_name="bench.pdf")


def timed(run: Callable[[bytes], None], data: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-scan", action="store_true", help="skip the scanned page (OCR)")
    args = parser.parse_args()

    start = time.perf_counter()
    parse_report(b"", file_name="warm.pdf")  # import costs out of the way
    pdfplumber.open(io.BytesIO(fallback_report(1))).close()
    print(f"warm-up {time.perf_counter() - start:.2f} s\n")

    cases: list[tuple[str, bytes, str]] = []
    for size in SIZES:
        data, source = generated_report(size)
        cases.append((f"text {size} p", data, source))
    if not args.no_scan:
        data, source = generated_report(1, scanned=True)
        cases.append(("scan 1 p", data, source))

    print(
        f"{'file':<11} {'pages':>5} {'pipeline s/p':>13} {'pdfplumber s/p':>15} {'ratio':>6}  source"
    )
    worst = 0.0
    for name, data, source in cases:
        pages = page_count(data)
        ours = timed(pipeline, data, args.repeat) / pages
        bare = timed(bare_pdfplumber, data, args.repeat) / pages
        ratio = ours / bare if bare else float("inf")
        if name.startswith("text"):
            worst = max(worst, ratio)
        print(f"{name:<11} {pages:>5} {ours:>13.4f} {bare:>15.4f} {ratio:>5.2f}x  {source}")
    verdict = "ok" if worst <= GOAL_RATIO else "OVER GOAL"
    print(f"\nworst text ratio {worst:.2f}x (goal <= {GOAL_RATIO:.1f}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
