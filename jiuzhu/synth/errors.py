"""Errors of the synthetic-data tools, with stable codes (shown by the command) and translatable messages."""
from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext_lazy as _


class SynthErrorCode(enum.StrEnum):
    UNKNOWN_REGION = "unknown_region"
    UNKNOWN_COUNTY = "unknown_county"
    NOT_A_COUNTY = "not_a_county"
    NOT_PLACEABLE = "not_placeable"
    NO_COUNTIES = "no_counties"
    BAD_SIZE = "bad_size"
    SIZE_MISSING = "size_missing"
    TOO_MANY_PEOPLE = "too_many_people"
    OUTPUT_NOT_EMPTY = "output_not_empty"
    ID_SEQUENCE_EXHAUSTED = "id_sequence_exhausted"
    FEEDS_NO_POPULATION = "feeds_no_population"
    FEEDS_OUTPUT_NOT_EMPTY = "feeds_output_not_empty"
    FEEDS_BAD_FORMAT = "feeds_bad_format"
    FEEDS_UNKNOWN_TYPE = "feeds_unknown_type"
    FEEDS_XLSX_TOO_BIG = "feeds_xlsx_too_big"


_MESSAGES = {
    SynthErrorCode.UNKNOWN_REGION: _("There is no region with the code %(code)s in %(source)s."),
    SynthErrorCode.UNKNOWN_COUNTY: _(
        "There is no county with the code %(code)s in the region table. Load the regions first "
        "(jiuzhu regions load) and check the code."
    ),
    SynthErrorCode.NOT_A_COUNTY: _("%(code)s is a %(level)s, not a county."),
    SynthErrorCode.NOT_PLACEABLE: _(
        "People can be placed in a province, prefecture, county or township, not in the %(level)s %(code)s."
    ),
    SynthErrorCode.NO_COUNTIES: _("There are no counties under %(code)s to place people in."),
    SynthErrorCode.BAD_SIZE: _("%(option)s must be a whole number of at least 1, not %(value)s."),
    SynthErrorCode.SIZE_MISSING: _("Give the size of the population with --people or --households."),
    SynthErrorCode.TOO_MANY_PEOPLE: _(
        "County %(code)s would hold %(people)s people, more than the %(limit)s that fit one county "
        "with unique ID numbers. Choose a larger region or fewer people."
    ),
    SynthErrorCode.OUTPUT_NOT_EMPTY: _(
        "The output directory %(path)s is not empty. Use --force to replace the population in it."
    ),
    SynthErrorCode.ID_SEQUENCE_EXHAUSTED: _(
        "More than 500 people of one sex born on the same day in county %(code)s: their ID numbers "
        "cannot all be different. Choose a larger region or fewer people."
    ),
    SynthErrorCode.FEEDS_NO_POPULATION: _(
        "There is no synthetic population in %(path)s (no manifest.json or no persons/part-*.parquet). "
        "Write one with: jiuzhu synth population --people N --out DIR"
    ),
    SynthErrorCode.FEEDS_OUTPUT_NOT_EMPTY: _(
        "The output directory %(path)s is not empty. Use --force to replace the feeds in it."
    ),
    SynthErrorCode.FEEDS_BAD_FORMAT: _("Unknown file format %(value)s; choose from %(choices)s."),
    SynthErrorCode.FEEDS_UNKNOWN_TYPE: _("Unknown feed type %(value)s; choose from %(choices)s."),
    SynthErrorCode.FEEDS_XLSX_TOO_BIG: _(
        "The %(feed)s file would have %(rows)s rows, more than the %(limit)s an .xlsx file may hold here. "
        "Allow another format with --formats."
    ),
}


class SynthError(ValueError):
    """A generation or load was refused, with a stable `code` and the values its message quotes."""

    def __init__(self, error_code: SynthErrorCode | str, /, **params: Any) -> None:
        # Positional-only, so that a message may quote a parameter named "code" (a region code).
        error_code = SynthErrorCode(error_code)
        super().__init__(error_code)
        self.code = error_code
        self.params = params

    @property
    def message(self) -> str:
        return str(_MESSAGES[self.code]) % self.params

    def __str__(self) -> str:
        return self.message
