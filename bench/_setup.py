"""Shared start-up for benchmarks: Django on the configured database (DATABASE_URL)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(settings: str = "portal.settings.dev") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("DEBUG", "false")  # no query log growing in memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
