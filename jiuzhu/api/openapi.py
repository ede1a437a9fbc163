"""Finishing touches to the generated OpenAPI schema."""
import inspect

from django.db import models
from django.utils import translation

from jiuzhu.cases import choices as case_choices
from jiuzhu.monitoring import feedtypes, models as monitoring_models
from jiuzhu.core.regions import RegionLevel
from jiuzhu.registry import choices


def _code_lists() -> dict[str, type[models.Choices]]:
    found = {
        name: value
        for module in (choices, case_choices, feedtypes, monitoring_models)
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, models.Choices) and value is not models.Choices
        and value.__module__ == module.__name__
    }
    found[RegionLevel.__name__] = RegionLevel
    return found


def describe_code_lists(schema: dict) -> dict:
    """Give every code list (enum) of the schema a description naming what each value means.

    The code values come from Django choices, whose labels are the documentation a client needs; the
    schema is for developers, so the labels are given in English.
    """
    code_lists = _code_lists()
    with translation.override("en"):
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            choices_class = code_lists.get(name)
            if "enum" not in component or choices_class is None or component.get("description"):
                continue
            lines = [f"- `{value}`: {label}" if value else f'- `""` (empty): {label}'
                     for value, label in choices_class.choices]
            component["description"] = "Code values:\n" + "\n".join(lines)
    return schema
