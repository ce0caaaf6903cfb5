"""The `scanned` layout: another layout's pages as grey page images with scanner noise, no text.

Pages are rasterised with pypdfium2, turned grey, softened, given paper tone, a tiled noise
texture and a few specks, tilted by up to 1.5° on some pages, and (for some seeds) one page is
fed sideways (rotated 90°). The JPEG page images are placed on pages of their own size with
reportlab: the PDF has no text layer at all.
"""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

MAX_TILT = 1.5


def _noise_tile(rng: random.Random, size: int = 128) -> Image.Image:
    raw = Image.frombytes("L", (size, size), rng.randbytes(size * size))
    # Map uniform bytes to mostly-small offsets with a few larger ones (roughly bell-shaped).
    return raw.point(lambda v: int(((v - 128) / 128) ** 3 * 40 + 40))


def _scanify(img: Image.Image, rng: random.Random, *, tilt: float, sideways: bool) -> Image.Image:
    page = img.convert("L").filter(ImageFilter.GaussianBlur(0.55))
    # Paper tone: white becomes light grey, black a dark grey.
    lo, hi = rng.randint(18, 40), rng.randint(226, 240)
    page = page.point(lambda v: lo + v * (hi - lo) // 255)
    tile = _noise_tile(rng)
    noise = Image.new("L", page.size)
    ox, oy = rng.randrange(128), rng.randrange(128)
    for x in range(-ox, page.width, tile.width):
        for y in range(-oy, page.height, tile.height):
            noise.paste(tile, (x, y))
    page = ImageChops.subtract(ImageChops.add(page, noise), Image.new("L", page.size, 40))
    draw = ImageDraw.Draw(page)
    for _ in range(rng.randint(20, 80)):
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        r = rng.choice((1, 1, 2))
        draw.ellipse((x, y, x + r, y + r), fill=rng.randint(40, 120))
    if tilt:
        page = page.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=hi)
    if sideways:
        page = page.transpose(
            Image.Transpose.ROTATE_90 if rng.random() < 0.5 else Image.Transpose.ROTATE_270
        )
    return page


def scan_pdf(pdf: bytes, seed: int, *, dpi: int | None = None, quality: int = 55) -> bytes:
    """Rasterise `pdf` into an image-only PDF that looks scanned."""
    rng = random.Random(f"scan:{seed}")  # noqa: S311 - test data
    dpi = dpi or rng.choice((150, 160, 170, 180, 200))
    doc = pdfium.PdfDocument(pdf)
    try:
        n = len(doc)
        sideways_page = rng.randrange(1, n) if n > 1 and rng.random() < 0.5 else -1
        out = io.BytesIO()
        canv = Canvas(out, invariant=1)
        canv.setTitle("扫描件")
        for i in range(n):
            page = doc[i]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                img = bitmap.to_pil()
            finally:
                page.close()
            tilt = round(rng.uniform(-MAX_TILT, MAX_TILT), 2) if rng.random() < 0.6 else 0.0
            scanned = _scanify(img, rng, tilt=tilt, sideways=i == sideways_page)
            buf = io.BytesIO()
            scanned.save(buf, format="JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
            w_pt, h_pt = scanned.width * 72 / dpi, scanned.height * 72 / dpi
            canv.setPageSize((w_pt, h_pt))
            canv.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, w_pt, h_pt)
            canv.showPage()
        canv.save()
        return out.getvalue()
    finally:
        doc.close()
