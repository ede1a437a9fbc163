"""A registry snapshot in the normalised form the indicators read (engine.PERSONS, engine.HOUSEHOLDS):
one query per table, money in fen, for the households of a region subtree."""
from collections import defaultdict
from decimal import Decimal

import pyarrow as pa
from django.db.models import Sum

from jiuzhu.core.idnumber import id_key
from jiuzhu.monitoring.engine import HOUSEHOLDS, PERSONS
from jiuzhu.registry.choices import PERSON_TIERS, IncomeKind
from jiuzhu.registry.models import Household, IncomeItem, Person, RigidExpense, TierMembership
from jiuzhu.registry.selectors import active_tiers_q

TIER_ORDER = ("extreme_poverty", "dibao", "dibao_marginal", "rigid_expense", "poverty_relapse_risk",
              "other_hardship")


def _fen(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def registry_snapshot(*, region_prefix: str, as_of) -> dict[str, pa.Table]:
    """The persons and households of the region subtree (all of them for an empty prefix), as of a date."""
    households = Household.objects.filter(region__code__startswith=region_prefix)
    income = defaultdict(int)
    wage = defaultdict(int)
    for person_id, kind, amount in IncomeItem.objects.filter(household__in=households, person__isnull=False) \
            .values_list("person_id", "kind", "monthly_amount"):
        income[person_id] += _fen(amount)
        if kind == IncomeKind.WAGE:
            wage[person_id] += _fen(amount)
    household_income = defaultdict(int)
    for household_id, amount in IncomeItem.objects.filter(household__in=households).values_list(
            "household_id", "monthly_amount"):
        household_income[household_id] += _fen(amount)
    rigid = {h: _fen(v) for h, v in RigidExpense.objects.filter(household__in=households)
             .values("household_id").annotate(total=Sum("amount_12m")).values_list("household_id", "total")}
    tiers = defaultdict(set)
    for household_id, tier in TierMembership.objects.filter(active_tiers_q(as_of), household__in=households) \
            .values_list("household_id", "tier"):
        tiers[household_id].add(tier if tier not in PERSON_TIERS or tier == "extreme_poverty" else "dibao_marginal")
    persons, members = [], defaultdict(int)
    for p in Person.objects.filter(household__in=households).values(
            "pk", "household_id", "id_number", "name", "sex", "birth_date", "employment", "disability_grade",
            "death_date",
            "not_counted_reason"):
        alive = p["death_date"] is None or p["death_date"] > as_of
        if alive and not p["not_counted_reason"]:
            members[p["household_id"]] += 1
        persons.append({"person_id": p["pk"], "household_id": p["household_id"], "id_number": p["id_number"],
                        "id_key": id_key(p["id_number"]),
                        "name": p["name"], "sex": p["sex"], "birth_date": p["birth_date"], "employment": p["employment"],
                        "disability_grade": p["disability_grade"], "wage_fen": wage[p["pk"]], "alive": alive})
    rows = []
    for h in households.values("pk", "region_id", "hukou"):
        held = tiers[h["pk"]]
        tier = next((t for t in TIER_ORDER if t in held), "")
        rows.append({"household_id": h["pk"], "region_code": h["region_id"], "hukou": h["hukou"],
                     "registered_tier": tier, "rigid_12m_fen": rigid.get(h["pk"], 0), "members": members[h["pk"]],
                     "income_fen": household_income[h["pk"]]})
    return {"persons": pa.Table.from_pylist(persons, schema=PERSONS),
            "households": pa.Table.from_pylist(rows, schema=HOUSEHOLDS)}


def linkage_persons(snapshot: dict[str, pa.Table]) -> pa.Table:
    """The snapshot's persons as record linkage reads them: with their household's region code."""
    regions = dict(zip(snapshot["households"].column("household_id").to_pylist(),
                       snapshot["households"].column("region_code").to_pylist()))
    persons = snapshot["persons"]
    codes = [regions.get(h) for h in persons.column("household_id").to_pylist()]
    return persons.select(["person_id", "name", "sex", "birth_date"]).append_column("region_code",
                                                                                  pa.array(codes, pa.string()))
