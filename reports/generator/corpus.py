"""render_corpus: many reports over every layout, with their expected contracts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from reports.generator.contract import expected_contract
from reports.generator.render import LAYOUTS, render_report
from reports.generator.spec import DEFECTS, apply_defect, random_spec

DEFECT_RATE = 0.25


def corpus_spec(seed: int, layout: str, index: int, *, defect_rate: float = DEFECT_RATE):
    """The spec of one corpus file: a random spec, with one content defect for about
    `defect_rate` of the files."""
    rng = random.Random(f"corpus:{seed}:{layout}:{index}")  # noqa: S311 - test data
    spec = random_spec(rng)
    if rng.random() < defect_rate:
        spec = apply_defect(spec, rng.choice(DEFECTS), rng)
    return spec


def render_corpus(
    out_dir: Path,
    count_per_layout: int,
    seed: int,
    *,
    layouts: tuple[str, ...] = LAYOUTS,
    defect_rate: float = DEFECT_RATE,
    write_truth: bool = False,
) -> list[tuple[Path, dict[str, Any]]]:
    """Write `count_per_layout` PDFs per layout to `out_dir` as `<layout>_<nnn>.pdf` and return
    (path, expected contract) pairs; with `write_truth` also `<stem>.json` beside each PDF."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for li, layout in enumerate(layouts):
        for i in range(count_per_layout):
            spec = corpus_spec(seed, layout, i, defect_rate=defect_rate)
            path = out_dir / f"{layout}_{i:03d}.pdf"
            path.write_bytes(render_report(spec, layout, seed=seed * 7919 + li * 1009 + i))
            contract = expected_contract(spec, path.name, layout=layout)
            if write_truth:
                path.with_suffix(".json").write_text(
                    json.dumps(contract, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
            results.append((path, contract))
    return results
