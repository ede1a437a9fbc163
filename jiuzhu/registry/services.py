"""Everything that writes in the registry (and the audited reads: reveals and views)."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction
from jiuzhu.core.roles import can_reveal_numbers
from jiuzhu.registry.models import Household, Person


def household_view_record(*, user, household: Household, request=None) -> None:
    """Audit that a user opened a household's personal data."""
    audit_record(
        actor=user, action=AuditAction.VIEW_HOUSEHOLD, object_type="household", object_id=household.pk,
        region_code=household.region_id, request=request,
    )


def person_number_reveal(*, user, person: Person, field: str, request=None) -> str:
    """Return a member's full ID or phone number to a role that needs it, and audit the reveal.

    `person` must come from a selector, so the region check has already been made.
    """
    if field not in {"id_number", "phone"}:
        raise ValueError(field)
    if not can_reveal_numbers(user):
        raise PermissionDenied(_("Your role may not see full ID or phone numbers."))
    action = AuditAction.REVEAL_ID_NUMBER if field == "id_number" else AuditAction.REVEAL_PHONE
    audit_record(
        actor=user, action=action, object_type="person", object_id=person.pk,
        region_code=person.household.region_id, request=request,
    )
    return getattr(person, field)
