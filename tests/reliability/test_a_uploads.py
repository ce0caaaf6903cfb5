"""RELIABILITY.md cases 33, 34, 41, 42: idempotent re-upload, checksum on the raw bytes,
storage down, and no blob left without its row (the orphan sweep).

Already covered elsewhere: tests/reports/test_workflow.py::test_same_file_twice_is_one_version
(33, sequential, service level).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from reports.models import ReportPhoto, ReportVersion
from reports.workflow import version_upload
from tests.reliability import hostile as h


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    # Files outlive the rolled-back test database: each test counts only its own.
    settings.MEDIA_ROOT = str(tmp_path / "media")


def use_storage(settings, backend: type) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{backend.__module__}.{backend.__qualname__}"},
    }


def stored_files(*folders: str) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(
        str(p.relative_to(root))
        for folder in folders or ("reports", "photos")
        for p in (root / folder).rglob("*")
        if p.is_file()
    )


def pdf_file(data: bytes, name: str = "报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def upload(client, case, data: bytes, photos=(), name="报告.pdf"):
    return client.post(
        reverse("report_upload", args=[case.task.pk]),
        {"pdf": pdf_file(data, name), "photos": list(photos)},
    )


# ---------------------------------------------------------------- case 33


def test_case_33_the_same_bytes_again_answer_already_received(client, report_case):
    client.force_login(report_case.member)
    data = report_case.render()
    first = upload(client, report_case, data)
    again = upload(client, report_case, data, name="重传.pdf")
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]  # the existing version
    assert "同一文件已上传过" in client.get(again["Location"]).content.decode()
    assert ReportVersion.objects.count() == 1
    assert len(stored_files("reports")) == 1  # no second blob


def test_case_33_different_files_with_the_same_name_both_survive(report_case):
    one, two = h.text_page_pdf(b"first"), h.text_page_pdf(b"second")
    v1, _ = version_upload(task=report_case.task, user=report_case.member, pdf=pdf_file(one))
    v2, _ = version_upload(task=report_case.task, user=report_case.member, pdf=pdf_file(two))
    assert v1.pk != v2.pk and v1.file.name != v2.file.name
    assert v1.original_name == v2.original_name == "报告.pdf"
    with default_storage.open(v1.file.name, "rb") as f:
        assert f.read() == one  # not overwritten by the second
    with default_storage.open(v2.file.name, "rb") as f:
        assert f.read() == two
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage") or (
        settings.STORAGES["default"].get("OPTIONS", {}).get("file_overwrite") is False
    )


class RacingStorage(FileSystemStorage):
    """Holds each write until two uploads are inside version_upload, past their duplicate
    check: the double-click that both requests see as new."""

    barrier = threading.Barrier(2, timeout=20)

    def _save(self, name, content):
        if name.startswith("reports/"):
            self.barrier.wait()
        return super()._save(name, content)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_33_a_concurrent_double_upload_is_one_version(report_case, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; this test runs in the PostgreSQL pass")
    RacingStorage.barrier.reset()
    use_storage(settings, RacingStorage)
    data = report_case.render()
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def double_click() -> None:
        try:
            version, created = version_upload(
                task=report_case.task, user=report_case.member, pdf=pdf_file(data)
            )
            results.append((version.pk, created))
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=double_click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({pk for pk, _ in results}) == 1
    assert ReportVersion.objects.count() == 1
    version = ReportVersion.objects.get()
    assert stored_files("reports") == [version.file.name]  # the loser's blob was removed


# ---------------------------------------------------------------- case 34


def test_case_34_photo_and_report_hashes_are_of_the_raw_upload(client, report_case):
    client.force_login(report_case.member)
    raw = h.jpeg_with_private_exif()
    data = report_case.render()
    photo = SimpleUploadedFile("现场.jpg", raw, content_type="image/jpeg")
    twice = SimpleUploadedFile("现场-副本.jpg", raw, content_type="image/jpeg")
    assert upload(client, report_case, data, photos=[photo, twice]).status_code == 302
    version = ReportVersion.objects.get()
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    stored = ReportPhoto.objects.get()  # picked twice, kept once
    assert stored.sha256 == hashlib.sha256(raw).hexdigest()
    with default_storage.open(stored.image.name, "rb") as f:
        derivative = f.read()
    assert hashlib.sha256(derivative).hexdigest() != stored.sha256  # re-encoded, EXIF gone
    assert len(stored_files("photos")) == 3  # original, image, thumb: no orphan for the copy

    # The same original in a later version is recognisably the same photo, although what we
    # stored and serve for it is a different file.
    again = SimpleUploadedFile("again.jpg", raw, content_type="image/jpeg")
    assert (
        upload(client, report_case, report_case.render("numbered_arabic"), photos=[again])
    ).status_code == 302
    assert set(ReportPhoto.objects.values_list("sha256", flat=True)) == {stored.sha256}
    assert ReportPhoto.objects.count() == 2


# ---------------------------------------------------------------- case 41


class StoreDown(Exception):
    """What an S3 client raises when the endpoint is unreachable (not an OSError)."""


class DownStorage(FileSystemStorage):
    def _save(self, name, content):
        raise StoreDown(f"PUT {name}: connection refused")

    def _open(self, name, mode="rb"):
        raise StoreDown(f"GET {name}: connection refused")


class FailsOnSecondWrite(FileSystemStorage):
    """The report is written, then the store goes away before the photos."""

    writes = 0

    def _save(self, name, content):
        type(self).writes += 1
        if type(self).writes > 1:
            raise StoreDown(f"PUT {name}: timed out")
        return super()._save(name, content)


def test_case_41_storage_down_refuses_the_upload_with_503_and_no_row(
    client, report_case, settings, caplog
):
    use_storage(settings, DownStorage)
    client.force_login(report_case.member)
    with caplog.at_level(logging.ERROR, logger="reports.uploads"):
        response = upload(client, report_case, report_case.render())
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "文件存储服务暂时不可用" in body and "未保存" in body
    assert ReportVersion.objects.count() == 0
    assert stored_files() == []
    logged = [r for r in caplog.records if "storage refused" in r.getMessage()]
    assert logged and f"reports/{report_case.task.pk}/" in logged[0].getMessage()


def test_case_41_storage_lost_mid_upload_leaves_nothing(client, report_case, settings):
    FailsOnSecondWrite.writes = 0
    use_storage(settings, FailsOnSecondWrite)
    client.force_login(report_case.member)
    photo = SimpleUploadedFile("现场.jpg", h.jpeg_bytes(), content_type="image/jpeg")
    response = upload(client, report_case, report_case.render(), photos=[photo])
    assert response.status_code == 503
    assert FailsOnSecondWrite.writes == 2  # the report was written before the failure
    assert ReportVersion.objects.count() == 0 and ReportPhoto.objects.count() == 0
    assert stored_files() == []  # and removed again


def test_case_41_downloads_with_storage_down_are_503_not_500(client, report_case, settings):
    client.force_login(report_case.member)
    photo = SimpleUploadedFile("现场.jpg", h.jpeg_bytes(), content_type="image/jpeg")
    assert upload(client, report_case, report_case.render(), photos=[photo]).status_code == 302
    version, stored = ReportVersion.objects.get(), ReportPhoto.objects.get()
    use_storage(settings, DownStorage)
    for url in (
        reverse("report_file", args=[version.pk]),
        reverse("report_photo", args=[stored.pk, "image"]),
        reverse("report_photo", args=[stored.pk, "original"]),
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"]
        assert "文件存储服务暂时不可用" in response.content.decode()


class DownRemoteStorage(DownStorage):
    """Down, and remote like S3: no local path, every read goes through the client."""

    def path(self, name):
        raise NotImplementedError


def test_case_41_page_images_with_storage_down_are_503_not_500(
    client, report_case, settings, django_capture_on_commit_callbacks
):
    client.force_login(report_case.member)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, report_case, report_case.render()).status_code == 302
    version = ReportVersion.objects.get()
    assert version.page_count and version.state == "parsed"
    use_storage(settings, DownRemoteStorage)
    response = client.get(reverse("report_page", args=[version.pk, 1]))
    assert response.status_code == 503
    assert "文件存储服务暂时不可用" in response.content.decode()


# ---------------------------------------------------------------- case 42


def orphaned_upload(case) -> str:
    """An upload whose surrounding transaction rolls back after its file was written."""

    class Rollback(Exception):
        pass

    before, rows = set(stored_files()), ReportVersion.objects.count()
    with pytest.raises(Rollback), transaction.atomic():
        version_upload(task=case.task, user=case.member, pdf=pdf_file(h.text_page_pdf(b"gone")))
        raise Rollback
    assert ReportVersion.objects.count() == rows  # the row is gone ...
    (key,) = set(stored_files()) - before  # ... and the blob is not: storage has no rollback
    return key


def age(key: str, hours: float) -> None:
    path = default_storage.path(key)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_case_42_sweep_removes_old_orphans_and_keeps_the_rest(report_case, caplog):
    kept, _ = version_upload(
        task=report_case.task, user=report_case.member, pdf=pdf_file(h.text_page_pdf(b"kept"))
    )
    age(kept.file.name, 48)  # old, but referenced
    old_orphan = orphaned_upload(report_case)
    age(old_orphan, 25)
    young_orphan = orphaned_upload(report_case)  # may be an upload still in flight

    out = io.StringIO()
    call_command("sweep_orphans", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        f"would delete {old_orphan}",
        "1 orphan file(s) found, nothing deleted (dry run)",
    ]
    assert default_storage.exists(old_orphan)

    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="reports.sweep"):
        call_command("sweep_orphans", stdout=out)
    assert out.getvalue().splitlines() == [f"deleted {old_orphan}", "1 orphan file(s) deleted"]
    assert [r.getMessage() for r in caplog.records if r.name == "reports.sweep"] == [
        f"deleted orphan file {old_orphan}"
    ]
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(young_orphan) and default_storage.exists(kept.file.name)

    out = io.StringIO()
    call_command("sweep_orphans", "--older-than", "0", stdout=out)
    assert f"deleted {young_orphan}" in out.getvalue()
    assert stored_files("reports") == [kept.file.name]


def test_case_42_photo_files_of_a_rolled_back_upload_are_swept_but_not_live_ones(
    client, report_case
):
    client.force_login(report_case.member)
    photo = SimpleUploadedFile("现场.jpg", h.jpeg_bytes(), content_type="image/jpeg")
    assert upload(client, report_case, report_case.render(), photos=[photo]).status_code == 302
    live = stored_files()
    stray = f"photos/{report_case.task.pk}/originals/{'0' * 32}.jpg"
    default_storage.save(stray, io.BytesIO(b"x"))
    out = io.StringIO()
    call_command("sweep_orphans", "--older-than", "0", stdout=out)
    assert out.getvalue().splitlines() == [f"deleted {stray}", "1 orphan file(s) deleted"]
    assert stored_files() == live


class LosesTheRace(FileSystemStorage):
    """Lets a second upload of the same bytes commit right after our file is written."""

    winner: dict = {}

    def _save(self, name, content):
        saved = super()._save(name, content)
        if name.startswith("reports/") and self.winner:
            upload_kwargs = dict(self.winner)
            self.winner.clear()
            use_storage(upload_kwargs.pop("settings"), FileSystemStorage)
            version_upload(**upload_kwargs)
        return saved


def test_case_42_a_failure_after_the_write_deletes_the_blob_at_once(report_case, settings):
    """A concurrent same-bytes upload commits between our duplicate check and our insert:
    the unique (report, sha256) constraint fails after our file is written; our file is
    deleted and the existing version is the answer."""
    data = report_case.render()
    LosesTheRace.winner.update(
        task=report_case.task, user=report_case.member, pdf=pdf_file(data), settings=settings
    )
    use_storage(settings, LosesTheRace)
    version, created = version_upload(
        task=report_case.task, user=report_case.member, pdf=pdf_file(data)
    )
    assert created is False
    assert ReportVersion.objects.count() == 1
    assert stored_files("reports") == [version.file.name]  # the loser's blob is gone


def test_case_42_sweep_refuses_a_negative_grace_period():
    with pytest.raises(CommandError):
        call_command("sweep_orphans", "--older-than", "-1")


def test_case_42_sweep_with_nothing_stored(db):
    out = io.StringIO()
    call_command("sweep_orphans", stdout=out)
    assert out.getvalue().strip() == "0 orphan file(s) deleted"
