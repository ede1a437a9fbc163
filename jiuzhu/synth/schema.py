"""The Parquet layout of a synthetic population: three datasets and their exact Arrow schemas.

The batch engines (DuckDB, Spark) and the database loader read these columns by name; docs/synthetic-data.md
describes them for people. Code values are exactly those of `jiuzhu.registry.choices`; "" means none.
"""
from __future__ import annotations

import pyarrow as pa

from jiuzhu.registry.choices import IncomeKind

FORMAT_NAME = "jiuzhu.synth.population"
FORMAT_VERSION = 2  # 2: persons carry id_key

MONEY = pa.decimal128(14, 2)
MONTHLY = pa.decimal128(12, 2)

INCOME_KINDS: list[str] = [str(k) for k in IncomeKind.values]
INCOME_COLUMNS: list[str] = [f"income_{k}" for k in INCOME_KINDS]
RIGID_KINDS = ["medical", "education", "care", "rehabilitation", "living"]


def _f(name: str, type_: pa.DataType, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable)


HOUSEHOLDS = pa.schema([
    _f("household_id", pa.int64()),
    _f("region_code", pa.string()),
    _f("hukou", pa.string()),
    _f("address", pa.string()),
    _f("head_person_id", pa.int64()),
    _f("status", pa.string()),
    _f("registered_tier", pa.string()),
    _f("deposits", MONEY),
    _f("financial_assets", MONEY),
    _f("dwelling_count", pa.int16()),
    _f("dwelling_value", MONEY),
    _f("vehicle_count", pa.int16()),
    _f("vehicle_value", MONEY),
    _f("exempt_vehicle_count", pa.int16()),
    _f("business_count", pa.int16()),
    _f("business_annual_profit", MONEY),
    *[_f(f"rigid_{k}_12m", MONEY) for k in RIGID_KINDS],
    _f("bank_account", pa.string()),
])

PERSONS = pa.schema([
    _f("person_id", pa.int64()),
    _f("household_id", pa.int64()),
    _f("id_number", pa.string()),
    _f("id_key", pa.int64()),   # the first 17 digits of id_number as a number: the join key of feed records
    _f("name", pa.string()),
    _f("sex", pa.string()),
    _f("birth_date", pa.date32()),
    _f("relation", pa.string()),
    _f("hukou", pa.string()),
    _f("labour_capacity", pa.string()),
    _f("self_care_failed", pa.int8()),
    _f("disability_type", pa.string()),
    _f("disability_grade", pa.int8(), nullable=True),
    _f("serious_illness", pa.bool_()),
    _f("student_stage", pa.string()),
    _f("employment", pa.string()),
    _f("child_status", pa.string()),
    _f("not_counted_reason", pa.string()),
    _f("phone", pa.string()),
    _f("death_date", pa.date32(), nullable=True),
    *[_f(c, MONTHLY) for c in INCOME_COLUMNS],
])

SUPPORTERS = pa.schema([
    _f("supporter_id", pa.int64()),
    _f("household_id", pa.int64()),
    _f("supported_person_id", pa.int64()),
    _f("name", pa.string()),
    _f("id_number", pa.string()),
    _f("birth_date", pa.date32()),
    _f("relation", pa.string()),
    _f("tier", pa.string()),
    _f("disability_type", pa.string()),
    _f("disability_grade", pa.int8(), nullable=True),
    _f("annual_income", MONEY, nullable=True),   # NULL: not known (the supporter then cannot be shown unable)
    _f("assets_value", MONEY, nullable=True),
    _f("incapacity", pa.string()),
])

DATASETS: dict[str, pa.Schema] = {"households": HOUSEHOLDS, "persons": PERSONS, "supporters": SUPPORTERS}


def describe(schema: pa.Schema) -> list[dict]:
    """The columns of a schema as JSON-ready dicts (for the manifest)."""
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema]
