"""Test settings: fast hasher, tasks inline, plain static files, isolated media folder."""

import tempfile
from pathlib import Path

from portal.settings.base import *

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
TASKS = {"default": {**TASK_BACKENDS["immediate"]}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not ":memory:": Django's live server then gives each of its threads its own
    # connection. A shared in-memory connection used by several request threads at once
    # (a browser loading page images in parallel) can crash sqlite.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="portal-test-db-")) / "test.sqlite3")
    }

# Many tests log in with client.login() and wrong passwords on purpose; login throttling would
# make them depend on each other. tests/reliability/test_b_authz.py turns it on to test it.
AXES_ENABLED = False
