from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jiuzhu.accounts.services import demo_users_ensure
from jiuzhu.core.models import Region


class Command(BaseCommand):
    help = ("Demo set-up helpers: `jiuzhu demo users --county CODE` creates one user per role; `jiuzhu demo cases` "
            "creates demo applications at every step.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        users = sub.add_parser("users", help="Create (or refresh) one demo user per role; prints the logins.")
        users.add_argument("--county", required=True, help="12-digit code of the demo county")
        users.add_argument("--password", default="demo-2026")
        sub.add_parser("cases", help="Create demo applications at every step of the workflow (once).")
        sub.add_parser("feeds", help="Hand in demo department files and raise their warnings (once).")

    def handle(self, *args, action, **options):
        translation.activate("zh-hans")
        if action == "feeds":
            from jiuzhu.monitoring.demo import demo_feeds_ensure

            result = demo_feeds_ensure()
            self.stdout.write(f"Demo feeds: {result['batches']} files, {result['warnings']} new warnings.")
            return
        if action == "cases":
            from jiuzhu.cases.demo import demo_cases_ensure

            result = demo_cases_ensure()
            self.stdout.write(f"Demo applications: {result.created} created, {result.existing} already there.")
            return
        county = Region.objects.filter(code=options["county"]).first()
        if county is None:
            raise CommandError(f"Unknown region code {options['county']}: load regions first (jiuzhu regions load).")
        logins = demo_users_ensure(county=county, password=options["password"])
        self.stdout.write("Demo logins (username / password / role / region):")
        for login in logins:
            region = f"{login.region.name} {login.region.code}" if login.region else "全国 / whole country"
            self.stdout.write(f"  {login.username:28} {login.password:10} {login.role.label} / {region}")
