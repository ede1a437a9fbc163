"""`jiuzhu payroll generate|show`: the monthly payroll from the command line (e.g. a scheduled job)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jiuzhu.accounts.models import User
from jiuzhu.core.models import Region
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import Payroll


def _month(text: str):
    from datetime import date

    try:
        year, month = (int(part) for part in text.split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise CommandError(f"--month: {text!r} is not a month (YYYY-MM)") from None


class Command(BaseCommand):
    help = "Monthly payrolls: prepare a county's payroll (approval is by a second officer on the page)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="Prepare (or finish preparing) the month's payroll of a county.")
        generate.add_argument("--county", required=True, help="12-digit county code")
        generate.add_argument("--month", required=True, help="YYYY-MM")
        generate.add_argument("--user", required=True, help="the county officer preparing it (username)")
        generate.add_argument("--chunk", type=int, default=0, help="households per committed chunk")
        generate.add_argument("--workers", type=int, default=1,
                              help="database connections generating at once (PostgreSQL)")
        show = sub.add_parser("show", help="The payrolls of a county and month.")
        show.add_argument("--county", required=True)
        show.add_argument("--month", required=True)

    def handle(self, *args, action, **options):
        translation.activate("zh-hans")
        region = Region.objects.filter(code=options["county"]).first()
        if region is None:
            raise CommandError(f"--county: unknown region code {options['county']}")
        month = _month(options["month"])
        if action == "generate":
            from jiuzhu.payments.services import payroll_generate

            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user {options['user']!r}")
            try:
                extra = {"chunk": options["chunk"]} if options.get("chunk") else {}
                payroll = payroll_generate(actor=user, region=region, month=month, workers=options["workers"], **extra,
                                           after_chunk=lambda p: self.stderr.write(
                                               f"… up to household {p.generated_upto}"))
            except PaymentError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"payroll {payroll.pk}: {payroll.get_status_display()}, {payroll.lines_count} payments, "
                              f"{payroll.total} yuan")
        else:
            for payroll in Payroll.objects.filter(region=region, month=month).order_by("number"):
                self.stdout.write(f"#{payroll.number} {payroll.get_status_display()} {payroll.lines_count} "
                                  f"{payroll.total}")
