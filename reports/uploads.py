"""Accepting uploaded files: type by content, size caps while streaming, server-made keys.

Nothing here trusts the client: not the file name, not the Content-Type. Stored keys are
generated; the original name is kept only as a label.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from PIL import Image, ImageOps

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


log = logging.getLogger(__name__)


class UploadRejected(Exception):
    """An upload refused before anything is stored; the message is for the firm clerk."""


class StorageUnavailable(UploadRejected):
    """The file store refused a write: nothing was saved, the clerk should simply retry later.

    A subclass of UploadRejected so that every caller that already turns a refusal into a clear
    message keeps doing so; callers that can say more (503, Retry-After) catch it first.
    """


STORAGE_DOWN = "文件存储服务暂时不可用，本次上传未保存。请稍后重新上传；如多次失败，请联系管理员。"


PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a request as soon as any file passes the largest allowed size."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        limit = max(settings.REPORTS["max_pdf_bytes"], settings.REPORTS["max_photo_bytes"])
        if start + len(raw_data) > limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _head(f: UploadedFile, n: int = 1024) -> bytes:
    f.seek(0)
    head = f.read(n)
    f.seek(0)
    return head


def _sha256(f: UploadedFile) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    for chunk in f.chunks():
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


@dataclass(frozen=True)
class CheckedPdf:
    file: UploadedFile
    sha256: str
    size: int
    name: str


def check_pdf(f: UploadedFile) -> CheckedPdf:
    limit = settings.REPORTS["max_pdf_bytes"]
    if f.size == 0:
        raise UploadRejected("文件为空（0字节），请重新选择报告文件。")
    if f.size > limit:
        raise UploadRejected(
            f"报告文件超过{limit // (1024 * 1024)}MB上限，请压缩图片后重新生成PDF。"
        )
    if PDF_MAGIC not in _head(f):
        raise UploadRejected("文件内容不是PDF（可能只是改了扩展名），请上传PDF格式的鉴定报告。")
    # Content alone is not enough (a %PDF- header fits in front of HTML or a script): the name a
    # browser or a download folder will act on must say PDF too.
    if _extension(f.name) != ".pdf":
        raise UploadRejected(
            "报告文件的扩展名须为 .pdf，请将文件另存为PDF（文件名以 .pdf 结尾）后重新上传。"
        )
    return CheckedPdf(file=f, sha256=_sha256(f), size=f.size, name=_label(f.name, "report.pdf"))


def _extension(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".")
    _, dot, ext = base.rpartition(".")
    return f".{ext.lower()}" if dot else ""


PHOTO_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}


def _label(name: str | None, default: str) -> str:
    """A display label from a client file name: path parts and control characters dropped."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or default


def store(content: bytes | UploadedFile, *, folder: str, suffix: str) -> str:
    """Save under a server-generated key; returns the key actually stored."""
    key = f"{folder}/{uuid.uuid4().hex}{suffix}"
    body = ContentFile(content) if isinstance(content, bytes) else content
    try:
        return default_storage.save(key, body)
    except Exception as e:
        # S3 errors are not OSErrors; whatever the backend raises, the clerk gets one message and
        # the log gets the key (never a signed URL or credentials).
        log.error("storage refused %s: %s", key, type(e).__name__, exc_info=True)
        raise StorageUnavailable(STORAGE_DOWN) from e


@dataclass(frozen=True)
class ProcessedPhoto:
    original_key: str
    image_key: str
    thumbnail_key: str
    sha256: str
    width: int
    height: int
    name: str


def process_photo(f: UploadedFile, *, folder: str) -> ProcessedPhoto:
    """Validate a site photo and store the original plus EXIF-free display and thumbnail images."""
    limit = settings.REPORTS["max_photo_bytes"]
    name = _label(f.name, "photo.jpg")
    if f.size == 0:
        raise UploadRejected(f"照片“{name}”为空文件。")
    if f.size > limit:
        raise UploadRejected(f"照片“{name}”超过{limit // (1024 * 1024)}MB上限。")
    head = _head(f, 16)
    if head.startswith(JPEG_MAGIC):
        fmt, suffix = "JPEG", ".jpg"
    elif head.startswith(PNG_MAGIC):
        fmt, suffix = "PNG", ".png"
    else:
        raise UploadRejected(f"“{name}”不是JPEG或PNG照片。")
    if _extension(f.name) not in PHOTO_EXTENSIONS[fmt]:
        raise UploadRejected(
            f"照片“{name}”的扩展名与内容不符（内容为{fmt}），"
            f"请将扩展名改为{PHOTO_EXTENSIONS[fmt][0]}后重新上传。"
        )
    data = f.read()
    f.seek(0)
    try:
        image = _open_image(data, fmt)
        # Orientation applied once; re-encoding without the EXIF block drops GPS and the rest.
        upright = ImageOps.exif_transpose(image).convert("RGB")
    except UploadRejected:
        raise
    except Exception as e:
        raise UploadRejected(f"照片“{name}”已损坏或无法识别。") from e
    display = _jpeg(_fit(upright, 2000))
    thumb = _jpeg(_fit(upright, 320))
    return ProcessedPhoto(
        original_key=store(data, folder=f"{folder}/originals", suffix=suffix),
        image_key=store(display, folder=f"{folder}/images", suffix=".jpg"),
        thumbnail_key=store(thumb, folder=f"{folder}/thumbs", suffix=".jpg"),
        sha256=hashlib.sha256(data).hexdigest(),
        width=upright.width,
        height=upright.height,
        name=name,
    )


def _open_image(data: bytes, fmt: str) -> Image.Image:
    max_pixels = settings.REPORTS["max_photo_pixels"]
    with warnings.catch_warnings():
        # Pillow's own bomb guard fires before ours can look at the size: treat it the same.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
            raise UploadRejected("照片像素过大（超过系统上限），请缩小后重新上传。") from e
    if image.width * image.height > max_pixels:
        raise UploadRejected("照片像素过大（超过系统上限），请缩小后重新上传。")
    image.load()
    return image


def clean_original(data: bytes) -> tuple[bytes, str]:
    """The bytes to hand out for a stored original photo: upright, and without EXIF.

    The stored original stays as uploaded (its hash is the duplicate key and it is the
    evidence), but a download would carry the camera's GPS position, serial number and
    MakerNote, so it is re-encoded at full size without them. Returns (bytes, content type).
    """
    image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
    fmt = image.format
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "PNG":
        # PNG text chunks and eXIf are not copied: only pixels are saved.
        upright.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    upright.convert("RGB").save(out, "JPEG", quality=95, **extra)
    return out.getvalue(), "image/jpeg"


def raw_sha256(f: UploadedFile) -> str:
    """Hash of the bytes as uploaded, before any re-encoding: the duplicate key."""
    return _sha256(f)


def _fit(image: Image.Image, longest: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((longest, longest))
    return copy


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    return out.getvalue()
