"""Persons (household members): list, detail, and the audited reveal of a full ID or phone number."""
from django.http import HttpRequest
from ninja import Field, Query, Router

from jiuzhu.api.common import filters_for_audit, request_user, require_registry_reader
from jiuzhu.api.pagination import PageParams, paginate
from jiuzhu.api.schemas import ERRORS, PersonDetailOut, PersonPage, RevealIn, RevealOut
from jiuzhu.api.services import api_read_record
from jiuzhu.registry.selectors import person_get, person_list
from jiuzhu.registry.services import person_number_reveal

router = Router(tags=["persons"])


class PersonFilters(PageParams):
    """Filters of the person list."""

    q: str = Field("", description="A name (contains) or a full ID number (exact, after normalisation).")
    household: int | None = Field(None, description="Only the members of this household.")


@router.get("", response={200: PersonPage, **ERRORS}, summary="List persons", url_name="person_list")
def persons_list(request: HttpRequest, filters: Query[PersonFilters]):
    """Members of the households of the user's region subtree, ordered by household and id."""
    user = request_user(request)
    require_registry_reader(user)
    qs = person_list(user=user, q=filters.q, household_id=filters.household)
    page = paginate(request, qs, filters)
    api_read_record(
        user=user, request=request, endpoint="person_list", object_type="person",
        detail={"filters": filters_for_audit(filters), "count": page["count"], "page": page["page"]},
    )
    return page


@router.get(
    "/{person_id}", response={200: PersonDetailOut, **ERRORS}, summary="Get a person",
    url_name="person_detail",
)
def person_detail(request: HttpRequest, person_id: int):
    """One member, numbers masked. Outside the user's region subtree: 404."""
    user = request_user(request)
    require_registry_reader(user)
    person = person_get(user=user, pk=person_id)
    api_read_record(
        user=user, request=request, endpoint="person_detail", object_type="person", object_id=person.pk,
        region_code=person.household.region_id,
    )
    return person


@router.post(
    "/{person_id}/reveal", response={200: RevealOut, **ERRORS}, summary="Reveal a full number",
    url_name="person_reveal",
)
def person_reveal(request: HttpRequest, person_id: int, payload: RevealIn):
    """The full ID number or phone number of a member, for roles allowed to see it (county bureau,
    township assistant, grid worker); other roles get 403. Every reveal is audited. A browser session
    must send the CSRF token (X-CSRFToken header)."""
    user = request_user(request)
    require_registry_reader(user)
    person = person_get(user=user, pk=person_id)
    value = person_number_reveal(user=user, person=person, field=payload.field, request=request)
    return {"person": person.pk, "field": payload.field, "value": value}
