"""Errors of policy evaluation: stable codes, a field path, and a translatable message."""
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.errors import CodedError


class PolicyErrorCode:
    INVALID_VALUE = "invalid_value"
    MISSING_FIELD = "missing_field"
    NEGATIVE_AMOUNT = "negative_amount"
    FUTURE_DATE = "future_date"
    UNKNOWN_REGION = "unknown_region"
    NO_STANDARD = "no_standard"
    BAD_ID_NUMBER = "bad_id_number"
    UNKNOWN_CHOICE = "unknown_choice"


class PolicyInputError(CodedError, ValueError):
    """Input that doesn't make sense: names the field (a JSON path such as members[1].birth_date)."""

    def __init__(self, code: str, field: str, message, **params):
        super().__init__(code, message, field=field, **params)


MESSAGES = {
    "missing_field": _("This field is required."),
    "negative_amount": _("An amount cannot be negative: %(value)s."),
    "future_date": _("The date %(value)s is after the as-of date %(as_of)s."),
    "unknown_region": _("Unknown region code %(value)s."),
    "no_standard": _("No value of %(parameter)s is in force in region %(region)s on %(as_of)s."),
    "invalid_value": _("Invalid value %(value)s: %(reason)s"),
    "unknown_choice": _("Unknown value %(value)s; allowed: %(allowed)s."),
}
