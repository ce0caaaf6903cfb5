"""The CJK font the generated PDFs use.

reportlab can embed TrueType outlines only (a .ttf, or a face of a .ttc), not the OpenType/CFF
Noto CJK fonts Debian installs by default. The project installs `fonts-wqy-zenhei`
(scripts/lib.sh, ensure_system_packages) and the font is found at run time:

1. `JIANDING_REPORT_FONT` (a path to a .ttf/.ttc) when set (`builtin` forces the fallback);
2. known Debian paths of WenQuanYi Zen Hei / Micro Hei and AR PL UMing / UKai;
3. `fc-match` for those families.

The font is embedded (subset) in every PDF, so the text layer and the rendering are the same on
every machine. When no usable TrueType CJK font exists (a fresh machine running the demo), the
generator falls back to reportlab's built-in CID font STSong-Light: the PDFs still open and
extract text, but the font is not embedded (viewers substitute their own), the site-photo and seal
images carry no lettering, and pages may look different from machine to machine.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

FONT_NAME = "JiandingCJK"
FALLBACK_CID = "STSong-Light"

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
FC_FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL UKai CN")

# Characters every generated report uses beyond GB2312 hanzi: a font lacking them is not used.
PROBE = "鉴定报告①㎡Ⅲ〔〕～—φγ"


@dataclass(frozen=True)
class CJKFont:
    name: str  # reportlab font name to use with setFont / ParagraphStyle
    path: str | None  # the TrueType file, None for the CID fallback
    embedded: bool


def _fc_match(family: str) -> str | None:
    exe = shutil.which("fc-match")
    if not exe:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [exe, "-f", "%{file}", family], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def candidate_paths() -> list[str]:
    paths = []
    env = os.environ.get("JIANDING_REPORT_FONT")
    if env and env.lower() != "builtin":
        paths.append(env)
    paths += KNOWN_PATHS
    for family in FC_FAMILIES:
        found = _fc_match(family)
        if found:
            paths.append(found)
    seen: list[str] = []
    for p in paths:
        if p not in seen and Path(p).suffix.lower() in {".ttf", ".ttc"} and Path(p).is_file():
            seen.append(p)
    return seen


def _try_register(path: str) -> bool:
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(FONT_NAME, path, subfontIndex=0)
    except (TTFError, OSError, ValueError, KeyError):
        return False
    if any(ord(ch) not in font.face.charToGlyph for ch in PROBE):
        return False
    pdfmetrics.registerFont(font)
    return True


def cjk_font() -> CJKFont:
    """Register and return the report font. `JIANDING_REPORT_FONT=builtin` forces the fallback."""
    return _load(allow_ttf=os.environ.get("JIANDING_REPORT_FONT", "").lower() != "builtin")


@functools.cache
def _load(*, allow_ttf: bool) -> CJKFont:
    if allow_ttf:
        for path in candidate_paths():
            if _try_register(path):
                return CJKFont(FONT_NAME, path, embedded=True)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    return CJKFont(FALLBACK_CID, None, embedded=False)


def has_glyph(ch: str) -> bool:
    font = cjk_font()
    if not font.embedded:
        return True
    face = pdfmetrics.getFont(font.name).face  # type: ignore[attr-defined]
    return ord(ch) in face.charToGlyph
