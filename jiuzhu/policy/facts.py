"""A registry household as the household JSON of docs/household-json.md (the rules engine's input).

The page's "screen now", the API and the nightly snapshot all describe a household to the rules through
this one function, so the decision on screen is the decision of the batch.
"""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from jiuzhu.registry.choices import PERSON_TIERS
from jiuzhu.registry.models import Household

EXEMPT_VEHICLES = {"motorcycle", "ebike", "motorised_wheelchair"}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def household_facts(household: Household, *, as_of: date) -> dict:
    """The facts of a household (with its members, incomes, assets, expenditure and supporters prefetched,
    e.g. by registry.selectors.household_get)."""
    members = list(household.members.all())
    head_id = household.head_id
    incomes: dict[int | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for item in household.income_items.all():
        # Household-level items (no member) are counted with the head.
        incomes[item.person_id or head_id][item.kind] += item.monthly_amount
    assets = {"deposits": Decimal(0), "financial_assets": Decimal(0), "dwelling_count": 0,
              "dwelling_value": Decimal(0), "vehicle_count": 0, "vehicle_value": Decimal(0),
              "exempt_vehicle_count": 0, "business_count": 0, "business_annual_profit": Decimal(0)}
    for asset in household.assets.all():
        if asset.kind == "deposit":
            assets["deposits"] += asset.value
        elif asset.kind == "financial":
            assets["financial_assets"] += asset.value
        elif asset.kind == "dwelling":
            assets["dwelling_count"] += 1
            assets["dwelling_value"] += asset.value
        elif asset.kind == "vehicle" and asset.vehicle_kind in EXEMPT_VEHICLES:
            assets["exempt_vehicle_count"] += 1
        elif asset.kind == "vehicle":
            assets["vehicle_count"] += 1
            assets["vehicle_value"] = max(assets["vehicle_value"], asset.value)
        elif asset.kind == "business":
            assets["business_count"] += 1
            assets["business_annual_profit"] += asset.annual_profit or Decimal(0)
    rigid: dict[str, Decimal] = defaultdict(Decimal)
    for expense in household.rigid_expenses.all():
        rigid[expense.kind] += expense.amount_12m
    active = [t for t in household.tier_memberships.all() if t.is_active_on(as_of)]
    registered = [t.tier for t in active if t.tier not in PERSON_TIERS and t.person_id is None]
    if not registered and any(t.tier == "extreme_poverty" for t in active):
        # Only members are registered (特困 is decided per person): the household's tier is extreme poverty,
        # as the rules report it when every counted member is.
        registered = ["extreme_poverty"]
    return {
        "region_code": household.region_id,
        "hukou": household.hukou,
        "registered_tier": registered[0] if registered else "",
        "members": [
            {
                "id_number": p.id_number, "name": p.name, "sex": p.sex, "birth_date": p.birth_date.isoformat(),
                "relation": p.relation, "hukou": p.hukou, "labour_capacity": p.labour_capacity,
                "self_care_failed_activities": list(p.self_care_failed_activities or []),
                "disability_type": p.disability_type, "disability_grade": p.disability_grade,
                "serious_illness": p.serious_illness, "student_stage": p.student_stage,
                "employment": p.employment, "child_status": p.child_status,
                "not_counted_reason": p.not_counted_reason, "work_refusals": p.work_refusals,
                "death_date": p.death_date.isoformat() if p.death_date and p.death_date <= as_of else None,
                "monthly_income": {k: _money(v) for k, v in incomes.get(p.pk, {}).items()},
            }
            for p in members
        ],
        "assets": {k: _money(v) if isinstance(v, Decimal) else v for k, v in assets.items()},
        "rigid_expense_12m": {k: _money(v) for k, v in rigid.items()},
        "legal_supporters": [
            {
                "supported_member": s.supported_person.id_number, "name": s.name, "id_number": s.id_number,
                "birth_date": s.birth_date.isoformat() if s.birth_date else None, "relation": s.relation,
                "tier": s.tier, "disability_type": s.disability_type, "disability_grade": s.disability_grade,
                "annual_income": _money(s.annual_income) if s.annual_income is not None else None,
                "assets_value": _money(s.assets_value) if s.assets_value is not None else None,
                "incapacity": s.incapacity,
            }
            for s in household.legal_supporters.all()
        ],
    }


def households_tables(households: list[Household], *, as_of: date):
    """Registry households (prefetched as by policy.selectors.screening_households_chunk) as the rules' input
    tables, keyed by their primary keys: (tables, errors) of policy.inputs.households_to_tables. Screening runs
    and the review scheduler hand households to the batch engine through this one function."""
    from jiuzhu.policy.inputs import households_to_tables

    return households_to_tables([{**household_facts(h, as_of=as_of), "household_id": h.pk} for h in households],
                                as_of=as_of)
