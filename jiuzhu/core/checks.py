"""Start-up checks of core configuration (Django system checks)."""
from datetime import date

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone

# Imported here, at start-up, so that the calendar's cache listens for requests (see workdays.py) in every process.
from jiuzhu.core import workdays


@register("core", deploy=False)
def working_day_calendar(app_configs, *, today: date | None = None, **kwargs):
    """core.W001: this year has no working-day calendar (library or loaded notice), so deadlines count weekdays only."""
    today = today or timezone.localdate()
    try:
        missing = workdays.missing_years(today, today)
    except DatabaseError:
        # Tables not migrated yet: nothing to check.
        return []
    return [
        Warning(
            workdays.missing_year_message(year),
            hint="Load the year's State Council holiday notice: jiuzhu workdays load FILE.yaml "
                 "(format: jiuzhu/core/data/holidays/README.md), or through the admin.",
            id="core.W001",
        )
        for year in missing
    ]
