"""Small helpers shared by the management commands."""
from datetime import date

from django.core.management.base import CommandError


def parse_date_option(text: str, *, option: str) -> date:
    """A command-line date (YYYY-MM-DD), or a CommandError naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: not a date (YYYY-MM-DD): {text}") from None
