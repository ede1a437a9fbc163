"""`jiuzhu idnumber check NUMBER...`: validate resident ID numbers from the command line.

One JSON object per number on stdout, so that the output can be piped into jq or a script; the exit
status is 1 if any number is invalid.
"""
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from jiuzhu.core.idnumber import IdNumberError, parse_id_number

LANGUAGES = ["en", "zh-hans"]


class Command(BaseCommand):
    help = "Tools for resident ID numbers (GB 11643)."
    # Pure computation: neither the database nor the system checks matter.
    requires_system_checks = []

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        check = subcommands.add_parser(
            "check",
            help="Validate ID numbers; print one JSON object per number; exit with 1 if any is invalid.",
        )
        check.add_argument("numbers", nargs="+", metavar="NUMBER", help="ID numbers, 18 or 15 characters.")
        check.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=None,
            help="Language of the error messages (default: the LANGUAGE_CODE setting).",
        )

    def handle(self, *args, subcommand: str, **options):
        # argparse only lets through the subcommands declared above; this keeps the dispatch explicit.
        if subcommand == "check":
            self.check_numbers(options["numbers"], lang=options["lang"] or settings.LANGUAGE_CODE)

    def check_numbers(self, numbers: list[str], *, lang: str) -> None:
        all_valid = True
        with translation.override(lang):
            for raw in numbers:
                result = check_result(raw)
                all_valid = all_valid and result["valid"]
                self.stdout.write(json.dumps(result, ensure_ascii=False))
        if not all_valid:
            # Not CommandError: its message would go to stderr after the JSON lines, which say it all.
            raise SystemExit(1)


def check_result(raw: str) -> dict[str, Any]:
    """The JSON-ready verdict on one number, with the message rendered in the active language."""
    try:
        # The project's local date, not the server's: a baby born this morning in China is not in the future.
        parsed = parse_id_number(raw, today=timezone.localdate())
    except IdNumberError as err:
        return {"input": raw, "valid": False, "code": err.code.value, "message": err.message}
    return {
        "input": raw,
        "valid": True,
        "id_number": parsed.number,
        "birth_date": parsed.birth_date.isoformat(),
        "sex": parsed.sex,
        "converted_from_15": parsed.was_converted_from_15,
    }
