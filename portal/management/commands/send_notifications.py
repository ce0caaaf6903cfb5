import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from portal.models import NotificationKind
from portal.notifications import send_due_notifications


class Command(BaseCommand):
    help = (
        "Send the daily e-mail notifications (tasks due soon or overdue, qualifications "
        "expiring) and retry failed event mails. Idempotent: run daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="run as if today were this date (YYYY-MM-DD); default: today"
        )

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as e:
                raise CommandError("日期格式不正确，应为 YYYY-MM-DD，例如 2025-10-01。") from e
        counts = send_due_notifications(day)
        labels = dict(NotificationKind.choices)
        for kind, n in counts.items():
            label = labels.get(kind, "失败邮件重发")
            self.stdout.write(f"{label}：发送 {n} 封")
        self.stdout.write(self.style.SUCCESS("邮件通知已处理。"))
