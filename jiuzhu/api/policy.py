"""Policy: screening a household against the rules (explained), and the standards in force.

`POST /screen` decides a household given as JSON (the format of docs/household-json.md, as for
`jiuzhu screen one`); `GET /households/{id}/screen` decides a registry household (read through the
selectors, audited); `GET /standards` lists the parameters in force in a region with where each comes from.
"""
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from jiuzhu.api.common import REGION_CODE_PATTERN, request_user, require_registry_reader
from jiuzhu.api.errors import ApiError, ApiErrorCode
from jiuzhu.api.schemas import ErrorOut, FieldErrorOut
from jiuzhu.api.services import api_read_record
from jiuzhu.api.types import Money
from jiuzhu.core.scope import region_in_scope, region_list
from jiuzhu.policy.errors import PolicyInputError
from jiuzhu.policy.explain import screen_household
from jiuzhu.policy.facts import household_facts
from jiuzhu.policy.selectors import standards_in_force
from jiuzhu.registry.selectors import household_get

router = Router(tags=["policy"])


# --- Schemas --------------------------------------------------------------------------------------------

class ScreenIn(Schema):
    """A household to screen, and the date to screen it on."""

    as_of: date = Field(description="The date the decision is made for: standards in force and ages on it.")
    household: dict[str, Any] = Field(
        description="The household JSON of docs/household-json.md (the format `jiuzhu screen one` reads): "
        "region_code, hukou, members (id_number, relation, monthly_income, …), assets, rigid_expense_12m, "
        "legal_supporters. Amounts are strings in yuan (\"1234.50\"); JSON numbers with decimals are refused.",
        examples=[{"region_code": "370402001001", "hukou": "rural",
                   "members": [{"id_number": "370402195803090056", "relation": "head",
                                "monthly_income": {"wage": "600.00"}}]}],
    )


class ScreenErrorOut(Schema):
    """An error of a screening request. A household whose facts do not make sense (PolicyInputError) is
    answered with its stable `code`, the `field` at fault (a path such as members[1].birth_date) and a
    translated `message`; an invalid request body with code validation_error and `errors`."""

    code: str = Field(description="invalid_value, missing_field, negative_amount, future_date, unknown_region, "
                      "no_standard, bad_id_number, unknown_choice, inconsistent; or validation_error.",
                      examples=["future_date"])
    field: str | None = Field(None, description="Where in the household JSON the problem is.",
                              examples=["members[0].birth_date"])
    message: str = Field(description="Translated message (Accept-Language: zh-hans by default, en).")
    errors: list[FieldErrorOut] | None = Field(None, description="Only for validation_error.")


class BasisOut(Schema):
    """Where a rule comes from."""

    code: str
    document: str = Field(description="The document's title, as cited (Chinese).")
    article: str = Field(description="Where in the document (Chinese).")
    summary: str = Field(description="What it says, in the request's language.")


class RuleOut(Schema):
    """One rule's value for the household, a member or a legal supporter."""

    rule: str = Field(description="The rule's code name (glossary).")
    label: str = Field(description="The rule's name in the request's language.")
    value: Any = Field(description="Amounts as strings in yuan; conditions true/false; counts and ages numbers; "
                       "tiers as code names.")
    unit: str
    kind: Literal["value", "condition", "amount", "count"]
    basis: BasisOut | None
    explanation: str = Field(description="The rule's documentation: how the value is computed (English).")


class MemberDecisionOut(Schema):
    """A member of the household: the person-level tier and amount, and the rules evaluated for them."""

    name: str
    id_number: str = Field(description="Masked.")
    relation: str
    person_tier: str = Field(description="A person-level tier (extreme_poverty, dibao_individual) or empty.")
    monthly_amount: Money
    rules: list[RuleOut]


class SupporterDecisionOut(Schema):
    """A legal supporter outside the household, and the rules on whether they can support."""

    name: str
    relation: str
    rules: list[RuleOut]


class ParameterUsedOut(Schema):
    """A standard the decision used, with where it was set."""

    name: str
    label: str
    value: Any = Field(description="Money, shares and multiples as decimal strings; lists and bands as JSON.")
    region_code: str = Field(description="The region whose value applied; empty for the national default of "
                             "the rules (RULES.md).")
    effective_from: date | None
    source_document: str


class DecisionOut(Schema):
    """The explained decision of the rules for one household on one date."""

    as_of: date
    region_code: str
    tier: Literal["", "extreme_poverty", "dibao", "dibao_marginal", "rigid_expense"] = Field(
        description="The household's tier; empty when none applies. Person-level tiers are in members.")
    monthly_total: Money = Field(description="Dibao, extreme-poverty amounts and individual dibao together.")
    summary: dict[str, Any] = Field(description="The main figures by rule name (amounts as strings in yuan).")
    household_rules: list[RuleOut]
    members: list[MemberDecisionOut]
    legal_supporters: list[SupporterDecisionOut]
    parameters: list[ParameterUsedOut]


class StandardOut(Schema):
    """One parameter in force in the region on the date."""

    name: str = Field(description="The parameter's code name (jiuzhu/policy/parameters.py).")
    label: str = Field(description="Its name in the request's language.")
    kind: Literal["money", "share", "number", "int", "bool", "choice", "list", "bands"]
    unit: str
    value: Any = Field(description="Money, shares and multiples as decimal strings (\"941.00\", \"0.6\"); "
                       "lists as arrays of codes; bands as [[upper bound, value], …].")
    origin: Literal["own", "inherited", "national", "default", "missing"] = Field(
        description="own: set for this region; inherited: from an ancestor region (region_code); national: "
        "set for the whole country; default: the national default of the rules (RULES.md); missing: set "
        "nowhere and without a default (value null): screening in this region fails until it is entered.")
    region_code: str = Field(description="Where the value was set; empty for a default.")
    effective_from: date | None
    source_document: str


class StandardsOut(Schema):
    """The parameters in force in a region on a date, in the order of the catalogue."""

    region: str
    as_of: date
    parameters: list[StandardOut]


class StandardsQuery(Schema):
    """Which region and date."""

    region: str | None = Field(None, pattern=REGION_CODE_PATTERN,
                               description="12-digit code of a region of your subtree; your own region by default.")
    as_of: date | None = Field(None, description="Date; today by default.")


class AsOfQuery(Schema):
    """The date of the decision."""

    as_of: date | None = Field(None, description="Date of the decision; today by default.")


SCREEN_RESPONSES = {200: DecisionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ScreenErrorOut}


def _decide(data: dict, *, as_of: date, household_id: int = 1):
    try:
        return Status(200, screen_household(data=data, as_of=as_of, household_id=household_id))
    except PolicyInputError as exc:
        return Status(422, exc.as_dict())


# --- Endpoints --------------------------------------------------------------------------------------------

@router.post("/screen", response=SCREEN_RESPONSES, summary="Screen a household given as JSON", url_name="screen")
def screen(request: HttpRequest, payload: ScreenIn):
    """Decide tier and amounts for a household described in the request, on `as_of`, with the explanation of
    every rule (label, value, legal basis) and the standards used. Nothing is stored. Only roles that read
    the registry may call it, for a region within their subtree (403 otherwise). Facts that do not make sense
    are answered 422 with the code and field at fault."""
    user = request_user(request)
    require_registry_reader(user)
    # The rules read the code as text whatever its JSON type, so the scope check must too.
    region_code = str(payload.household.get("region_code") or "")
    if region_code and not region_in_scope(user=user, code=region_code):
        raise ApiError(ApiErrorCode.PERMISSION_DENIED, _("This household's region is outside your area."))
    return _decide(payload.household, as_of=payload.as_of)


@router.get("/households/{household_id}/screen", response=SCREEN_RESPONSES,
            summary="Screen a registry household", url_name="household_screen")
def household_screen(request: HttpRequest, household_id: int, query: Query[AsOfQuery]):
    """The explained decision for a household of the registry on `as_of` (today by default), from the facts
    the registry holds. Outside the user's region subtree: 404. Audited like every read of a household. A
    record whose facts are incomplete is answered 422 with the field at fault."""
    user = request_user(request)
    require_registry_reader(user)
    household = household_get(user=user, pk=household_id)
    as_of = query.as_of or timezone.localdate()
    api_read_record(user=user, request=request, endpoint="household_screen", object_type="household",
                    object_id=household.pk, region_code=household.region_id, detail={"as_of": as_of.isoformat()})
    return _decide(household_facts(household, as_of=as_of), as_of=as_of, household_id=household.pk)


@router.get("/standards", response={200: StandardsOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            summary="Standards in force in a region", url_name="standards")
def standards(request: HttpRequest, query: Query[StandardsQuery]):
    """Every parameter of the rules as it applies in a region on a date: its value, and whether the region
    set it, inherited it from an ancestor, or has the national default. A region outside the user's
    subtree is 404."""
    user = request_user(request)
    code = query.region or getattr(user, "home_region_id", None)
    if not code:
        raise ApiError(ApiErrorCode.VALIDATION_ERROR, _("Give the region (your account has none)."))
    if not region_list(user=user).filter(code=code).exists():
        raise ApiError(ApiErrorCode.NOT_FOUND)
    as_of = query.as_of or timezone.localdate()
    rows = standards_in_force(region_code=code, as_of=as_of)
    return {
        "region": code,
        "as_of": as_of,
        "parameters": [
            {"name": row.spec.name, "label": str(row.spec.label), "kind": row.spec.kind,
             "unit": str(row.spec.unit or ""), "origin": row.origin,
             "value": None if row.resolved.value is None else row.spec.dump(row.resolved.value),
             "region_code": row.resolved.region_code, "effective_from": row.resolved.effective_from,
             "source_document": row.resolved.source_document}
            for row in rows
        ],
    }
