import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.cli import parse_date_option

from jiuzhu.policy.errors import PolicyInputError


class Command(BaseCommand):
    help = "Screen households against the rules: one household from JSON, or a whole Parquet population."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        one = sub.add_parser("one", help="Decide one household (docs/household-json.md) and explain it.")
        one.add_argument("--household", required=True, type=Path, help="a household JSON file, or - for stdin")
        one.add_argument("--as-of", required=True)
        one.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"])
        every = sub.add_parser("all", help="Screen a Parquet population (the synthetic generator's format).")
        every.add_argument("--population", required=True, type=Path)
        every.add_argument("--as-of", required=True)
        every.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
        every.add_argument("--out", required=True, type=Path)
        registry = sub.add_parser(
            "registry", help="Screen every household of a region in the registry and store the results (a run).")
        registry.add_argument("--region", required=True, help="12-digit code of the region (its whole subtree)")
        registry.add_argument("--as-of", required=True)
        registry.add_argument("--chunk", type=int, default=None, help="households read per chunk (default 5000)")

    def handle(self, *args, action, **o):
        as_of = parse_date_option(o["as_of"], option="--as-of")
        if action == "one":
            self._one(o["household"], as_of, o["lang"])
        elif action == "registry":
            self._registry(o["region"], as_of, o["chunk"])
        else:
            self._all(o["population"], as_of, o["engine"], o["out"])

    def _one(self, path: Path, as_of: date, lang: str):
        from django.utils import translation

        from jiuzhu.policy.explain import screen_household

        translation.activate(lang)
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"--household: {exc}") from exc
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--household: not valid JSON: {exc}") from exc
        try:
            result = screen_household(data=data, as_of=as_of)
        except PolicyInputError as exc:
            self.stdout.write(json.dumps({"error": exc.as_dict()}, ensure_ascii=False))
            raise SystemExit(1)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))

    def _all(self, population: Path, as_of: date, engine: str, out: Path):
        from jiuzhu.engine.base import EngineError, screen_population

        started = time.monotonic()
        try:
            summary = screen_population(population=population, as_of=as_of, out=out, engine=engine)
        except (EngineError, PolicyInputError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"screened {summary.households} households with {engine} as of {as_of} "
                          f"in {time.monotonic() - started:.1f} s → {out}")

    def _registry(self, region: str, as_of: date, chunk: int | None):
        from django.core.exceptions import ValidationError

        from jiuzhu.policy.models import ScreeningRunStatus
        from jiuzhu.policy.screening import CHUNK_SIZE, screening_run_start

        try:
            run = screening_run_start(actor=None, region_code=region, as_of=as_of, chunk_size=chunk or CHUNK_SIZE)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if run.status != ScreeningRunStatus.DONE:
            raise CommandError(f"run {run.pk} failed: {run.failure}")
        tiers = ", ".join(f"{tier or 'none'} {n}" for tier, n in sorted(run.counts.get("screened", {}).items()))
        self.stdout.write(
            f"run {run.pk}: screened {run.households_screened} households of {region} as of {as_of} "
            f"in {run.seconds:.1f} s; {run.households_failed} with invalid facts\n"
            f"  by tier: {tiers}\n"
            f"  tier differs from the registry: {run.tier_changes}; amount differs: {run.amount_changes}\n"
            f"  monthly total {run.monthly_total} yuan (registered {run.registered_monthly_total} yuan)"
        )
