from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Build a ready-to-click demo site (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--buildings", type=int, default=3000, help="size of the generated ledger"
        )

    def handle(self, *args, **options):
        logins = build_demo(buildings=options["buildings"])
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已就绪。登录账号（密码均为 {DEMO_PASSWORD}）：")
        )
        for login in logins:
            self.stdout.write(f"  {login.username:<14} {login.role.label:<8} {login.description}")
