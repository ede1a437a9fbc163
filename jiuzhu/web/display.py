"""Turning a household (already read through the selectors) into what its page shows."""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone
from jiuzhu.registry.choices import SelfCareActivity
from jiuzhu.registry.models import (
    Asset,
    Household,
    IncomeItem,
    LegalSupporter,
    Person,
    RigidExpense,
    TierMembership,
)

HISTORY_MODELS: dict[str, type[models.Model]] = {
    "household": Household,
    "person": Person,
    "income": IncomeItem,
    "asset": Asset,
    "rigid_expense": RigidExpense,
    "legal_supporter": LegalSupporter,
    "tier": TierMembership,
}

# The history must not become a way round masking: an ID or phone number that changed is shown masked.
MASKED_FIELDS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_account_number}

# Bookkeeping fields that change on every save and tell a reader nothing.
HIDDEN_HISTORY_FIELDS = {"updated_at", "created_at"}

EMPTY = "—"


def member_rows(household: Household, *, today: date) -> list[Person]:
    """The members in registration order, each with its age today."""
    members = list(household.members.all())
    for member in members:
        member.age = member.age_on(today)
    return members


def income_groups(household: Household) -> tuple[list[dict], Decimal]:
    """Monthly income items grouped by member (household-level items last), with totals in yuan."""
    by_person: dict[int | None, list[IncomeItem]] = defaultdict(list)
    for item in household.income_items.all():
        by_person[item.person_id].append(item)
    members = {m.pk: m for m in household.members.all()}
    groups = []
    for person_id in [*(pk for pk in members if pk in by_person), *([None] if None in by_person else [])]:
        items = sorted(by_person[person_id], key=lambda i: i.kind)
        groups.append(
            {
                "person": members.get(person_id),
                "items": items,
                "total": sum((i.monthly_amount for i in items), Decimal("0.00")),
            }
        )
    total = sum((g["total"] for g in groups), Decimal("0.00"))
    return groups, total


def _display_value(field: models.Field, value, *, people: dict[int, str]) -> str:
    if field.name in MASKED_FIELDS:
        return MASKED_FIELDS[field.name](value) or EMPTY
    if value is None or value == "" or value == []:
        return EMPTY
    if field.name == "self_care_failed_activities":
        labels = dict(SelfCareActivity.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.ForeignKey) and field.related_model is Person:
        return people.get(value, str(value))
    return str(value)


def history_rows(entries: list[dict], *, household: Household) -> list[dict]:
    """The household's change history, field by field in the words of the form, newest first."""
    people = {m.pk: m.name for m in household.members.all()}
    type_labels = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
    rows = []
    for entry in entries:
        model = HISTORY_MODELS[entry["kind"]]
        changes = []
        for change in entry["changes"]:
            if change["field"] in HIDDEN_HISTORY_FIELDS:
                continue
            field = model._meta.get_field(change["field"])
            changes.append(
                {
                    "field": capfirst(field.verbose_name),
                    "old": _display_value(field, change["old"], people=people),
                    "new": _display_value(field, change["new"], people=people),
                }
            )
        if entry["type"] == "~" and not changes:
            continue  # a save that changed only bookkeeping fields
        rows.append(
            {
                "what": capfirst(model._meta.verbose_name),
                # Only a person's str() (the name) means something; the other records have no name.
                "object": entry["object"] if entry["kind"] == "person" else "",
                "type": type_labels.get(entry["type"], entry["type"]),
                "at": entry["at"],
                "user": entry["user"],
                "reason": entry["reason"],
                "changes": changes,
            }
        )
    return rows


def household_page(household: Household, *, history: list[dict], today: date) -> dict:
    """Everything the household page shows, from a household read by `household_get`."""
    incomes, income_total = income_groups(household)
    rigid = list(household.rigid_expenses.all())
    tiers = list(household.tier_memberships.all())
    for membership in tiers:
        membership.active = membership.is_active_on(today)
    return {
        "household": household,
        "region_path": household.region.path(),
        "members": member_rows(household, today=today),
        "income_groups": incomes,
        "income_total": income_total,
        "assets": list(household.assets.all()),
        "rigid_expenses": rigid,
        "rigid_total": sum((r.amount_12m for r in rigid), Decimal("0.00")),
        "legal_supporters": list(household.legal_supporters.all()),
        "tier_memberships": tiers,
        "history": history_rows(history, household=household),
        "today": today,
    }
