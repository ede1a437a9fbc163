"""Everything that writes in the registry (and the audited reads: reveals and views)."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.idnumber import IdNumberError, parse_id_number
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.roles import can_reveal_numbers
from jiuzhu.registry.choices import PERSON_TIERS, IncomeKind, Relation, Tier
from jiuzhu.registry.models import Household, IncomeItem, Person, TierMembership


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


@dataclass(frozen=True)
class NewMember:
    """A member declared at intake (the registry's full record is completed by the survey or an import)."""

    name: str
    id_number: str
    relation: str
    monthly_income: Decimal = Decimal("0.00")
    labour_capacity: str = "full"
    phone: str = ""


@transaction.atomic
def household_register(*, actor, region: Region, address: str, hukou: str, members: list[NewMember],
                       today: date, request=None) -> Household:
    """Register a household that applies for the first time: its members from their ID numbers (sex and birth
    date are read from the number), each declared monthly income as wage income.

    Raises ValidationError naming the member and field at fault; nothing is saved then.
    """
    if not members:
        raise ValidationError({"members": _("A household needs at least its applicant.")})
    if sum(1 for m in members if m.relation == Relation.HEAD) != 1:
        raise ValidationError({"members": _("Exactly one member must be the head of household.")})
    parsed = []
    seen = set()
    for i, member in enumerate(members, start=1):
        try:
            number = parse_id_number(member.id_number, today=today)
        except IdNumberError as exc:
            raise ValidationError({"members": _("Member %(n)s: %(error)s") % {"n": i, "error": exc.message}}) from None
        if number.number in seen:
            raise ValidationError({"members": _("Member %(n)s: the ID number is given twice.") % {"n": i}})
        seen.add(number.number)
        existing = Person.objects.filter(id_number=number.number).select_related("household").first()
        if existing is not None:
            raise ValidationError({"members": _(
                "Member %(n)s: %(name)s is already registered in another household (number %(household)s); "
                "apply for that household instead.") % {"n": i, "name": existing.name,
                                                         "household": existing.household_id}})
        if member.monthly_income < 0:
            raise ValidationError({"members": _("Member %(n)s: income cannot be negative.") % {"n": i}})
        parsed.append((member, number))
    household = Household.objects.create(region=region, address=address, hukou=hukou)
    head = None
    for member, number in parsed:
        person = Person.objects.create(
            household=household, id_number=number.number, name=member.name, sex=number.sex,
            birth_date=number.birth_date, relation=member.relation, hukou=hukou,
            labour_capacity=member.labour_capacity, phone=member.phone,
        )
        if member.monthly_income:
            IncomeItem.objects.create(household=household, person=person, kind=IncomeKind.WAGE,
                                      monthly_amount=member.monthly_income, note=_("declared at application"))
        if member.relation == Relation.HEAD:
            head = person
    household.head = head
    household.save(update_fields=["head"])
    audit_record(actor=actor, action=AuditAction.REGISTER_HOUSEHOLD, object_type="household",
                 object_id=household.pk, region_code=region.code, request=request,
                 detail={"members": len(parsed)})
    return household


@transaction.atomic
def tier_memberships_replace(*, household: Household, effective_from: date, rows: list[dict], basis: str) -> list:
    """End the household's memberships active on `effective_from` the day before, and start `rows` (dicts of
    tier, person or None, monthly_amount or None) from that day. Used by an approved decision."""
    day_before = effective_from - timedelta(days=1)
    for membership in household.tier_memberships.filter(start_date__lt=effective_from, end_date__isnull=True):
        membership.end_date = day_before
        membership.save(update_fields=["end_date"])
    household.tier_memberships.filter(start_date__gte=effective_from).delete()
    created = [TierMembership.objects.create(household=household, person=row.get("person"), tier=row["tier"],
                                             start_date=effective_from, monthly_amount=row.get("monthly_amount"),
                                             basis=basis)
               for row in rows]
    return created


def membership_rows(*, result: dict, members: list[Person]) -> list[dict]:
    """The memberships an explained decision of the rules gives a household: each member's own tier (特困,
    individual dibao) with its amount, and the household's tier with the rest of the monthly total (no amount
    for a tier that pays nothing itself, e.g. marginal). `members` in the household's member order, which is
    the order of the decision's members. Used by approvals, reviews and changes alike."""
    rows, person_total = [], Decimal("0.00")
    for person, member in zip(members, result["members"], strict=True):
        if member["person_tier"] in PERSON_TIERS:
            amount = Decimal(str(member["monthly_amount"]))
            rows.append({"tier": member["person_tier"], "person": person, "monthly_amount": amount})
            person_total += amount
    tier = result["tier"]
    if tier and tier != Tier.EXTREME_POVERTY:
        rest = Decimal(str(result["monthly_total"])) - person_total
        rows.insert(0, {"tier": tier, "person": None, "monthly_amount": rest if rest > 0 else None})
    return rows
