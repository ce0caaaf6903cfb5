"""Upload checks: content type by magic bytes, size caps, photos made safe (orientation, no GPS)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from reports.uploads import UploadRejected, check_pdf, process_photo

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def jpeg_with_exif(orientation: int, gps: bool, size=(120, 60)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows orientation
    exif = Image.Exif()
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (35.0, 1.0, 2.0), 3: "E", 4: (111.0, 0.0, 3.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_pdf_is_recognised_by_content_not_name():
    checked = check_pdf(SimpleUploadedFile("报告.pdf", MINIMAL_PDF))
    assert checked.size == len(MINIMAL_PDF) and len(checked.sha256) == 64
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    with pytest.raises(UploadRejected, match="不是PDF"):
        check_pdf(SimpleUploadedFile("renamed.pdf", png.getvalue(), content_type="application/pdf"))
    with pytest.raises(UploadRejected, match="为空"):
        check_pdf(SimpleUploadedFile("empty.pdf", b""))


@override_settings(REPORTS={**settings.REPORTS, "max_pdf_bytes": 100})
def test_pdf_size_cap():
    with pytest.raises(UploadRejected, match="上限"):
        check_pdf(SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"0" * 200))


def test_hostile_file_name_is_only_a_label():
    checked = check_pdf(SimpleUploadedFile("../../etc/passwd\x00.pdf", MINIMAL_PDF))
    assert "/" not in checked.name and "\x00" not in checked.name


def test_photo_is_turned_upright_and_loses_gps(db):
    processed = process_photo(
        SimpleUploadedFile("crack.jpg", jpeg_with_exif(6, gps=True)), folder="test-photos"
    )
    with default_storage.open(processed.image_key) as f:
        image = Image.open(f)
        image.load()
    assert (image.width, image.height) == (60, 120)  # orientation 6: rotated 90°
    assert 0x8825 not in image.getexif() and 0x0112 not in image.getexif()
    with default_storage.open(processed.thumbnail_key) as f:
        assert 0x8825 not in Image.open(f).getexif()
    with default_storage.open(processed.original_key) as f:
        assert 0x8825 in Image.open(f).getexif()  # the original is kept unchanged (private)
    assert "test-photos/" in processed.original_key and "crack" not in processed.original_key


def test_photo_type_and_damage_are_refused_in_chinese():
    with pytest.raises(UploadRejected, match="不是JPEG或PNG"):
        process_photo(SimpleUploadedFile("x.jpg", b"GIF89a....."), folder="t")
    with pytest.raises(UploadRejected, match="已损坏"):
        process_photo(SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50), folder="t")


def test_decompression_bomb_is_refused():
    # A tiny PNG that declares a huge canvas: refused from its header, never decoded.
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG", optimize=True)
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(UploadRejected, match="像素过大"):
        process_photo(SimpleUploadedFile("bomb.png", bomb.getvalue()), folder="t")
