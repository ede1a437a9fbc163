"""Aggregates for the web pages, built only on the registry's selectors (so always within scope)."""
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jiuzhu.registry.choices import HouseholdStatus, Tier
from jiuzhu.registry.models import Person, TierMembership
from jiuzhu.registry.selectors import active_tiers_q, household_list, household_scope, person_scope


def _in_tier(day: date, tier: str, *, household_ref: str, person_ref: str | None = None) -> Exists:
    memberships = TierMembership.objects.filter(active_tiers_q(day), household=OuterRef(household_ref), tier=tier)
    if person_ref is not None:
        # A person-level tier (特困, 单人保) covers only the member named in it; a household-level
        # membership (no person) covers every member.
        memberships = memberships.filter(Q(person__isnull=True) | Q(person=OuterRef(person_ref)))
    return Exists(memberships)


def registry_summary(*, user, as_of: date) -> dict:
    """Households and persons in the user's scope, in total and per tier active on `as_of`.

    Two aggregate queries whatever the size of the region: one over households, one over persons.
    """
    households = household_scope(user=user).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=HouseholdStatus.ACTIVE)),
        **{f"tier_{t}": Count("pk", filter=Q(_in_tier(as_of, t, household_ref="pk"))) for t in Tier.values},
    )
    persons = person_scope(user=user).aggregate(
        total=Count("pk"),
        **{
            f"tier_{t}": Count("pk", filter=Q(_in_tier(as_of, t, household_ref="household", person_ref="pk")))
            for t in Tier.values
        },
    )
    tiers = [
        {
            "tier": tier,
            "label": tier.label,
            "households": households[f"tier_{tier.value}"],
            "persons": persons[f"tier_{tier.value}"],
        }
        for tier in Tier
    ]
    return {
        "households": households["total"],
        "active_households": households["active"],
        "persons": persons["total"],
        "tiers": tiers,
    }


def household_rows(*, user, as_of: date, **filters) -> QuerySet:
    """The household list with each row's member count, counted in the same query as the rows.

    A correlated subquery rather than a join: the paginator's COUNT(*) then leaves it out, and the
    rows need no GROUP BY.
    """
    members = (
        Person.objects.filter(household=OuterRef("pk")).order_by().values("household")
        .annotate(n=Count("pk")).values("n")
    )
    return household_list(user=user, as_of=as_of, **filters).annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    )
