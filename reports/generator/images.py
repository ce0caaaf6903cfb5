"""Small synthetic images drawn with Pillow: site photos and the firm's red seal.

Everything is drawn from a seeded `random.Random`, so the bytes are the same on every run.
"""

from __future__ import annotations

import functools
import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from reports.generator.fonts import cjk_font

PHOTO_SIZE = (480, 360)

PHOTO_KINDS = ("facade", "wall_crack", "slab", "roof", "foundation", "testing")


def _jpeg(img: Image.Image, quality: int = 70) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _shade(rng: random.Random, base: tuple[int, int, int], spread: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rng.randint(-spread, spread))) for c in base)  # type: ignore[return-value]


def _bricks(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    bw, bh = 34, 12
    for row, y in enumerate(range(y0, y1, bh)):
        offset = (bw // 2) * (row % 2)
        for x in range(x0 - offset, x1, bw):
            draw.rectangle(
                (max(x, x0), y, min(x + bw - 2, x1), min(y + bh - 2, y1)),
                fill=_shade(rng, (156, 82, 60), 18),
            )


def _crack(
    draw: ImageDraw.ImageDraw, rng: random.Random, start: tuple[int, int], steps: int
) -> None:
    x, y = start
    angle = rng.uniform(0.6, 1.2)
    width = rng.randint(2, 4)
    for _ in range(steps):
        angle += rng.uniform(-0.5, 0.5)
        nx, ny = x + 14 * math.cos(angle), y + 14 * math.sin(angle)
        draw.line((x, y, nx, ny), fill=(25, 22, 20), width=width)
        x, y = nx, ny
        width = max(1, width + rng.choice((-1, 0, 0, 1)))


def make_photo(rng: random.Random, kind: str, floors: int = 2) -> bytes:
    """A JPEG (~15–30 KB) that looks enough like a site photo of `kind` (see PHOTO_KINDS)."""
    w, h = PHOTO_SIZE
    img = Image.new("RGB", PHOTO_SIZE, (200, 200, 200))
    draw = ImageDraw.Draw(img)
    if kind == "facade":
        for y in range(h):  # sky gradient
            c = 150 + y * 90 // h
            draw.line((0, y, w, y), fill=(c - 40, c - 10, min(255, c + 30)))
        ground = h - rng.randint(40, 70)
        draw.rectangle((0, ground, w, h), fill=_shade(rng, (120, 110, 95), 10))
        storeys = max(1, min(floors, 6))
        bw = rng.randint(260, 360)
        bx = (w - bw) // 2 + rng.randint(-40, 40)
        sh = min(70, (ground - 40) // storeys)
        top = ground - sh * storeys
        wall = rng.choice(((205, 195, 175), (190, 160, 140), (220, 220, 210)))
        draw.rectangle((bx, top, bx + bw, ground), fill=_shade(rng, wall, 12))
        draw.polygon(
            ((bx - 12, top), (bx + bw // 2, top - rng.randint(20, 50)), (bx + bw + 12, top)),
            fill=_shade(rng, (90, 70, 60), 15),
        )
        for s in range(storeys):
            y0 = top + s * sh + sh // 4
            for k in range(rng.randint(2, 4)):
                x0 = bx + 20 + k * (bw - 40) // 4
                draw.rectangle(
                    (x0, y0, x0 + 34, y0 + sh // 2), fill=(70, 90, 110), outline=(240, 240, 240)
                )
        door = bx + bw // 2 - 18
        draw.rectangle((door, ground - 52, door + 36, ground), fill=(110, 60, 40))
    elif kind == "wall_crack":
        _bricks(draw, rng, (0, 0, w, h))
        if rng.random() < 0.5:  # plastered wall instead of bare brick
            draw.rectangle((0, 0, w, h), fill=_shade(rng, (214, 208, 196), 8))
        _crack(draw, rng, (rng.randint(40, w // 2), rng.randint(10, 80)), rng.randint(14, 26))
        draw.rectangle((w - 70, h - 40, w - 10, h - 30), fill=(230, 200, 40))  # crack gauge
    elif kind == "slab":
        draw.rectangle((0, 0, w, h), fill=_shade(rng, (170, 170, 165), 10))
        for k in range(rng.randint(3, 6)):
            y = 40 + k * 55 + rng.randint(-8, 8)
            draw.line(
                (rng.randint(0, 60), y, w - rng.randint(0, 60), y), fill=(130, 70, 40), width=4
            )
        for _ in range(rng.randint(4, 9)):
            x, y = rng.randint(0, w), rng.randint(0, h)
            r = rng.randint(12, 40)
            draw.ellipse(
                (x - r, y - r // 2, x + r, y + r // 2), fill=_shade(rng, (120, 115, 110), 12)
            )
    elif kind == "roof":
        for y in range(0, h, 18):
            draw.rectangle((0, y, w, y + 16), fill=_shade(rng, (100, 95, 92), 14))
        for x in range(20, w, 90):
            draw.line((x, 0, x + rng.randint(-30, 30), h), fill=(85, 60, 40), width=9)
    elif kind == "foundation":
        draw.rectangle((0, 0, w, h * 2 // 3), fill=_shade(rng, (200, 190, 170), 8))
        draw.rectangle((0, h * 2 // 3, w, h), fill=_shade(rng, (150, 145, 135), 8))
        _crack(draw, rng, (rng.randint(80, w - 80), h * 2 // 3 - 5), rng.randint(8, 14))
    else:  # testing: a rebound hammer against a wall
        draw.rectangle((0, 0, w, h), fill=_shade(rng, (200, 196, 188), 8))
        for gx in range(120, 360, 30):
            for gy in range(90, 270, 30):
                draw.rectangle((gx, gy, gx + 2, gy + 2), fill=(60, 60, 60))
        draw.rectangle((300, 150, 460, 190), fill=(40, 80, 160))
        draw.rectangle((260, 162, 300, 178), fill=(30, 30, 30))
    img = img.filter(ImageFilter.GaussianBlur(0.7))
    return _jpeg(img)


@functools.lru_cache(maxsize=16)
def seal_png(firm: str, px: int = 240) -> bytes:
    """The firm's round red seal (房屋安全鉴定专用章) as a semi-transparent PNG."""
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (205, 30, 35, 185)
    c = px / 2
    r = px / 2 - 6
    draw.ellipse((6, 6, px - 6, px - 6), outline=red, width=max(4, px // 40))
    # Five-pointed star.
    pts = []
    for k in range(10):
        rad = (px * 0.13) if k % 2 == 0 else (px * 0.05)
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((c + rad * math.cos(a), c + rad * math.sin(a)))
    draw.polygon(pts, fill=red)
    font = cjk_font()
    if font.path:
        chars = list(firm)
        span = math.radians(250)
        size = int(min(px * 0.11, span * (r - px * 0.09) / len(chars) * 0.98))
        ttf = ImageFont.truetype(font.path, size, index=0)
        for i, ch in enumerate(chars):
            a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(chars)
            glyph = Image.new("RGBA", (size + 6, size + 6), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((3, 0), ch, font=ttf, fill=red)
            glyph = glyph.rotate(
                -math.degrees(a) - 90, resample=Image.Resampling.BICUBIC, expand=True
            )
            gx = c + (r - size * 0.85) * math.cos(a) - glyph.width / 2
            gy = c + (r - size * 0.85) * math.sin(a) - glyph.height / 2
            img.alpha_composite(glyph, (int(gx), int(gy)))
        small = ImageFont.truetype(font.path, int(px * 0.065), index=0)
        text = "房屋安全鉴定专用章"
        tw = draw.textlength(text, font=small)
        draw.text((c - tw / 2, c + px * 0.2), text, font=small, fill=red)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
