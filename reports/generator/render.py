"""render_report: one spec, one layout, one seed → PDF bytes."""

from __future__ import annotations

import random

from reports.generator.layouts import TEXT_LAYOUTS
from reports.generator.scan import scan_pdf
from reports.generator.spec import ReportSpec

LAYOUTS: tuple[str, ...] = (*TEXT_LAYOUTS, "scanned")


def scanned_base_layout(seed: int) -> str:
    """The text layout a `scanned` report of this seed is a scan of."""
    return random.Random(f"scanned-base:{seed}").choice(tuple(TEXT_LAYOUTS))  # noqa: S311 - test data


def render_report(spec: ReportSpec, layout: str, *, seed: int = 0) -> bytes:
    """The PDF of `spec` in `layout` (one of LAYOUTS); the same bytes for the same arguments."""
    if layout == "scanned":
        base = TEXT_LAYOUTS[scanned_base_layout(seed)](spec, seed).render()
        return scan_pdf(base, seed)
    try:
        cls = TEXT_LAYOUTS[layout]
    except KeyError:
        raise ValueError(
            f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}"
        ) from None
    return cls(spec, seed).render()
