"""`jiuzhu workdays …`: count Chinese working days, load a year's State Council holiday notice, list the years.

    jiuzhu workdays add 2026-09-15 30          # the 30th working day after acceptance → 2026-11-02
    jiuzhu workdays between 2026-09-15 2026-11-02
    jiuzhu workdays load notice-2027.yaml
    jiuzhu workdays years

`add` and `between` print the answer on stdout and, on stderr, a warning for each year of the span that has no
calendar data (its weekdays were counted as working days).
"""
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core import workdays
from jiuzhu.core.cli import parse_date_option


class Command(BaseCommand):
    help = "Chinese working days (State Council holiday calendar): count, load a year's notice, list the years."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBCOMMAND")
        add = sub.add_parser("add", help="The N-th working day after DATE (DATE itself is not counted).")
        add.add_argument("start", metavar="DATE", help="YYYY-MM-DD, e.g. the date of acceptance")
        add.add_argument("n", metavar="N", help="number of working days, 0 or more")
        between = sub.add_parser("between", help="The number of working days after START up to and with END.")
        between.add_argument("start", metavar="START", help="YYYY-MM-DD")
        between.add_argument("end", metavar="END", help="YYYY-MM-DD")
        load = sub.add_parser("load", help="Load one year's State Council holiday notice from YAML; safe to re-run.")
        load.add_argument("file", type=Path, metavar="FILE.yaml")
        sub.add_parser("years", help="Each year's calendar source (library, loaded notice or missing).")

    def handle(self, *args, action: str, **o):
        if action == "add":
            start = parse_date_option(o["start"], option="DATE")
            n = self._count(o["n"])
            try:
                result = workdays.add_working_days(start, n)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self._warn_missing(start, result)
            self.stdout.write(result.isoformat())
        elif action == "between":
            start = parse_date_option(o["start"], option="START")
            end = parse_date_option(o["end"], option="END")
            self._warn_missing(*sorted((start, end)))
            self.stdout.write(str(workdays.working_days_between(start, end)))
        elif action == "load":
            self._load(o["file"])
        elif action == "years":
            self._years()

    @staticmethod
    def _count(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise CommandError(f"N: not a whole number: {text}") from None
        if n < 0:
            raise CommandError(f"N: must be 0 or more, not {n}")
        return n

    def _warn_missing(self, start: date, end: date) -> None:
        for year in workdays.missing_years(start, end):
            self.stderr.write(f"warning: {workdays.missing_year_message(year)}")

    def _load(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"FILE: no such file: {path}")
        try:
            result = workdays.holiday_notice_load(data=path, actor=None)
        except workdays.HolidayNoticeError as exc:
            raise CommandError(f"{path}: the notice was not loaded:\n  " + "\n  ".join(exc.messages)) from exc
        self.stdout.write(
            f"{result.notice.year}: {result.status} ({result.holidays} holidays, {result.makeup_days} make-up "
            f"working days) from {result.notice.document}"
        )

    def _years(self) -> None:
        self.stdout.write(f"{'year':<6}{'source':<9}{'holidays':>9}{'make-up':>9}  document")
        for row in workdays.calendar_years():
            self.stdout.write(
                f"{row['year']:<6}{row['source']:<9}{row['holidays']:>9}{row['makeup_days']:>9}  {row['document']}"
            )
