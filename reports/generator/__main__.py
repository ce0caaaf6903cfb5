"""python -m reports.generator OUT_DIR --per-layout N --seed S"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reports.generator.corpus import DEFECT_RATE, render_corpus
from reports.generator.fonts import cjk_font
from reports.generator.render import LAYOUTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.generator",
        description="Write generated appraisal-report PDFs and their <stem>.json truth files.",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--per-layout", type=int, default=2, help="reports per layout (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--layouts",
        default=",".join(LAYOUTS),
        help=f"comma-separated subset of {','.join(LAYOUTS)}",
    )
    parser.add_argument(
        "--defect-rate",
        type=float,
        default=DEFECT_RATE,
        help=f"share of reports with one content defect (default {DEFECT_RATE})",
    )
    args = parser.parse_args(argv)
    layouts = tuple(x.strip() for x in args.layouts.split(",") if x.strip())
    unknown = [x for x in layouts if x not in LAYOUTS]
    if unknown:
        parser.error(f"unknown layout(s): {', '.join(unknown)}")
    start = time.perf_counter()
    pairs = render_corpus(
        args.out_dir,
        args.per_layout,
        args.seed,
        layouts=layouts,
        defect_rate=args.defect_rate,
        write_truth=True,
    )
    font = cjk_font()
    sys.stdout.write(
        f"wrote {len(pairs)} reports and truth files to {args.out_dir} "
        f"in {time.perf_counter() - start:.1f}s (font: {font.path or font.name})\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
