"""`jiuzhu synth population …` and `jiuzhu synth feeds …`: synthetic data.

    jiuzhu synth population --people 70000000 --out var/synth/national       # Parquet, any size
    jiuzhu synth population --load --county 370402000000 --households 20000   # into the database
    jiuzhu synth feeds --population var/synth/national --out var/synth/feeds --as-of 2026-01-01

Subcommands: `population` (a low-income population) and `feeds` (department feeds for it, with planted events
and their ground truth). Errors exit with status 1 and a message naming a stable code.
"""
import os
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiuzhu.synth.errors import SynthError
from jiuzhu.synth.generator import DEFAULT_AS_OF
from jiuzhu.synth.geography import REGIONS_CSV
from jiuzhu.synth.parquet import DEFAULT_CHUNK_PERSONS, population_write_parquet


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None


def _names(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


class Command(BaseCommand):
    help = _("Generate synthetic data: a low-income population as Parquet files or into the database.")
    # Writing Parquet needs neither the database nor the system checks; --load checks what it needs.
    requires_system_checks = []

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        population = subcommands.add_parser(
            "population",
            help=_("A synthetic low-income population: Parquet (--out) or a county into the database (--load)."),
        )
        size = population.add_mutually_exclusive_group()
        size.add_argument("--people", type=int, metavar="N",
                          help=_("Number of persons (exact); households follow from the household sizes."))
        size.add_argument("--households", type=int, metavar="N", help=_("Number of households (exact)."))
        population.add_argument("--seed", type=int, default=42,
                                help=_("Random seed; the same arguments give the same data (default 42)."))
        population.add_argument(
            "--as-of", type=_iso_date, default=DEFAULT_AS_OF, metavar="YYYY-MM-DD",
            help=_("Date of the registry snapshot: ages and dates are relative to it (default %(default)s)."),
        )
        target = population.add_mutually_exclusive_group(required=True)
        target.add_argument("--out", type=Path, metavar="DIR", help=_("Write Parquet datasets into DIR."))
        target.add_argument("--load", action="store_true",
                            help=_("Load one county (--county) into the database; safe to re-run."))
        population.add_argument("--county", metavar="CODE",
                                help=_("With --load: the 12-digit code of the county to populate."))
        population.add_argument(
            "--region", default="", metavar="CODE",
            help=_("With --out: place people only in this province, prefecture, county or township "
                   "(default: the whole country)."),
        )
        population.add_argument("--force", action="store_true",
                                help=_("With --out: replace a population already in DIR."))
        population.add_argument(
            "--workers", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
            help=_("With --out: worker processes (default: %(default)s)."),
        )
        population.add_argument(
            "--chunk-people", type=int, default=DEFAULT_CHUNK_PERSONS, metavar="N",
            help=_("With --out: persons per chunk and part file; bounds memory (default %(default)s)."),
        )
        population.add_argument("--quiet", action="store_true", help=_("No progress bar."))
        population.add_argument("--regions-file", type=Path, default=REGIONS_CSV, metavar="CSV",
                                help=_("With --out: the regions CSV to place people in (default: the shipped one)."))

        feeds = subcommands.add_parser(
            "feeds",
            help=_("Department feeds of the month before --as-of for a Parquet population, with planted events, "
                   "noise and the ground truth."),
        )
        feeds.add_argument("--population", type=Path, required=True, metavar="DIR",
                           help=_("The Parquet population (written by synth population --out)."))
        feeds.add_argument("--out", type=Path, required=True, metavar="DIR", help=_("Write the feeds into DIR."))
        feeds.add_argument("--as-of", type=_iso_date, required=True, metavar="YYYY-MM-DD",
                           help=_("The feeds cover the calendar month before this date."))
        feeds.add_argument("--records", type=int, metavar="N",
                           help=_("Data rows in all files together (default: 2%% of the persons)."))
        feeds.add_argument("--seed", type=int, default=42,
                           help=_("Random seed; the same arguments give the same files (default 42)."))
        feeds.add_argument("--formats", type=_names, default=None, metavar="LIST",
                           help=_("File formats allowed, comma-separated, from csv, csv-bom, csv-gbk, xlsx, parquet "
                                  "(default: all; each source keeps its own format when allowed)."))
        feeds.add_argument("--only", type=_names, default=(), metavar="LIST",
                           help=_("Only these feed types, comma-separated (default: all twelve)."))
        feeds.add_argument("--force", action="store_true", help=_("Replace feeds already in DIR."))
        feeds.add_argument("--quiet", action="store_true", help=_("No progress bar."))

    def handle(self, *args, subcommand: str, **options):
        try:
            if subcommand == "population":
                if options["load"]:
                    self.load(options)
                else:
                    self.write(options)
            elif subcommand == "feeds":
                self.feeds(options)
        except SynthError as err:
            raise CommandError(f"{err.message} [{err.code}]") from err

    def feeds(self, options) -> None:
        from jiuzhu.synth.feeds import FORMATS, feeds_write

        summary = feeds_write(
            population_dir=options["population"], out_dir=options["out"], as_of=options["as_of"],
            records=options["records"], seed=options["seed"], formats=options["formats"] or tuple(FORMATS),
            only=options["only"], force=options["force"], progress=not options["quiet"],
        )
        self.stdout.write(_(
            "Wrote %(records)s rows in %(files)s files for %(period)s, with %(events)s planted events, to %(path)s "
            "(%(seconds).1f s, %(rate)s rows/s)."
        ) % {"records": summary.records, "files": len(summary.files), "period": summary.period,
             "events": summary.events, "path": summary.out_dir, "seconds": summary.seconds,
             "rate": int(summary.records / max(summary.seconds, 1e-9))})

    def write(self, options) -> None:
        if options["county"]:
            raise CommandError(_("--county goes with --load; to write one county as Parquet use --region."))
        summary = population_write_parquet(
            out_dir=options["out"], seed=options["seed"], households=options["households"],
            people=options["people"], region_code=options["region"], as_of=options["as_of"],
            chunk_persons=options["chunk_people"], workers=options["workers"], force=options["force"],
            progress=not options["quiet"], regions_csv=options["regions_file"],
        )
        self.stdout.write(_(
            "Wrote %(persons)s persons in %(households)s households, with %(supporters)s legal supporters, "
            "in %(counties)s counties to %(path)s (%(parts)s parts, %(seconds).1f s)."
        ) % {"persons": summary.persons, "households": summary.households, "supporters": summary.supporters,
             "counties": summary.counties, "path": summary.out_dir, "parts": summary.parts,
             "seconds": summary.seconds})

    def load(self, options) -> None:
        from jiuzhu.synth.services import population_load

        if not options["county"]:
            raise CommandError(_("--load needs --county CODE."))
        if options["region"]:
            raise CommandError(_("--region goes with --out; --load takes --county."))
        result = population_load(county_code=options["county"], households=options["households"],
                                 people=options["people"], seed=options["seed"], as_of=options["as_of"])
        values = {
            "code": result.county_code, "name": result.county_name, "households": result.households_created,
            "persons": result.persons_created, "skipped": result.households_skipped,
            "townships": result.townships_created, "villages": result.villages_created,
            "incomes": result.income_items_created, "assets": result.assets_created,
            "rigid": result.rigid_expenses_created, "supporters": result.supporters_created,
            "tiers": result.tier_memberships_created,
        }
        if not result.households_created:
            self.stdout.write(_(
                "Nothing to do: county %(code)s %(name)s already holds this population "
                "(%(skipped)s households skipped)."
            ) % values)
            return
        self.stdout.write(_(
            "County %(code)s %(name)s: created %(households)s households with %(persons)s persons "
            "(%(skipped)s households already present were skipped)."
        ) % values)
        self.stdout.write(_(
            "Also created: %(townships)s townships and %(villages)s villages, %(incomes)s income items, "
            "%(assets)s assets, %(rigid)s rigid expenses, %(supporters)s legal supporters and "
            "%(tiers)s tier memberships."
        ) % values)
