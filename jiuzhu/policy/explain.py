"""Screening one household with its explanation: the batch pipeline, run by DuckDB on one household.

Every rule's value is reported with its label, unit and legal basis, and every parameter with the region and
document it came from, so a caseworker can follow each number.
"""
import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from jiuzhu.core.masking import mask_id_number
from jiuzhu.policy.basis import BASES
from jiuzhu.policy.inputs import HouseholdInput, parse_household
from jiuzhu.policy.parameters import SPEC_BY_NAME, flat_columns
from jiuzhu.policy.compiled import INPUT_NAMES, CompiledPipeline, compile_pipeline
from jiuzhu.policy.pipeline import PARAM_KEY_DIGITS
from jiuzhu.policy.resolve import ParameterBook, params_table_from_resolved
from jiuzhu.policy.rules import RULES

_local = threading.local()
HOUSEHOLD_STAGES = ("household_agg", "household", "total_agg", "total")
PERSON_STAGES = ("person", "member")


def _connection():
    import duckdb

    con = getattr(_local, "duckdb", None)
    if con is None:
        con = _local.duckdb = duckdb.connect()
    return con


def _run(compiled: CompiledPipeline, tables: dict[str, pa.Table], names: list[str]) -> dict[str, list[dict]]:
    con = _connection()
    for key, table in tables.items():
        con.register(INPUT_NAMES[key], table)
    try:
        for temp, sql in compiled.stages:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {sql}")
        return {name: con.sql(compiled.outputs[name]).to_arrow_table().to_pylist() for name in names}
    finally:
        for key in tables:
            con.unregister(INPUT_NAMES[key])


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value.normalize())
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value


def yuan(fen: int | None) -> Decimal:
    """Engine money (int fen) as Decimal yuan."""
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _rule_entry(rule, value) -> dict:
    basis = BASES.get(rule.basis) if rule.basis else None
    if rule.kind == "amount":
        value = yuan(value)
    return {
        "rule": rule.name,
        "label": str(rule.label),
        "value": jsonable(value),
        "unit": str(rule.unit) if rule.unit else "",
        "kind": rule.kind,
        "basis": basis.as_dict() if basis else None,
        "explanation": rule.doc,
    }


def screen_household(*, data: dict, as_of: date, book: ParameterBook | None = None,
                     household_id: int = 1) -> dict:
    """Decide tiers and amounts for one household on `as_of`, with the full explanation (JSON-ready)."""
    inp: HouseholdInput = parse_household(data, as_of=as_of, household_id=household_id)
    book = book or ParameterBook.from_database()
    resolved = book.resolve(region_code=inp.region_code, as_of=as_of)
    params = params_table_from_resolved(resolved, param_key=inp.region_code[:PARAM_KEY_DIGITS], as_of=as_of)
    tables = {"households": inp.households, "persons": inp.persons, "supporters": inp.supporters,
              "params": params}
    compiled = compile_pipeline(dialect="duckdb", schemas={k: t.schema for k, t in tables.items()}, mode="single")
    out = _run(compiled, tables, ["households_full", "persons_full", "supporters_full", "person_tiers"])
    household = out["households_full"][0]
    persons = {r["person_id"]: r for r in out["persons_full"]}
    supporters = out["supporters_full"]
    tiers = {r["person_id"]: r for r in out["person_tiers"]}

    person_ids = inp.persons.column("person_id").to_pylist()
    members_out = []
    for pid, member in zip(person_ids, inp.members):
        row = persons[pid]
        tier_row = tiers.get(pid)
        members_out.append({
            "name": member["name"],
            "id_number": mask_id_number(member["id_number"]),
            "relation": member["relation"],
            "person_tier": tier_row["person_tier"] if tier_row else "",
            "monthly_amount": jsonable(yuan(tier_row["person_amount"] if tier_row else 0)),
            "rules": [_rule_entry(r, row[r.name]) for r in RULES if r.stage in PERSON_STAGES and r.explain],
        })
    supporters_out = [
        {"name": s["supporter_name"], "relation": s["supporter_relation"],
         "rules": [_rule_entry(r, s[r.name]) for r in RULES if r.stage == "supporter" and r.explain]}
        for s in supporters
    ]
    return {
        "as_of": as_of.isoformat(),
        "region_code": inp.region_code,
        "tier": household["tier"],
        "monthly_total": jsonable(yuan(household["monthly_total"])),
        "summary": {k: jsonable(yuan(v) if k in _AMOUNTS else v) for k, v in household.items() if k in _SUMMARY},
        "household_rules": [_rule_entry(r, household[r.name]) for r in RULES
                            if r.stage in HOUSEHOLD_STAGES and r.explain],
        "members": members_out,
        "legal_supporters": supporters_out,
        "parameters": [resolved[name].as_dict() | {"value": jsonable(resolved[name].value)
                                                   if not isinstance(resolved[name].value, (tuple, list))
                                                   else SPEC_BY_NAME[name].dump(resolved[name].value),
                                                   "effective_from": jsonable(resolved[name].effective_from)}
                       for name in resolved],
    }


_AMOUNTS = {r.name for r in RULES if r.kind == "amount"}
_SUMMARY = ("tier", "monthly_total", "counted_members", "income_counted_total", "income_net_total",
            "income_per_capita", "dibao_standard", "assets_ok", "dibao_amount", "dibao_covered_persons",
            "individual_dibao_persons", "individual_dibao_per_person", "ep_members", "ep_amount_total",
            "rigid_expense_12m", "temporary_amount", "assist_first_amount", "gradual_exit")
