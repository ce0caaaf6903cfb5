"""Stage 1: opening the file, rejecting what cannot be read, text per page, scans."""

from __future__ import annotations

import shutil

import pytest

from reports.pipeline import extract as extract_mod
from reports.pipeline import ocr
from reports.pipeline.extract import check_bytes, extract, read_label_tables

from . import pdfs


def codes(result):
    return [p.code for p in result.problems]


def test_empty_file():
    result = extract(b"")
    assert codes(result) == ["unreadable:empty"]
    assert result.rejected and result.pages == ()


def test_not_a_pdf_by_magic_bytes_whatever_the_name():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert codes(extract(png)) == ["unreadable:not_pdf"]
    assert codes(extract(b"<html><body>report</body></html>")) == ["unreadable:not_pdf"]


def test_magic_within_the_first_kilobyte_is_accepted():
    data = pdfs.report_pdf()
    assert check_bytes(b"\n" * 500 + data) is None
    assert check_bytes(b"\n" * 1100 + data).code == "unreadable:not_pdf"


def test_user_password_is_encrypted():
    result = extract(pdfs.encrypted())
    assert codes(result) == ["unreadable:encrypted"]
    assert "密码" in result.problems[0].message_zh


def test_owner_password_only_opens_normally():
    result = extract(pdfs.encrypted(user_password="", owner_password="owner"))
    assert not result.rejected
    assert "YC-JD-2022-0001" in result.pages[0].text


def test_truncated_file_is_not_called_not_pdf():
    data = pdfs.report_pdf()
    result = extract(data[: len(data) // 2])
    assert codes(result) == ["unreadable:truncated"]


def test_corrupt_body_with_an_end_marker_is_truncated():
    data = pdfs.report_pdf()
    corrupt = data[:20] + b"\x00" * (len(data) - 40) + data[-20:]
    assert codes(extract(corrupt)) == ["unreadable:truncated"]


def test_too_many_pages_before_reading_anything():
    data = pdfs.blank_pages(200)
    result = extract(data)
    assert codes(result) == ["too_large:pages"]
    assert result.page_count == 200 and result.pages == ()
    assert "200页" in result.problems[0].message_zh
    assert not extract(data, max_pages=250).rejected


def test_text_per_page_with_numbers():
    result = extract(pdfs.report_pdf())
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert all(p.source == "text" for p in result.pages)
    assert "房屋安全鉴定报告" in result.pages[0].text
    assert "\r" not in result.pages[1].text
    assert result.problems == () and result.complete and not result.ocr_used


def test_scan_without_ocr_is_needs_ocr_and_unread():
    result = extract(pdfs.scanned_pdf(["房屋安全鉴定报告"]), ocr=False)
    assert codes(result) == ["needs_ocr"]
    assert result.problems[0].severity == "info"
    assert result.pages[0].source == "image"
    assert not result.complete


def test_missing_tesseract_is_ocr_unavailable(monkeypatch):
    monkeypatch.setenv("JIANDING_TESSERACT", "/nonexistent/tesseract")
    result = extract(pdfs.scanned_pdf(["房屋安全鉴定报告"]))
    assert codes(result) == ["needs_ocr", "ocr_unavailable"]
    assert result.problems[1].severity == "blocking"
    assert "tesseract" in result.problems[1].message_zh


def test_tesseract_without_chinese_is_ocr_unavailable(monkeypatch, tmp_path):
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'List of available languages (1):'\necho eng\n")
    fake.chmod(0o755)
    monkeypatch.setenv("JIANDING_TESSERACT", str(fake))
    assert not ocr.availability().ok
    assert "chi_sim" in ocr.availability().reason


def test_ocr_timeout_is_a_page_warning(monkeypatch, tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    fake = tmp_path / "tesseract"
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "--list-langs" ]; then echo chi_sim; exit 0; fi\nsleep 5\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("JIANDING_TESSERACT", str(fake))
    result = extract(pdfs.scanned_pdf(["房屋安全鉴定报告"]), ocr_timeout=0.2)
    assert codes(result) == ["needs_ocr", "ocr_failed"]
    assert result.problems[1].severity == "warning" and result.problems[1].page == 1


@pytest.mark.slow
def test_scanned_page_is_read_by_ocr():
    if not ocr.availability().ok:
        pytest.skip(f"OCR unavailable: {ocr.availability().reason}")
    result = extract(
        pdfs.scanned_pdf(["房屋安全鉴定报告", "鉴定结论：该房屋危险性等级评定为C级。"])
    )
    assert codes(result) == ["needs_ocr"]
    assert result.ocr_used and result.pages[0].source == "ocr"
    assert "鉴定" in result.pages[0].text


def test_label_tables_are_read_only_on_request():
    data = pdfs.form_pdf([("房屋编号", "140802-000001"), ("产权人", "张三")])
    plain = extract(data).pages[0].text.split("\n")
    assert plain.index("张三") < plain.index("房屋编号")  # the text does not pair them
    rows = read_label_tables(data, [1])
    assert [r.cells for r in rows] == [("房屋编号", "140802-000001"), ("产权人", "张三")]
    assert read_label_tables(data, []) == ()
    assert read_label_tables(b"not a pdf", [1]) == ()


def test_image_coverage_tells_scans_from_text_pages():
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdfs.scanned_pdf(["扫描"]))
    try:
        assert extract_mod._image_coverage(doc[0]) > 0.9
    finally:
        doc.close()
    doc = pdfium.PdfDocument(pdfs.report_pdf())
    try:
        assert extract_mod._image_coverage(doc[0]) == 0
    finally:
        doc.close()
