from django.core.management.base import BaseCommand

from reports.workflow import enqueue_parse, stale_versions


class Command(BaseCommand):
    help = "Re-enqueue report versions whose parse never finished (worker killed) or never started."

    def handle(self, *args, **options):
        ids = stale_versions()
        for pk in ids:
            enqueue_parse(pk)
        self.stdout.write(f"re-enqueued {len(ids)} stale version(s)")
