"""OCR of page images with the tesseract binary (Debian ``tesseract-ocr`` + ``chi_sim``).

Run as a subprocess with ``OMP_THREAD_LIMIT=1`` (its OpenMP threads thrash on small machines) and
``--psm 1`` (orientation and script detection: a page scanned sideways still reads), with a
timeout. The binary is ``$JIANDING_TESSERACT`` or ``tesseract`` on the PATH.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

LANG = "chi_sim"
DEFAULT_TIMEOUT = 60.0


def tesseract_command() -> str:
    return os.environ.get("JIANDING_TESSERACT", "tesseract")


@dataclass(frozen=True)
class OcrAvailability:
    ok: bool
    reason: str = ""


@functools.lru_cache(maxsize=4)
def _availability(command: str) -> OcrAvailability:
    path = shutil.which(command)
    if path is None:
        return OcrAvailability(False, f"找不到文字识别程序 {command}")
    try:
        done = subprocess.run(  # noqa: S603
            [path, "--list-langs"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return OcrAvailability(False, f"文字识别程序无法运行：{exc}")
    langs = (done.stdout + done.stderr).decode("utf-8", "replace").split()
    if LANG not in langs:
        return OcrAvailability(False, f"文字识别程序缺少简体中文语言包 {LANG}")
    return OcrAvailability(True)


def availability() -> OcrAvailability:
    return _availability(tesseract_command())


def ocr_image(image: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Text of one page image (PNG/PNM bytes). Raises ``OcrError`` on failure or timeout."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    argv = [tesseract_command(), "stdin", "stdout", "-l", LANG, "--psm", "1"]
    try:
        done = subprocess.run(  # noqa: S603
            argv, input=image, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"文字识别超时（{timeout:.0f}秒）") from exc
    except OSError as exc:
        raise OcrError(f"文字识别程序无法运行：{exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise OcrError("文字识别失败" + (f"：{detail[0]}" if detail else ""))
    return done.stdout.decode("utf-8", "replace")


class OcrError(Exception):
    pass


RULE_WINDOW = 150  # px at 300 dpi (~13 mm): longer than any character stroke
RULE_DARKNESS = 0.75  # a window darker than this (relative to the paper) may be on a rule
RULE_MAX_THICKNESS = 8  # px: a rule is thin; a line of text is 15+ px of dark windows
RULE_CLEAR = 0.85  # ... and has clear paper just beside it
RULE_MARGIN = 4


def _paper_tone(image: Image.Image) -> int:
    histogram = image.histogram()
    half, seen = image.width * image.height / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 255


def _rule_runs(values: bytes, length: int, dark: int, clear: int) -> list[tuple[int, int]]:
    """Runs [start, end) of one window column that are dark, thin and between clear paper."""
    runs = []
    i = 0
    while i < length:
        if values[i] >= dark:
            i += 1
            continue
        start = i
        while i < length and values[i] < dark:
            i += 1
        before, after = start - RULE_MARGIN, i - 1 + RULE_MARGIN
        if (
            i - start <= RULE_MAX_THICKNESS
            and (before < 0 or values[before] >= clear)
            and (after >= length or values[after] >= clear)
        ):
            runs.append((max(0, start - 1), min(length, i + 1)))
    return runs


def _long_rules(per_window: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Keep runs that continue into a neighbouring window: a rule is longer than one window."""

    def overlaps(run: tuple[int, int], others: list[tuple[int, int]]) -> bool:
        return any(run[0] < end and start < run[1] for start, end in others)

    kept = []
    for i, runs in enumerate(per_window):
        neighbours = (per_window[i - 1] if i else []) + (
            per_window[i + 1] if i + 1 < len(per_window) else []
        )
        kept.append([run for run in runs if overlaps(run, neighbours)])
    return kept


def remove_rules(image: Image.Image) -> Image.Image:
    """Paint the ruling lines of tables in the paper's tone (grey image in, grey image out).

    Tesseract's layout analysis drops text inside ruled boxes (a cover table reads as nothing);
    without the lines it reads the cells. The page is averaged over long horizontal (and
    vertical) windows: a rule is a thin band of dark windows with clear paper on both sides,
    continuing into the next window; text, even a bold title, is a thick band or a short one.
    Pure PIL plus a scan of ~100k averaged pixels (~0.05 s per page).
    """
    width, height = image.size
    paper = _paper_tone(image)
    dark, clear = int(paper * RULE_DARKNESS), int(paper * RULE_CLEAR)
    mask = Image.new("L", image.size, 0)
    # Horizontal rules: windows along x, runs along y.
    columns = max(1, width // RULE_WINDOW)
    data = (
        image.resize((columns, height), Image.Resampling.BOX)
        .transpose(Image.Transpose.TRANSPOSE)
        .tobytes()
    )
    runs = [
        _rule_runs(data[c * height : (c + 1) * height], height, dark, clear) for c in range(columns)
    ]
    for col, found in enumerate(_long_rules(runs)):
        x0, x1 = col * width // columns, (col + 1) * width // columns
        for start, end in found:
            mask.paste(255, (x0, start, x1, end))
    # Vertical rules: windows along y, runs along x.
    rows = max(1, height // RULE_WINDOW)
    data = image.resize((width, rows), Image.Resampling.BOX).tobytes()
    runs = [_rule_runs(data[r * width : (r + 1) * width], width, dark, clear) for r in range(rows)]
    for row, found in enumerate(_long_rules(runs)):
        y0, y1 = row * height // rows, (row + 1) * height // rows
        for start, end in found:
            mask.paste(255, (start, y0, end, y1))
    if mask.getbbox() is None:
        return image
    return Image.composite(Image.new("L", image.size, paper), image, mask)


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _pnm(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PPM")  # uncompressed PGM: ~0.01 s where PNG takes ~1 s
    return buffer.getvalue()


def ocr_page(image: Image.Image, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Text of one rendered page (grey, 300 dpi).

    A page with ruled tables is read twice, as scanned and with its rules painted out, and the
    reading with more Chinese characters wins: removing the rules lets tesseract see boxed cells
    but can nick the text next to them, and which matters more depends on the page.
    """
    image = image.convert("L")
    text = ocr_image(_pnm(image), timeout=timeout)
    cleaned = remove_rules(image)
    if cleaned is image:
        return text
    try:
        other = ocr_image(_pnm(cleaned), timeout=timeout)
    except OcrError:
        return text
    return other if _cjk_count(other) > _cjk_count(text) else text
