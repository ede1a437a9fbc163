"""`jiuzhu apitoken create|list|revoke`: bearer tokens for the REST API.

The clear key is printed once, by `create`, and never stored: only its SHA-256 is kept, so a lost key
cannot be recovered, only revoked and replaced.
"""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiuzhu.accounts.models import ApiToken, User, api_token_create
from jiuzhu.api.services import api_token_revoke


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer ...)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        create = subcommands.add_parser("create", help="Create a token and print its key once.")
        create.add_argument("--user", required=True, metavar="USERNAME", help="The user the token acts as.")
        create.add_argument("--name", required=True, help="What the token is for, e.g. the calling system.")
        listing = subcommands.add_parser("list", help="List tokens (never their keys).")
        listing.add_argument("--user", metavar="USERNAME", help="Only this user's tokens.")
        revoke = subcommands.add_parser("revoke", help="Revoke a token for good.")
        revoke.add_argument("token_id", type=int, metavar="ID", help="The token's id, as shown by list.")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "create":
            self.create(username=options["user"], name=options["name"])
        elif subcommand == "list":
            self.list_tokens(username=options.get("user"))
        elif subcommand == "revoke":
            self.revoke(token_id=options["token_id"])

    def create(self, *, username: str, name: str) -> None:
        user = _user(username)
        token, key = api_token_create(user=user, name=name)
        self.stderr.write(
            _("Created API token %(id)s “%(name)s” for %(user)s. The key is shown only this once:")
            % {"id": token.pk, "name": token.name, "user": user.get_username()}
        )
        # The key alone on stdout, so that `KEY=$(jiuzhu apitoken create ...)` captures exactly it.
        self.stdout.write(key)

    def list_tokens(self, *, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if username:
            tokens = tokens.filter(user=_user(username))
        header = ["id", "user", "name", "prefix", "created_at", "last_used_at", "revoked"]
        self.stdout.write("\t".join(header))
        for token in tokens:
            row = [
                str(token.pk),
                token.user.get_username(),
                token.name,
                token.prefix,
                token.created_at.isoformat(timespec="seconds"),
                token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "",
                "yes" if token.revoked else "no",
            ]
            self.stdout.write("\t".join(row))

    def revoke(self, *, token_id: int) -> None:
        token = ApiToken.objects.filter(pk=token_id).first()
        if token is None:
            raise CommandError(_("No API token with id %(id)s.") % {"id": token_id})
        if api_token_revoke(token=token):
            self.stdout.write(_("Revoked API token %(id)s.") % {"id": token_id})
        else:
            self.stdout.write(_("API token %(id)s was already revoked.") % {"id": token_id})


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user named %(username)s.") % {"username": username})
    return user
