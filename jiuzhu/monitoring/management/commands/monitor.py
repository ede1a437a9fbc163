"""`jiuzhu monitor run|load|registry`: monitoring runs in batch (see docs/monitoring.md)."""
from pathlib import Path

import pyarrow.parquet as pq
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from jiuzhu.core.cli import parse_date_option


class Command(BaseCommand):
    help = "Monitoring and early warning in batch: match department feeds to people and raise warnings."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Read a feeds directory, link records without an ID, raise warnings "
                                         "for a Parquet population; writes warnings.parquet and summary.json.")
        run.add_argument("--feeds", required=True, help="directory with sources.yaml and the department files")
        run.add_argument("--population", required=True, help="Parquet population directory (jiuzhu synth)")
        run.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        run.add_argument("--out", required=True, help="output directory")
        run.add_argument("--no-linkage", action="store_true", help="skip probabilistic linkage")
        load = sub.add_parser("load", help="Load a run's warnings.parquet into case management (idempotent); "
                                           "warnings of people not in the registry database are skipped.")
        load.add_argument("--warnings", required=True)
        load.add_argument("--as-of", help="YYYY-MM-DD (default today): the start of the verification deadlines")
        sources = sub.add_parser("sources", help="Load the feed sources (department, feed type, column mapping) "
                                                 "of a sources.yaml, so that uploads can use them; idempotent.")
        sources.add_argument("file")

    def handle(self, *args, action, **options):
        translation.activate("zh-hans")
        if action == "run":
            self._run(options)
        elif action == "sources":
            self._sources(options)
        else:
            self._load(options)

    def _sources(self, options):
        from jiuzhu.monitoring.run import RunError, read_sources
        from jiuzhu.monitoring.services import feed_sources_load

        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            sources = read_sources(path.parent) if path.name == "sources.yaml" else None
        except RunError as exc:
            raise CommandError(str(exc)) from None
        if sources is None:
            raise CommandError(f"{path}: expected a sources.yaml")
        created, updated = feed_sources_load(sources=sources)
        self.stdout.write(f"feed sources: {created} created, {updated} updated")

    def _run(self, options):
        from jiuzhu.monitoring.run import RunError, monitor_run

        feeds, population = Path(options["feeds"]), Path(options["population"])
        for path in (feeds, population):
            if not path.is_dir():
                raise CommandError(f"{path}: not a directory")
        as_of = parse_date_option(options["as_of"], option="--as-of")
        try:
            summary = monitor_run(feeds=feeds, population=population, as_of=as_of, out=Path(options["out"]),
                                  engine=options["engine"], link=not options["no_linkage"])
        except RunError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(summary.as_json())

    def _load(self, options):
        from jiuzhu.monitoring.services import warnings_load

        path = Path(options["warnings"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        today = parse_date_option(options["as_of"], option="--as-of") if options.get("as_of") else timezone.localdate()
        result = warnings_load(table=pq.read_table(path), today=today)
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                          f"skipped {result.skipped} {result.skipped_reasons or ''}")
