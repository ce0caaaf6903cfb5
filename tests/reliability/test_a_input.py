"""RELIABILITY.md group A, cases 1-17: hostile input gets a clear Chinese answer and a terminal
state, never a 500, and nothing is left half-written.

Cases already covered elsewhere (not repeated here):

- 1  tests/reports/test_uploads.py::test_pdf_is_recognised_by_content_not_name,
     tests/portal/test_report_views.py::test_hostile_uploads_get_chinese_messages_and_leave_nothing
- 3  tests/reports/test_uploads.py::test_hostile_file_name_is_only_a_label
- 4  tests/portal/test_report_views.py::test_an_oversized_upload_is_stopped_while_streaming;
     tests/api/ covers 413 for the API.
- 6  tests/reports/test_uploads.py::test_decompression_bomb_is_refused
- 7  tests/reports/test_uploads.py::test_photo_is_turned_upright_and_loses_gps (renditions)
- 10 tests/reports/pipeline/test_extract.py::test_user_password_is_encrypted,
     ::test_owner_password_only_opens_normally (pipeline level)
- 12 tests/reports/pipeline/test_extract.py (empty, not PDF, truncated, corrupt body)
- 16 search ordering/filter injection: tests/search/ and tests/api/ (schemathesis fuzzing)
- 17 tests/portal/test_settings.py::test_production_settings_pass_check_deploy_without_warnings
     (check --deploy --fail-level WARNING with production settings: HSTS, secure cookies,
     SSL redirect, DEBUG, SECRET_KEY); CSP and login throttling are tested by h6's modules.

The bomb and hang cases run the real parse subprocess, with the limits lowered in the test.

Deployment checks (only the web server can show them; verify on every deployment):

- 4  nginx `client_max_body_size 60m;` (just above REPORT_MAX_PDF_MB): a larger body is a 413
     from nginx. `client_body_timeout 30s;` and `send_timeout 30s;`: a trickled body is cut off.
     `curl -sS -o /dev/null -w '%{http_code}' -F pdf=@big.bin https://HOST/firm/tasks/1/upload/`
     must print 413.
- 2, 8  uploads are only ever served through the permission-checking views (attachment,
     nosniff, `Content-Security-Policy: sandbox`); nginx must not expose MEDIA_ROOT
     (`location /media/ { internal; }` or no location at all), and S3 buckets stay private.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import importlib.metadata
import io
import logging
import pickle
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image, ImageFile

from reports.management.commands.sweep_orphans import orphans
from reports.models import ReportPhoto, ReportState, ReportVersion
from reports.pipeline import ocr, parse_report
from reports.workflow import version_upload
from tests.reliability import hostile as h

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
TERMINAL = (ReportState.PARSED, ReportState.PARSE_FAILED)
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    # Files outlive the rolled-back test database: each test counts only its own.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def tight(settings):
    """Parse limits low enough that bombs and hangs end within seconds."""
    settings.REPORTS = {
        **settings.REPORTS,
        "parse_timeout_seconds": 20,
        "parse_memory_bytes": 400 * 1024 * 1024,
        "max_pages": 20,
    }
    return settings.REPORTS


def post(client, case, pdf: bytes | None, name="报告.pdf", photos=(), headers=None, **fields):
    data = {"photos": list(photos), **fields}
    if pdf is not None:
        data["pdf"] = SimpleUploadedFile(name, pdf, content_type="application/pdf")
    return client.post(reverse("report_upload", args=[case.task.pk]), data, headers=headers)


def photo(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def refused(response, expected: str) -> None:
    """A refused upload: 400, the form shown again with the Chinese reason, nothing stored."""
    body = response.content.decode()
    assert response.status_code == 400, (response.status_code, body[:300])
    assert expected in body, body[body.find("errorlist") : body.find("errorlist") + 400]
    nothing_stored()


def nothing_stored() -> None:
    assert ReportVersion.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert stored_files() == []


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(
        str(p.relative_to(root))
        for folder in ("reports", "photos")
        for p in (root / folder).rglob("*")
        if p.is_file()
    )


def consistent() -> None:
    """Every version's file exists and every stored file has its row."""
    for version in ReportVersion.objects.all():
        assert default_storage.exists(version.file.name), version.file.name
    assert orphans(dt.timedelta(0)) == []


def uploaded_and_parsed(client, case, data: bytes, capture, name="报告.pdf") -> ReportVersion:
    client.force_login(case.member)
    with capture(execute=True):
        response = post(client, case, data, name=name)
    assert response.status_code == 302, response.content.decode()[:500]
    version = ReportVersion.objects.get(
        report__task=case.task, sha256=hashlib.sha256(data).hexdigest()
    )
    assert version.state in TERMINAL, version.state
    consistent()
    return version


def failed_with(version: ReportVersion, *codes: str) -> None:
    assert version.state == ReportState.PARSE_FAILED, (version.state, version.problems)
    assert version.failure_code in codes, (version.failure_code, version.failure_message)
    assert CJK.search(version.failure_message), version.failure_message
    assert default_storage.exists(version.file.name)  # the upload itself is kept


# ---------------------------------------------------------------- case 1


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (h.HTML, "报告.pdf", "不是PDF"),
        (h.png_bytes(), "报告.pdf", "不是PDF"),
        (h.ELF, "报告.pdf", "不是PDF"),
        (h.zip_file(), "报告.pdf", "不是PDF"),
        (h.text_page_pdf(), "报告.jpg", "扩展名须为 .pdf"),
        (h.text_page_pdf(), "报告", "扩展名须为 .pdf"),
    ],
    ids=["html", "png", "elf", "zip", "pdf-named-jpg", "no-extension"],
)
def test_case_01_type_spoofing_of_the_report(client, report_case, data, name, expected, caplog):
    client.force_login(report_case.member)
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        refused(post(client, report_case, data, name=name), expected)
    assert any("upload refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (h.text_page_pdf(), "现场.jpg", "不是JPEG或PNG"),
        (h.jpeg_bytes(), "现场.png", "扩展名与内容不符"),
        (h.png_bytes(), "现场.jpg", "扩展名与内容不符"),
        (h.HTML, "现场.png", "不是JPEG或PNG"),
    ],
    ids=["pdf-as-jpg", "jpeg-named-png", "png-named-jpg", "html-as-png"],
)
def test_case_01_type_spoofing_of_a_photo(client, report_case, data, name, expected):
    client.force_login(report_case.member)
    response = post(client, report_case, report_case.render(), photos=[photo(name, data)])
    refused(response, expected)  # the report is not stored either: one upload, one answer


def test_case_01_a_large_refused_upload_leaves_no_temp_file(
    client, report_case, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spooled to a temporary file on disk
    client.force_login(report_case.member)
    refused(post(client, report_case, h.HTML * 100), "不是PDF")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- case 2


@pytest.mark.parametrize(
    "data", [h.pdf_html_polyglot(), h.pdf_zip_polyglot()], ids=["pdf+html", "pdf+zip"]
)
def test_case_02_pdf_polyglot_is_only_ever_served_as_an_attachment(
    client, report_case, data, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(client, report_case, data, django_capture_on_commit_callbacks)
    response = client.get(reverse("report_file", args=[version.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data  # the original, unchanged
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_case_02_png_html_polyglot_is_re_encoded_before_it_is_shown(
    client, report_case, django_capture_on_commit_callbacks
):
    client.force_login(report_case.member)
    response = post(
        client,
        report_case,
        report_case.render(),
        photos=[photo("现场.png", h.png_html_polyglot())],
    )
    assert response.status_code == 302
    stored = ReportPhoto.objects.get()
    for kind in ("image", "thumb", "original"):
        served = client.get(reverse("report_photo", args=[stored.pk, kind]))
        body = b"".join(served.streaming_content) if served.streaming else served.content
        assert b"<script>" not in body, kind
        assert served["Content-Type"] in ("image/jpeg", "image/png"), kind
        assert served["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served["Content-Security-Policy"]
    original = client.get(reverse("report_photo", args=[stored.pk, "original"]))
    assert original["Content-Disposition"].startswith("attachment")


# ---------------------------------------------------------------- case 3


@pytest.mark.parametrize("name", h.HOSTILE_NAMES, ids=range(len(h.HOSTILE_NAMES)))
def test_case_03_hostile_file_names_are_labels_only(report_case, name):
    data = h.text_page_pdf(b"name test")
    version, created = version_upload(
        task=report_case.task, user=report_case.member, pdf=SimpleUploadedFile(name, data)
    )
    assert created
    assert re.fullmatch(rf"reports/{report_case.task.pk}/[0-9a-f]{{32}}\.pdf", version.file.name)
    assert stored_files() == [version.file.name]
    label = version.original_name
    assert label and len(label) <= 200
    assert not set(label) & {"/", "\\", "\x00", "\r", "\n", "\u202e"}, repr(label)
    assert all(ch.isprintable() for ch in label)


def test_case_03_download_header_cannot_be_injected(client, report_case):
    client.force_login(report_case.member)
    response = post(
        client, report_case, report_case.render(), photos=[photo("现场.jpg", h.jpeg_bytes())]
    )
    assert response.status_code == 302
    # However a label got there, it is encoded into filename*= and cannot break the header.
    ReportPhoto.objects.update(original_name='a"b\r\nSet-Cookie: x=1;\u202e名.jpg')
    stored = ReportPhoto.objects.get()
    served = client.get(reverse("report_photo", args=[stored.pk, "original"]))
    header = served["Content-Disposition"]
    assert header.startswith("attachment; filename*=UTF-8''")
    assert not set(header) & {"\r", "\n", '"', "\u202e"}, header
    assert header.count(";") == 1, header  # the label's own ";" is percent-encoded
    assert "x=1" not in served.headers.get("Set-Cookie", "")


# ---------------------------------------------------------------- case 4


def test_case_04_an_oversized_photo_is_stopped_while_streaming(client, report_case, settings):
    settings.REPORTS = {**settings.REPORTS, "max_photo_bytes": 4096, "max_pdf_bytes": 4096}
    client.force_login(report_case.member)
    big = photo("现场.jpg", h.jpeg_bytes() + b"\0" * 50_000)
    response = post(client, report_case, h.text_page_pdf(), photos=[big])
    assert response.status_code == 302  # back to the task, with the message
    assert "超过大小上限" in client.get(response["Location"]).content.decode()
    nothing_stored()


# ---------------------------------------------------------------- case 5


def test_case_05_field_flood_is_a_400(client, report_case):
    client.force_login(report_case.member)
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = post(client, report_case, h.text_page_pdf(), **fields)
    assert response.status_code == 400
    nothing_stored()


def test_case_05_file_flood_is_a_400(client, report_case):
    client.force_login(report_case.member)
    many = [photo(f"{i}.jpg", h.jpeg_bytes()) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES)]
    response = post(client, report_case, h.text_page_pdf(), photos=many)
    assert response.status_code == 400
    nothing_stored()


# ---------------------------------------------------------------- case 6


def test_case_06_our_pixel_cap_sits_below_pillows_warning():
    assert settings.REPORTS["max_photo_pixels"] < Image.MAX_IMAGE_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("flood.png", h.png_pixel_flood(30000, 30000), "像素过大"),
        ("flood.jpg", h.jpeg_pixel_flood(60000, 60000), "像素过大"),
        # Above our cap, below Pillow's own warning: our check is the one that answers.
        ("flood81mp.png", h.png_pixel_flood(9000, 9000), "像素过大"),
        ("frames.jpg", h.gif_oversized_frame(), "不是JPEG或PNG"),
        ("tiff.jpg", h.tiff_bytes(), "不是JPEG或PNG"),
        ("psd.jpg", h.PSD, "不是JPEG或PNG"),
        ("fits.jpg", h.FITS, "不是JPEG或PNG"),
        ("cut.jpg", h.truncated_jpeg(), "已损坏"),
    ],
    ids=["png-30000", "jpeg-60000", "png-81mp", "gif-frame", "tiff", "psd", "fits", "truncated"],
)
def test_case_06_pixel_floods_and_odd_formats_are_refused(
    client, report_case, name, data, expected
):
    client.force_login(report_case.member)
    assert len(data) < 20_000  # tiny files: the size cap is not what stops them
    response = post(client, report_case, report_case.render(), photos=[photo(name, data)])
    refused(response, expected)


# ---------------------------------------------------------------- case 7


def test_case_07_the_downloadable_original_has_no_gps_serial_or_makernote(client, report_case):
    client.force_login(report_case.member)
    raw = h.jpeg_with_private_exif()
    assert b"SECRET" in raw
    response = post(client, report_case, report_case.render(), photos=[photo("现场.jpg", raw)])
    assert response.status_code == 302
    stored = ReportPhoto.objects.get()
    assert (stored.width, stored.height) == (60, 120)  # after the orientation is applied
    for kind in ("original", "image", "thumb"):
        served = client.get(reverse("report_photo", args=[stored.pk, kind]))
        body = b"".join(served.streaming_content) if served.streaming else served.content
        assert b"SECRET" not in body, kind
        image = Image.open(io.BytesIO(body))
        exif = image.getexif()
        assert 0x8825 not in exif and 0x0112 not in exif, kind
        assert not exif.get_ifd(0x8769), kind
        assert image.height > image.width, kind  # upright
    assert stored.sha256 == hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------- case 8


def test_case_08_svg_is_neither_a_photo_nor_a_report(client, report_case):
    client.force_login(report_case.member)
    refused(
        post(client, report_case, report_case.render(), photos=[photo("现场.svg", h.SVG)]),
        "不是JPEG或PNG",
    )
    refused(post(client, report_case, h.SVG, name="报告.pdf"), "不是PDF")
    refused(post(client, report_case, h.SVG, name="报告.svg"), "不是PDF")


# ---------------------------------------------------------------- case 9


@pytest.mark.parametrize(
    ("fixture", "names"),
    [
        (h.open_action_js, ("/OpenAction", "/JS")),
        (h.launch_action, ("/Launch",)),
        (h.additional_actions, ("/AA",)),
        (h.embedded_file, ("/EmbeddedFile",)),
    ],
    ids=["openaction-js", "launch", "aa", "embedded-file"],
)
def test_case_09_active_content_is_kept_flagged_and_audited(
    client, report_case, fixture, names, django_capture_on_commit_callbacks
):
    """Policy: kept (never executed: pages are rendered server-side by pdfium, without a
    script engine, and the file is only ever an attachment), flagged for the reviewer."""
    data = fixture()
    version = uploaded_and_parsed(client, report_case, data, django_capture_on_commit_callbacks)
    assert version.state == ReportState.PARSED
    flag = next(p for p in version.problems if p["code"] == "active_content")
    assert flag["severity"] == "warning"
    assert all(n in flag["message"] for n in names), flag["message"]
    audit = version.transitions.get(to_state=ReportState.PARSED)
    assert "脚本" in audit.comment
    served = client.get(reverse("report_file", args=[version.pk]))
    assert served["Content-Disposition"].startswith("attachment")


def test_case_09_a_plain_report_is_not_flagged(
    client, report_case, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client, report_case, report_case.render(), django_capture_on_commit_callbacks
    )
    assert "active_content" not in {p["code"] for p in version.problems}


# ---------------------------------------------------------------- case 10


def test_case_10_user_password_is_kept_and_explained(
    client, report_case, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client, report_case, h.encrypted("secret"), django_capture_on_commit_callbacks
    )
    failed_with(version, "unreadable:encrypted")
    assert "未加密" in version.failure_message
    page = client.get(reverse("report_version", args=[version.pk])).content.decode()
    assert "未加密" in page
    assert client.get(reverse("report_file", args=[version.pk])).status_code == 200


def test_case_10_owner_password_only_parses(
    client, report_case, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client, report_case, h.encrypted(""), django_capture_on_commit_callbacks
    )
    assert version.state == ReportState.PARSED
    assert "unreadable:encrypted" not in {p["code"] for p in version.problems}
    assert version.page_count == 1  # opened and read, not refused


def test_case_10_unknown_encryption_is_the_same_clear_status(
    client, report_case, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client, report_case, h.unknown_encryption(), django_capture_on_commit_callbacks
    )
    failed_with(version, "unreadable:encrypted")


# ---------------------------------------------------------------- case 11


def test_case_11_flate_bomb_is_stopped_by_the_memory_limit(
    client, report_case, tight, django_capture_on_commit_callbacks
):
    bomb = h.flate_bomb(inner_mb=1024, layers=3)
    assert len(bomb) < 10_000
    version = uploaded_and_parsed(client, report_case, bomb, django_capture_on_commit_callbacks)
    failed_with(version, "too_large:memory")
    assert client.get(reverse("report_file", args=[version.pk])).status_code == 200
    # The pool keeps serving: the next, ordinary report parses normally.
    good = uploaded_and_parsed(
        client, report_case, report_case.render(), django_capture_on_commit_callbacks
    )
    assert good.state == ReportState.PARSED, (good.failure_code, good.failure_message)


@pytest.mark.parametrize(
    "fixture",
    [
        h.circular_xobjects,
        h.page_tree_loop,
        h.deep_nesting,
        h.truncated_flate,
        h.claimed_page_count,
        h.ruled_form,
    ],
)
def test_case_11_loops_and_recursion_end_in_a_terminal_state(
    client, report_case, tight, fixture, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client, report_case, fixture(), django_capture_on_commit_callbacks
    )
    if version.state == ReportState.PARSE_FAILED:
        assert CJK.search(version.failure_message)
    else:
        # Read without crashing; the missing report content is what the firm is told about.
        assert version.blocking_problems and all(CJK.search(p["message"]) for p in version.problems)


def test_case_11_a_parse_that_runs_too_long_is_killed(
    client, report_case, tight, settings, django_capture_on_commit_callbacks
):
    if not ocr.availability().ok:
        pytest.skip("tesseract with chi_sim is not installed: no slow OCR path to time out")
    settings.REPORTS = {**tight, "parse_timeout_seconds": 3}
    version = uploaded_and_parsed(
        client, report_case, h.slow_scan(12), django_capture_on_commit_callbacks
    )
    failed_with(version, "parse_timeout")


def test_case_11_huge_page_count_is_refused_before_reading(
    client, report_case, tight, django_capture_on_commit_callbacks
):
    version = uploaded_and_parsed(
        client,
        report_case,
        h.many_pages(tight["max_pages"] + 1),
        django_capture_on_commit_callbacks,
    )
    failed_with(version, "too_large:pages")
    assert f"{tight['max_pages']}页" in version.failure_message


# ---------------------------------------------------------------- case 12


@pytest.mark.parametrize("key", sorted(h.GARBAGE))
def test_case_12_garbage_is_refused_or_fails_parsing_cleanly(
    client, report_case, key, django_capture_on_commit_callbacks
):
    data = h.GARBAGE[key]
    client.force_login(report_case.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, report_case, data)
    if response.status_code == 400:
        assert CJK.search(response.content.decode())
        nothing_stored()
        return
    assert response.status_code == 302
    failed_with(ReportVersion.objects.get(), "unreadable:truncated", "unreadable:not_pdf")
    consistent()


def test_case_12_byte_mutations_never_escape_the_pipeline(report_case):
    """A property over 120 mutations: every one is a result (often "unreadable"), none raises."""
    base = h.text_page_pdf(b"Mutation base")
    for data in h.mutations(base, 120):
        result = parse_report(data, file_name="m.pdf", ocr=False)
        assert result.problems or result.page_count is not None
        for problem in result.problems:
            assert CJK.search(problem.message_zh), problem


def test_case_12_mutated_reports_end_in_a_terminal_state(
    client, report_case, tight, django_capture_on_commit_callbacks
):
    for data in h.mutations(report_case.render(), 4, seed=550):
        # Each asserts its own terminal state (the next upload then supersedes it).
        uploaded_and_parsed(client, report_case, data, django_capture_on_commit_callbacks)


# ---------------------------------------------------------------- case 13


def _version(package: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", importlib.metadata.version(package))[:3])


def test_case_13_dependencies_are_past_the_known_rce_and_advisory_fixes():
    assert _version("pdfminer.six") >= (20251107,)  # CVE-2025-64512 (pickled CMaps)
    assert _version("pillow") >= (12, 2, 0)  # FITS GZIP bomb GHSA-whj4-6x5x-4v2j
    assert _version("wagtail") >= (7, 4, 3)  # CVE-2026-44197, copy-for-translation leak
    assert _version("django") >= (5, 2)


class _Sentinel:
    def __init__(self, flag: str):
        self.flag = flag

    def __reduce__(self):
        return (open, (self.flag, "w"))


def test_case_13_a_cmap_name_cannot_load_a_planted_pickle(tmp_path):
    from pdfminer.high_level import extract_text

    flag = tmp_path / "pwned"
    evil = tmp_path / "evil"
    with gzip.open(f"{evil}.pickle.gz", "wb") as f:
        pickle.dump(_Sentinel(str(flag)), f)
    for name in (str(evil), "../../../../../../../.." + str(evil)):
        encoded = "".join(f"#{ord(c):02X}" if c in "/#" else c for c in name).encode()
        font = (
            b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /" + encoded + b" "
            b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /X "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>] >>"
        )
        data = h.pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
                h.stream(b"BT /F1 12 Tf 72 720 Td <0001> Tj ET"),
                font,
            ]
        )
        # Raising is the library's contract for bad input; only the side effect matters here.
        with contextlib.suppress(Exception):
            extract_text(io.BytesIO(data))
        assert not flag.exists(), name


# ---------------------------------------------------------------- case 14


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (h.zip_file(), "报告.zip"),
        (h.zip_file(), "报告.docx"),
        (h.SEVEN_ZIP, "报告.7z"),
        (h.zip_file(), "报告.pdf"),
    ],
    ids=["zip", "docx", "7z", "zip-named-pdf"],
)
def test_case_14_archives_are_not_reports_or_photos(client, report_case, data, name):
    client.force_login(report_case.member)
    refused(post(client, report_case, data, name=name), "不是PDF")
    photo_name = name.rsplit(".", 1)[0] + ".jpg"
    refused(
        post(client, report_case, report_case.render(), photos=[photo(photo_name, data)]),
        "不是JPEG或PNG",
    )


# ---------------------------------------------------------------- case 15

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_case_15_text_read_from_a_pdf_is_escaped_where_it_is_shown(
    client, report_case, django_capture_on_commit_callbacks
):
    data = report_case.render(owner=PAYLOAD)
    version = uploaded_and_parsed(client, report_case, data, django_capture_on_commit_callbacks)
    assert version.state == ReportState.PARSED
    assert "<script>" in str(version.fields.get("owner")), version.fields.get("owner")
    page = client.get(reverse("report_version", args=[version.pk])).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_case_15_a_photo_label_is_escaped_in_the_alt_attribute(
    client, report_case, django_capture_on_commit_callbacks
):
    client.force_login(report_case.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            report_case,
            report_case.render(),
            photos=[photo("x onerror=alert(1) .jpg", h.jpeg_bytes())],
        )
    assert response.status_code == 302
    ReportPhoto.objects.update(original_name=PAYLOAD + ".jpg")
    page = client.get(response["Location"]).content.decode()
    assert PAYLOAD not in page and "onerror=alert(2)>" not in page
    assert "&lt;script&gt;" in page


# ---------------------------------------------------------------- case 16


@pytest.mark.parametrize(
    "query",
    [
        {"state": "submitted') OR 1=1 --"},
        {"state": "x", "page": "1 OR 1=1"},
        {"ordering": "-id);DROP TABLE reports_reportversion;--"},
        {"ordering": "password", "page": "-1"},
        {"state__regex": ".*", "report__firm__users__password__startswith": "p"},
        {"page": "99999999999999999999"},
    ],
)
def test_case_16_review_list_filters_are_allow_listed(client, personas, query):
    client.force_login(personas.city_bureau)
    response = client.get(reverse("review_list"), query)
    assert response.status_code == 200
    assert response.context["state"] in ReportState.values
    assert "DROP" not in response.content.decode() and "OR 1=1" not in response.content.decode()


# ---------------------------------------------------------------- case 17


def test_case_17_state_changes_without_a_csrf_token_are_refused(
    report_case, personas, django_capture_on_commit_callbacks
):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(report_case.member)
    response = post(csrf_client, report_case, report_case.render())
    assert response.status_code == 403
    nothing_stored()

    with django_capture_on_commit_callbacks(execute=True):
        version, _ = version_upload(
            task=report_case.task,
            user=report_case.member,
            pdf=SimpleUploadedFile("报告.pdf", report_case.render()),
        )
    for url in (reverse("report_submit", args=[version.pk]), reverse("logout")):
        assert csrf_client.post(url).status_code == 403, url
    bureau = Client(enforce_csrf_checks=True)
    bureau.force_login(personas.city_bureau)
    review = bureau.post(reverse("report_review", args=[version.pk]), {"decision": "accept"})
    assert review.status_code == 403
    version.refresh_from_db()
    assert version.state == ReportState.PARSED


def test_case_17_a_foreign_origin_is_refused_even_with_a_token(client, report_case):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(report_case.member)
    page = csrf_client.get(reverse("report_upload", args=[report_case.task.pk]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = post(
        csrf_client,
        report_case,
        report_case.render(),
        csrfmiddlewaretoken=token,
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    nothing_stored()
    ok = post(csrf_client, report_case, report_case.render(), csrfmiddlewaretoken=token)
    assert ok.status_code == 302  # the same request from our own origin goes through


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


# csrf_exempt views and why each is safe. Anything new here must be argued for.
CSRF_EXEMPT_ALLOWED = {
    # The upload view is exempt only so that the size-limit handler is installed before the
    # body is read; its inner view is csrf_protect (test_case_17_state_changes_... above).
    "portal.views.reports.report_upload",
}


def test_case_17_no_state_changing_view_is_csrf_exempt():
    from rest_framework.views import APIView

    exempt = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not getattr(callback, "csrf_exempt", False):
            continue
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, APIView):
            continue  # DRF: session-authenticated requests get DRF's own CSRF check
        name = f"{callback.__module__}.{getattr(callback, '__name__', callback)}"
        if route.startswith(("cms/", "django-admin/", "admin/")):
            continue  # Wagtail/Django admin: their own views, checked by their projects
        exempt.add(name)
    unexpected = exempt - CSRF_EXEMPT_ALLOWED
    # The API's JSON 404 catch-all answers every method with a 404 and changes nothing.
    unexpected = {n for n in unexpected if not n.startswith("portal.api.")}
    assert unexpected == set()


def test_case_17_security_headers_on_a_page(client, report_case):
    client.force_login(report_case.member)
    response = client.get(reverse("report_upload", args=[report_case.task.pk]))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_case_17_a_foreign_host_header_is_a_400(client, settings, report_case):
    settings.ALLOWED_HOSTS = ["jianding.example.gov.cn"]
    client.force_login(report_case.member)
    url = reverse("report_upload", args=[report_case.task.pk])
    assert client.get(url, HTTP_HOST="evil.example").status_code == 400
    assert client.get(url, HTTP_HOST="jianding.example.gov.cn").status_code == 200


# ---------------------------------------------------------------- shared samples


def _invalid_samples() -> list[str]:
    truth = SAMPLES / "truth"
    if not truth.is_dir():
        return []
    import json

    return sorted(
        json.loads(p.read_text(encoding="utf-8"))["file"]
        for p in truth.glob("*.json")
        if not json.loads(p.read_text(encoding="utf-8"))["valid"]
    )


@pytest.mark.skipif(not (SAMPLES / "truth").is_dir(), reason=f"no shared samples at {SAMPLES}")
@pytest.mark.parametrize("file", _invalid_samples() or ["-"])
def test_invalid_shared_samples_get_a_chinese_answer_and_a_terminal_state(
    client, report_case, tight, file, django_capture_on_commit_callbacks
):
    data = (SAMPLES / "reports" / file).read_bytes()
    client.force_login(report_case.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, report_case, data, name=file)
    if response.status_code == 400:  # refused at the door (empty, not a PDF)
        assert CJK.search(response.content.decode())
        nothing_stored()
        return
    assert response.status_code == 302
    version = ReportVersion.objects.get()
    assert version.state in TERMINAL
    problems = [p for p in version.problems if p["severity"] == "blocking"]
    if version.state == ReportState.PARSE_FAILED:
        assert CJK.search(version.failure_message)
    else:
        assert problems and all(CJK.search(p["message"]) for p in problems)
    consistent()
