"""Every read of personal data in the registry goes through these functions.

They take `*, user` and return querysets already limited to the user's region subtree and role, so the
pages, the API, the exports and the admin share one rule.
"""
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from jiuzhu.core.idnumber import IdNumberError, normalize_id_number
from jiuzhu.core.roles import can_read_registry
from jiuzhu.core.scope import filter_by_region
from jiuzhu.registry.models import (
    Asset,
    Household,
    IncomeItem,
    LegalSupporter,
    Person,
    RigidExpense,
    TierMembership,
)


def household_scope(*, user) -> QuerySet[Household]:
    """All households this user may read."""
    if not can_read_registry(user):
        return Household.objects.none()
    return filter_by_region(Household.objects.all(), user=user)


def person_scope(*, user) -> QuerySet[Person]:
    if not can_read_registry(user):
        return Person.objects.none()
    return filter_by_region(Person.objects.all(), user=user, field="household__region")


def active_tiers_q(day: date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def household_list(
    *,
    user,
    q: str = "",
    region_code: str = "",
    tier: str = "",
    status: str = "",
    hukou: str = "",
    as_of: date | None = None,
) -> QuerySet[Household]:
    """Households in scope, searched by name or ID number and filtered by region, tier and status."""
    qs = household_scope(user=user)
    if region_code:
        from jiuzhu.core.models import Region

        region = Region.objects.filter(code=region_code).first()
        prefix = region.prefix if region else region_code
        qs = qs.filter(region__code__startswith=prefix)
    if status:
        qs = qs.filter(status=status)
    if hukou:
        qs = qs.filter(hukou=hukou)
    if tier:
        day = as_of or timezone.localdate()
        qs = qs.filter(
            Exists(TierMembership.objects.filter(active_tiers_q(day), household=OuterRef("pk"), tier=tier))
        )
    q = (q or "").strip()
    if q:
        qs = qs.filter(_search_q(q))
    return (
        qs.select_related("region", "head")
        .prefetch_related(
            Prefetch(
                "tier_memberships",
                queryset=TierMembership.objects.filter(active_tiers_q(as_of or timezone.localdate())),
                to_attr="active_tiers",
            )
        )
        .order_by("region_id", "id")
    )


def _search_q(q: str) -> Q:
    """A query that looks like an ID number matches it exactly (normalised); otherwise names match."""
    digits = sum(ch.isdigit() for ch in q)
    if digits >= 6:
        try:
            number = normalize_id_number(q)
        except IdNumberError:
            number = None
        if number:
            return Exists(Person.objects.filter(household=OuterRef("pk"), id_number=number))
        # A partial number: prefix match on members' ID numbers.
        cleaned = q.replace(" ", "").upper()
        return Exists(Person.objects.filter(household=OuterRef("pk"), id_number__startswith=cleaned))
    return Exists(Person.objects.filter(household=OuterRef("pk"), name__contains=q)) | Q(address__contains=q)


def household_get(*, user, pk: int) -> Household:
    """One household in scope, with everything its page shows; raises Household.DoesNotExist."""
    return (
        household_scope(user=user)
        .select_related("region", "head")
        .prefetch_related(
            Prefetch("members", queryset=Person.objects.order_by("id")),
            Prefetch("income_items", queryset=IncomeItem.objects.select_related("person")),
            Prefetch("assets", queryset=Asset.objects.all()),
            Prefetch("rigid_expenses", queryset=RigidExpense.objects.all()),
            Prefetch("legal_supporters", queryset=LegalSupporter.objects.select_related("supported_person")),
            Prefetch("tier_memberships", queryset=TierMembership.objects.select_related("person")),
        )
        .get(pk=pk)
    )


def household_for_rules(*, pk: int) -> Household:
    """One household with everything the rules read, for a service acting on a case the actor may handle
    (the case's region was checked); not for views."""
    return (
        Household.objects.select_related("region", "head")
        .prefetch_related(
            Prefetch("members", queryset=Person.objects.order_by("id")),
            "income_items", "assets", "rigid_expenses",
            Prefetch("legal_supporters", queryset=LegalSupporter.objects.select_related("supported_person")),
            "tier_memberships",
        )
        .get(pk=pk)
    )


def household_history(*, user, household: Household, limit: int = 200) -> list[dict]:
    """The change history of a household and everything in it, newest first."""
    # `household` was obtained through household_get, so the scope check has already happened.
    del user
    entries = []
    sources = [
        (Household.history.filter(id=household.pk), "household"),
        (Person.history.filter(household_id=household.pk), "person"),
        (IncomeItem.history.filter(household_id=household.pk), "income"),
        (Asset.history.filter(household_id=household.pk), "asset"),
        (RigidExpense.history.filter(household_id=household.pk), "rigid_expense"),
        (LegalSupporter.history.filter(household_id=household.pk), "legal_supporter"),
        (TierMembership.history.filter(household_id=household.pk), "tier"),
    ]
    for qs, kind in sources:
        for record in qs.select_related("history_user").order_by("-history_date")[:limit]:
            changes = []
            if record.history_type == "~" and record.prev_record is not None:
                delta = record.diff_against(record.prev_record)
                changes = [
                    {"field": c.field, "old": c.old, "new": c.new} for c in delta.changes
                ]
            entries.append(
                {
                    "kind": kind,
                    "object": str(record.instance) if kind != "household" else "",
                    "type": record.history_type,
                    "at": record.history_date,
                    "user": record.history_user,
                    "reason": record.history_change_reason or "",
                    "changes": changes,
                }
            )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]


def person_list(*, user, q: str = "", household_id: int | None = None) -> QuerySet[Person]:
    qs = person_scope(user=user).select_related("household", "household__region")
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    q = (q or "").strip()
    if q:
        try:
            qs = qs.filter(id_number=normalize_id_number(q))
        except IdNumberError:
            qs = qs.filter(name__contains=q)
    return qs.order_by("household_id", "id")


def person_get(*, user, pk: int) -> Person:
    return person_scope(user=user).select_related("household", "household__region").get(pk=pk)
