"""Show, make or replace a user's API token: `manage.py api_token USERNAME [--rotate]`."""

from django.core.management.base import BaseCommand, CommandError

from portal.api.tokens import TokenError, token_issue, token_revoke, token_rotate
from portal.models import User


class Command(BaseCommand):
    help = "Print a user's API token, making one if needed; --rotate replaces it, --revoke ends it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rotate", action="store_true", help="replace the token; the old one stops working"
        )
        action.add_argument("--revoke", action="store_true", help="delete the token")

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as e:
            raise CommandError(f"用户不存在：{options['username']}") from e
        try:
            if options["revoke"]:
                done = token_revoke(user=user)
                self.stdout.write("令牌已停用。" if done else "该用户没有令牌。")
                return
            token = token_rotate(user=user) if options["rotate"] else token_issue(user=user)
        except TokenError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(token.key)
