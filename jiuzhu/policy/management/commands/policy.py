import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.cli import parse_date_option

from jiuzhu.policy.errors import PolicyInputError
from jiuzhu.policy.parameters import parse_value_text
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.policy.services import parameter_set, reference_load


class Command(BaseCommand):
    help = "Policy standards: load the shipped reference values, set a dated value, show what applies."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-reference", help="Load RULES.md's reference standards (safe to re-run).")
        set_ = sub.add_parser("set", help="Set one parameter for a region from a date.")
        set_.add_argument("--region", required=True)
        set_.add_argument("--name", required=True)
        set_.add_argument("--from", dest="effective_from", required=True)
        set_.add_argument("--value", required=True, help="a JSON value, e.g. '\"941.00\"', true, [\"wage\"]")
        set_.add_argument("--source", required=True, help="the document that set the value")
        set_.add_argument("--note", default="")
        show = sub.add_parser("show", help="The parameters in force in a region on a date, with their sources.")
        show.add_argument("--region", required=True)
        show.add_argument("--as-of", required=True)

    def handle(self, *args, action, **o):
        if action == "load-reference":
            result = reference_load()
            self.stdout.write(f"reference standards: {result.created} created, {result.updated} updated, "
                              f"{result.unchanged} unchanged")
        elif action == "set":
            value = parse_value_text(o["name"], o["value"])
            try:
                obj = parameter_set(actor=None, region_code=o["region"], name=o["name"],
                                    effective_from=parse_date_option(o["effective_from"], option="--from"), value=value,
                                    source_document=o["source"], note=o["note"])
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"set {obj}")
        elif action == "show":
            try:
                resolved = ParameterBook.from_database().resolve(region_code=o["region"], as_of=parse_date_option(o["as_of"], option="--as-of"))
            except PolicyInputError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc
            rows = [r.as_dict() for r in resolved.values()]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
