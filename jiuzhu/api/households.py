"""Households: list, detail, change history. Every read goes through jiuzhu.registry.selectors and is
audited (AuditAction.API_READ): one entry per request, never one per row."""
from datetime import date

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router

from jiuzhu.api.common import REGION_CODE_PATTERN, filters_for_audit, request_user, require_registry_reader
from jiuzhu.api.pagination import PageParams, paginate
from jiuzhu.api.schemas import ERRORS, HistoryEntryOut, HouseholdDetailOut, HouseholdPage
from jiuzhu.api.services import api_read_record
from jiuzhu.registry.choices import HouseholdStatus, Hukou, Tier
from jiuzhu.registry.selectors import household_get, household_history, household_list, person_list

router = Router(tags=["households"])


class HouseholdFilters(PageParams):
    """Filters of the household list."""

    q: str = Field(
        "",
        description="A member's name (contains), the address (contains), or a member's ID number "
        "(a full number matches exactly, 6 or more digits match as a prefix).",
    )
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="Only this region's subtree.")
    tier: Tier | None = Field(None, description="Only households holding this tier on the as_of date.")
    status: HouseholdStatus | None = None
    hukou: Hukou | None = None
    as_of: date | None = Field(None, description="Date on which tiers are judged; today by default.")


@router.get("", response={200: HouseholdPage, **ERRORS}, summary="List households", url_name="household_list")
def households_list(request: HttpRequest, filters: Query[HouseholdFilters]):
    """Households of the user's region subtree, ordered by region and id, with the tiers in force."""
    user = request_user(request)
    require_registry_reader(user)
    qs = household_list(
        user=user,
        q=filters.q,
        region_code=filters.region or "",
        tier=filters.tier or "",
        status=filters.status or "",
        hukou=filters.hukou or "",
        as_of=filters.as_of,
    )
    page = paginate(request, qs, filters)
    _attach_member_counts(user=user, households=page["items"])
    api_read_record(
        user=user, request=request, endpoint="household_list", object_type="household",
        detail={"filters": filters_for_audit(filters), "count": page["count"], "page": page["page"]},
    )
    return page


@router.get(
    "/{household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="Get a household",
    url_name="household_detail",
)
def household_detail(request: HttpRequest, household_id: int):
    """A household with its members, income items, assets, rigid expenditures, legal supporters and
    tier memberships. Outside the user's region subtree: 404."""
    user = request_user(request)
    require_registry_reader(user)
    household = household_get(user=user, pk=household_id)
    api_read_record(
        user=user, request=request, endpoint="household_detail", object_type="household",
        object_id=household.pk, region_code=household.region_id,
    )
    return household


@router.get(
    "/{household_id}/history", response={200: list[HistoryEntryOut], **ERRORS},
    summary="Get a household's change history", url_name="household_history",
)
def household_history_view(request: HttpRequest, household_id: int):
    """Every change to the household and to everything in it (members, income, assets, …), newest first,
    at most 200 entries. ID, phone and bank account numbers are masked in the old and new values too."""
    user = request_user(request)
    require_registry_reader(user)
    household = household_get(user=user, pk=household_id)
    entries = household_history(user=user, household=household)
    api_read_record(
        user=user, request=request, endpoint="household_history", object_type="household",
        object_id=household.pk, region_code=household.region_id,
    )
    return entries


def _attach_member_counts(*, user, households: list) -> None:
    """Count the members of one page of households in one query.

    Not an annotation on the list itself: COUNT over a join would make the pagination's COUNT(*) group
    the whole filtered registry, where counting a page's members is cheap.
    """
    counts = dict(
        person_list(user=user)
        .filter(household_id__in=[h.pk for h in households])
        .order_by()
        .values_list("household_id")
        .annotate(n=Count("id"))
    ) if households else {}
    for household in households:
        household.member_count = counts.get(household.pk, 0)
