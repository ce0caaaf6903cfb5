"""Server-rendered SVG charts: no JavaScript, no CDN, readable when printed.

Every chart is an <svg role="img"> with a <title> and a <desc> that states all its numbers in
words (what a screen reader reads), and prints each number on or beside its bar. Text is
escaped here; the returned markup is safe to insert into a template as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from collections.abc import Sequence

WIDTH = 440
BAR = 24
GAP = 10
FONT = 14
PAD = 8
INK = "#1f2328"
MUTED = "#59636e"
TRACK = "#eef2f6"

# Colours with dark text contrast on white; the same meaning keeps the same colour everywhere.
COLORS = {
    "stage": "#3b6fb6",
    "done": "#2e7d32",
    "open": "#c62828",
    "progress": "#ef8f00",
    "neutral": "#8c959f",
    "A": "#2e7d32",
    "B": "#1e88e5",
    "C": "#ef8f00",
    "D": "#c62828",
}


@dataclass(frozen=True)
class Segment:
    label: str
    color: str


def _text_width(text: str, size: float = FONT) -> float:
    """Rough advance of a label: CJK glyphs are square, Latin and digits about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _number(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _attr(value: object) -> str:
    return quoteattr(str(value))


def _open(chart_id: str, title: str, desc: str, height: float) -> list[str]:
    t, d = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id={_attr(chart_id)} '
        f'role="img" aria-labelledby="{t} {d}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{t}">{escape(title)}</title>',
        f'<desc id="{d}">{escape(desc)}</desc>',
    ]


def _label_column(labels: Sequence[str]) -> float:
    return min(max((_text_width(x) for x in labels), default=0) + 2 * PAD, WIDTH * 0.4)


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    colors: Sequence[str] | None = None,
    note: Sequence[str] | None = None,
    scale_max: float | None = None,
) -> SafeString:
    """Horizontal bars, longest = largest value; each value printed after its bar.

    note: optional text per bar printed after the value (e.g. a share of the first bar).
    scale_max: the value of a full-length bar (e.g. 100 for scores), default the largest.
    """
    labels = [label for label, _ in bars]
    left = _label_column(labels)
    right = 120 if note else 70
    span = WIDTH - left - right
    biggest = scale_max or max((v for _, v in bars), default=0) or 1
    height = len(bars) * (BAR + GAP) + GAP
    desc = "；".join(
        f"{label} {_number(value)}" + (f"（{note[i]}）" if note and note[i] else "")
        for i, (label, value) in enumerate(bars)
    )
    out = _open(chart_id, title, desc or "无数据", height)
    for i, (label, value) in enumerate(bars):
        y = GAP + i * (BAR + GAP)
        w = span * value / biggest
        color = colors[i] if colors else COLORS["stage"]
        mid = y + BAR / 2 + FONT * 0.35
        extra = f" {note[i]}" if note and note[i] else ""
        out += [
            f'<g data-bar={_attr(label)} data-value="{_number(value)}">',
            f'<text x="{left - PAD:.1f}" y="{mid:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>",
            f'<rect x="{left:.1f}" y="{y}" width="{span:.1f}" height="{BAR}" fill="{TRACK}"/>',
            f'<rect x="{left:.1f}" y="{y}" width="{max(w, 0):.1f}" height="{BAR}" '
            f'fill="{color}"><title>{escape(label)}：{_number(value)}</title></rect>',
            f'<text x="{left + w + 6:.1f}" y="{mid:.1f}" fill="{INK}" font-weight="bold">'
            f'{_number(value)}<tspan fill="{MUTED}" font-weight="normal">{escape(extra)}</tspan></text>',
            "</g>",
        ]
    out.append("</svg>")
    return mark_safe("".join(out))  # every text node and attribute is escaped above


def stacked_chart(
    chart_id: str,
    title: str,
    segments: Sequence[Segment],
    rows: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One horizontal bar per row split into segments, with a legend; the total printed after
    each bar and each segment's value inside it when it fits."""
    labels = [label for label, _ in rows]
    left = _label_column(labels)
    right = 60
    span = WIDTH - left - right
    biggest = max((sum(values) for _, values in rows), default=0) or 1
    legend_h = FONT + 2 * GAP
    height = legend_h + len(rows) * (BAR + GAP) + GAP
    desc = "；".join(
        f"{label}：" + "，".join(f"{s.label} {v}" for s, v in zip(segments, values, strict=True))
        for label, values in rows
    )
    out = _open(chart_id, title, desc or "无数据", height)
    x = left
    for s in segments:
        out += [
            f'<rect x="{x:.1f}" y="{GAP}" width="{FONT}" height="{FONT}" fill="{s.color}"/>',
            f'<text x="{x + FONT + 4:.1f}" y="{GAP + FONT - 2}" fill="{INK}">'
            f"{escape(s.label)}</text>",
        ]
        x += FONT + 4 + _text_width(s.label) + 2 * PAD
    for i, (label, values) in enumerate(rows):
        y = legend_h + i * (BAR + GAP)
        mid = y + BAR / 2 + FONT * 0.35
        total = sum(values)
        out += [
            f'<g data-bar={_attr(label)} data-value="{total}">',
            f'<text x="{left - PAD:.1f}" y="{mid:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>",
            f'<rect x="{left:.1f}" y="{y}" width="{span:.1f}" height="{BAR}" fill="{TRACK}"/>',
        ]
        x = left
        for s, v in zip(segments, values, strict=True):
            w = span * v / biggest
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" '
                    f'fill="{s.color}" data-segment={_attr(s.label)} data-value="{v}">'
                    f"<title>{escape(label)} {escape(s.label)}：{v}</title></rect>"
                )
                if w >= _text_width(str(v)) + 6:
                    out.append(
                        f'<text x="{x + w / 2:.1f}" y="{mid:.1f}" text-anchor="middle" '
                        f'fill="#fff" font-weight="bold">{v}</text>'
                    )
            x += w
        out += [
            f'<text x="{x + 6:.1f}" y="{mid:.1f}" fill="{INK}">{total}</text>',
            "</g>",
        ]
    out.append("</svg>")
    return mark_safe("".join(out))  # every text node and attribute is escaped above


def share_text(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else ""
