from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.services import REGIONS_CSV, RegionDataError, regions_load


class Command(BaseCommand):
    help = "Load the administrative division tree (12-digit statistical codes) from the shipped CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create or refresh regions; safe to re-run.")
        load.add_argument("--file", type=Path, default=REGIONS_CSV)

    def handle(self, *args, action, **options):
        if action == "load":
            try:
                result = regions_load(path=options["file"])
            except (RegionDataError, FileNotFoundError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            )
