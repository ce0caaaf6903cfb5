"""Page images of a report PDF, rendered with pypdfium2 once and cached in storage."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reports.parsing import local_copy

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from reports.models import ReportVersion


class PageStoreUnavailable(Exception):
    """The file store could not give the PDF (or the cached image): the caller answers 503."""


def page_image(version: ReportVersion, number: int) -> bytes:
    """PNG of page `number` (1-based). Only for versions the sandboxed parse read successfully."""
    width = settings.REPORTS["page_image_width"]
    key = f"cache/pages/{version.pk}/{number}-{width}.png"
    import pypdfium2

    try:
        if default_storage.exists(key):
            with default_storage.open(key, "rb") as f:
                return f.read()
        with local_copy(version.file.name) as path:
            pdf = pypdfium2.PdfDocument(str(path))
            try:
                page = pdf[number - 1]
                scale = width / page.get_width()
                image = page.render(scale=scale, grayscale=False).to_pil()
                page.close()
            finally:
                pdf.close()
    except pypdfium2.PdfiumError:
        raise
    except Exception as e:  # the store (local disk, S3, network) could not answer
        raise PageStoreUnavailable(version.file.name) from e
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG", optimize=True)
    data = out.getvalue()
    try:
        default_storage.save(key, ContentFile(data))
    except Exception:  # the cache is an optimisation: the page is served all the same
        log.warning("could not cache page image %s", key, exc_info=True)
    return data
