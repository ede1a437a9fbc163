"""The household JSON format (docs/household-json.md): validation, and conversion to the input tables.

The same shape is accepted by `jiuzhu screen one`, by the API, and produced from a registry household, so
what a caseworker screens on the page is what the command line screens. Field names follow the glossary.
Amounts are decimal strings (or integers) in yuan; floats are refused, since they are not exact.
"""
import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from jiuzhu.core.idnumber import IdNumberError, id_key, parse_id_number
from jiuzhu.core.regions import level_of_code
from jiuzhu.policy.errors import MESSAGES, PolicyErrorCode, PolicyInputError
from jiuzhu.registry.choices import (
    ChildStatus,
    DisabilityType,
    Employment,
    Hukou,
    IncomeKind,
    LabourCapacity,
    NotCountedReason,
    Relation,
    RigidExpenseKind,
    SelfCareActivity,
    StudentStage,
    SupporterIncapacity,
    Tier,
)
from jiuzhu.synth import schema as population_schema

ASSET_FIELDS_MONEY = ["deposits", "financial_assets", "dwelling_value", "vehicle_value", "business_annual_profit"]
ASSET_FIELDS_COUNT = ["dwelling_count", "vehicle_count", "exempt_vehicle_count", "business_count"]
TEMPORARY_TYPES = ("", "emergency", "medical", "education")
MONEY_TYPE = pa.decimal128(18, 2)


@dataclass
class HouseholdInput:
    region_code: str
    households: pa.Table
    persons: pa.Table
    supporters: pa.Table
    members: list[dict]           # normalised member dicts, in input order (for the explanation)
    supporters_list: list[dict]


def _err(code, field, **params):
    return PolicyInputError(code, field, MESSAGES[code], **params)


def _money(raw, field) -> Decimal:
    if raw is None or raw == "":
        return Decimal("0.00")
    if isinstance(raw, float):
        raise _err("invalid_value", field, value=raw, reason="give amounts as strings such as \"1234.50\"")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise _err("invalid_value", field, value=raw, reason="not a number") from None
    if value < 0:
        raise _err("negative_amount", field, value=raw)
    if value != value.quantize(Decimal("0.01")):
        raise _err("invalid_value", field, value=raw, reason="at most two decimals (fen)")
    return value.quantize(Decimal("0.01"))


def _count(raw, field) -> int:
    if raw is None or raw == "":
        return 0
    if isinstance(raw, bool) or not isinstance(raw, (int, str, Decimal)) or not str(raw).isdigit():
        raise _err("invalid_value", field, value=raw, reason="a whole number of at least 0")
    return int(raw)


def _flag(raw, field) -> bool:
    # Only JSON true/false: bool("false") would be True.
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise _err("invalid_value", field, value=raw, reason="true or false")
    return raw


@functools.cache
def _allowed(choices) -> tuple[str, ...]:
    return tuple(str(v) for v in choices.values)


def _choice(raw, field, choices, default="") -> str:
    value = default if raw is None else raw
    allowed = _allowed(choices)
    if value == "" and "" not in allowed:
        raise _err("missing_field", field)
    if value not in allowed:
        raise _err("unknown_choice", field, value=value, allowed=", ".join(a or '""' for a in allowed))
    return value


def _date(raw, field, as_of: date, required: bool = False) -> date | None:
    if raw in (None, ""):
        if required:
            raise _err("missing_field", field)
        return None
    try:
        value = date.fromisoformat(str(raw))
    except ValueError:
        raise _err("invalid_value", field, value=raw, reason="a date as YYYY-MM-DD") from None
    if value > as_of:
        raise _err("future_date", field, value=value.isoformat(), as_of=as_of.isoformat())
    return value


def _region(raw, known_regions: dict[str, bool] | None = None) -> str:
    from jiuzhu.core.models import Region
    from jiuzhu.core.regions import RegionLevel

    code = str(raw or "")
    if known_regions is not None and code in known_regions:
        if not known_regions[code]:
            raise _err("unknown_region", "region_code", value=code)
        return code
    if not code:
        raise _err("missing_field", "region_code")
    try:
        level = level_of_code(code)
    except ValueError:
        raise _err("unknown_region", "region_code", value=code) from None
    # A village or township generated for the demo may be missing from the table; its county must not be.
    county = code[:6] + "000000"
    known = [code, county] if level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE) else [code]
    exists = Region.objects.filter(code__in=known).exists()
    if known_regions is not None:
        known_regions[code] = exists
    if not exists:
        raise _err("unknown_region", "region_code", value=code)
    return code


def parse_household(data: dict, *, as_of: date, household_id: int = 1) -> HouseholdInput:
    """Validate a household dict and build the one-household input tables."""
    rows = _household_rows(data, as_of=as_of, household_id=household_id)
    return HouseholdInput(
        region_code=rows.region_code,
        households=_table([rows.household], _HOUSEHOLD_SCHEMA),
        persons=_table(rows.persons, _PERSON_SCHEMA),
        supporters=_table(rows.supporters, _SUPPORTER_SCHEMA),
        members=rows.members,
        supporters_list=rows.supporters_list,
    )


@dataclass
class _HouseholdRows:
    region_code: str
    household: dict
    persons: list[dict]
    supporters: list[dict]
    members: list[dict]
    supporters_list: list[dict]


def _household_rows(data: dict, *, as_of: date, household_id: int,
                    known_regions: dict[str, bool] | None = None) -> _HouseholdRows:
    if not isinstance(data, dict):
        raise _err("invalid_value", "", value=type(data).__name__, reason="a JSON object")
    region_code = _region(data.get("region_code"), known_regions)
    hukou = _choice(data.get("hukou"), "hukou", Hukou)
    registered_tier = _choice(data.get("registered_tier", ""), "registered_tier", _TierOrNone)
    members_raw = data.get("members")
    if not isinstance(members_raw, list) or not members_raw:
        raise _err("missing_field", "members")

    if len(members_raw) > 99:
        raise _err("invalid_value", "members", value=len(members_raw), reason="at most 99 members")
    members, seen_ids = [], {}
    for i, raw in enumerate(members_raw):
        members.append(_member(raw, i, as_of=as_of, household_hukou=hukou, seen_ids=seen_ids))
    if sum(1 for m in members if m["relation"] == "head") != 1:
        raise _err("invalid_value", "members", value=[m["relation"] for m in members],
                   reason="exactly one member must have relation \"head\"")

    assets_raw = data.get("assets") or {}
    assets = {f: _money(assets_raw.get(f), f"assets.{f}") for f in ASSET_FIELDS_MONEY}
    assets.update({f: _count(assets_raw.get(f), f"assets.{f}") for f in ASSET_FIELDS_COUNT})
    unknown = set(assets_raw) - set(ASSET_FIELDS_MONEY) - set(ASSET_FIELDS_COUNT)
    if unknown:
        raise _err("invalid_value", "assets", value=sorted(unknown), reason="unknown asset fields")
    rigid_raw = data.get("rigid_expense_12m") or {}
    bad = set(rigid_raw) - set(RigidExpenseKind.values)
    if bad:
        raise _err("unknown_choice", "rigid_expense_12m", value=sorted(bad), allowed=", ".join(RigidExpenseKind.values))
    rigid = {f"rigid_{k}_12m": _money(rigid_raw.get(k), f"rigid_expense_12m.{k}") for k in RigidExpenseKind.values}

    request = data.get("temporary_request") or {}
    temporary_type = request.get("type", "") or ""
    if temporary_type not in TEMPORARY_TYPES:
        raise _err("unknown_choice", "temporary_request.type", value=temporary_type, allowed=", ".join(TEMPORARY_TYPES[1:]))
    temporary_cost = _money(request.get("cost"), "temporary_request.cost")

    supporters = []
    by_id = {m["id_number"]: m for m in members}
    for j, raw in enumerate(data.get("legal_supporters") or []):
        supporters.append(_supporter(raw, j, as_of=as_of, by_id=by_id))

    person_ids = {m["id_number"]: household_id * 100 + i + 1 for i, m in enumerate(members)}
    household_row = {
        "household_id": household_id, "region_code": region_code, "hukou": hukou,
        "head_person_id": person_ids[next(m["id_number"] for m in members if m["relation"] == "head")],
        "status": "active", "registered_tier": registered_tier, **assets, **rigid,
        "temporary_type": temporary_type, "temporary_cost": temporary_cost,
    }
    person_rows = []
    for m in members:
        row = {k: m[k] for k in _PERSON_FIELDS}
        row.update(person_id=person_ids[m["id_number"]], household_id=household_id)
        row.update({f"income_{k}": m["monthly_income"].get(k, Decimal("0.00")) for k in IncomeKind.values})
        person_rows.append(row)
    supporter_rows = [
        {"supporter_id": household_id * 100 + j + 1, "household_id": household_id,
         "supported_person_id": person_ids[s["supported_member"]], **{k: s[k] for k in _SUPPORTER_FIELDS}}
        for j, s in enumerate(supporters)
    ]
    return _HouseholdRows(region_code, household_row, person_rows, supporter_rows, members, supporters)


class _TierOrNone:
    values = [""] + list(Tier.values)


_PERSON_FIELDS = ["id_number", "id_key", "name", "sex", "birth_date", "relation", "hukou", "labour_capacity",
                  "self_care_failed", "disability_type", "disability_grade", "serious_illness", "student_stage",
                  "employment", "child_status", "not_counted_reason", "death_date", "work_refusals"]
_SUPPORTER_FIELDS = ["name", "id_number", "birth_date", "relation", "tier", "disability_type", "disability_grade",
                     "annual_income", "assets_value", "incapacity"]


def _member(raw: Any, i: int, *, as_of: date, household_hukou: str, seen_ids: dict) -> dict:
    f = f"members[{i}]"
    if not isinstance(raw, dict):
        raise _err("invalid_value", f, value=type(raw).__name__, reason="a JSON object")
    number_raw = raw.get("id_number")
    if not number_raw:
        raise _err("missing_field", f"{f}.id_number")
    # A stated birth date after the as-of date is named as such, before the ID number (which encodes the
    # same date) would be refused for a birth date "in the future".
    given_birth_date = _date(raw.get("birth_date"), f"{f}.birth_date", as_of)
    try:
        parsed = parse_id_number(str(number_raw), today=as_of)
    except IdNumberError as exc:
        raise PolicyInputError(PolicyErrorCode.BAD_ID_NUMBER, f"{f}.id_number", exc.message_template,
                               **exc.params) from None
    if parsed.number in seen_ids:
        raise _err("invalid_value", f"{f}.id_number", value=parsed.number,
                   reason=f"the same ID number as members[{seen_ids[parsed.number]}]")
    seen_ids[parsed.number] = i
    birth_date = given_birth_date or parsed.birth_date
    if birth_date != parsed.birth_date:
        raise _err("invalid_value", f"{f}.birth_date", value=birth_date.isoformat(),
                   reason=f"the ID number says {parsed.birth_date.isoformat()}")
    sex = raw.get("sex") or parsed.sex
    if sex != parsed.sex:
        raise _err("invalid_value", f"{f}.sex", value=sex, reason=f"the ID number says {parsed.sex}")
    failed = raw.get("self_care_failed_activities", [])
    if isinstance(failed, list):
        bad = [a for a in failed if a not in SelfCareActivity.values]
        if bad:
            raise _err("unknown_choice", f"{f}.self_care_failed_activities", value=bad,
                       allowed=", ".join(SelfCareActivity.values))
        failed_count = len(set(failed))
    else:
        failed_count = _count(failed, f"{f}.self_care_failed_activities")
        if failed_count > 6:
            raise _err("invalid_value", f"{f}.self_care_failed_activities", value=failed, reason="at most 6")
    disability_type = _choice(raw.get("disability_type", ""), f"{f}.disability_type", DisabilityType)
    grade = raw.get("disability_grade")
    if grade in ("", None):
        grade = None
    elif isinstance(grade, bool) or str(grade) not in {"1", "2", "3", "4"}:
        raise _err("invalid_value", f"{f}.disability_grade", value=grade, reason="1 (most severe) to 4")
    else:
        grade = int(grade)
    if (grade is None) != (disability_type == ""):
        raise _err("invalid_value", f"{f}.disability_grade", value=grade,
                   reason="a disability needs both a type and a grade")
    income_raw = raw.get("monthly_income") or {}
    if not isinstance(income_raw, dict):
        raise _err("invalid_value", f"{f}.monthly_income", value=income_raw, reason="an object of kind: amount")
    bad = set(income_raw) - set(IncomeKind.values)
    if bad:
        raise _err("unknown_choice", f"{f}.monthly_income", value=sorted(bad), allowed=", ".join(IncomeKind.values))
    income = {k: _money(v, f"{f}.monthly_income.{k}") for k, v in income_raw.items()}
    return {
        "id_number": parsed.number,
        "id_key": id_key(parsed.number),
        "name": str(raw.get("name") or ""),
        "sex": sex,
        "birth_date": birth_date,
        "relation": _choice(raw.get("relation"), f"{f}.relation", Relation),
        "hukou": _choice(raw.get("hukou", household_hukou), f"{f}.hukou", Hukou),
        "labour_capacity": _choice(raw.get("labour_capacity", "full"), f"{f}.labour_capacity", LabourCapacity),
        "self_care_failed": failed_count,
        "disability_type": disability_type,
        "disability_grade": grade,
        "serious_illness": _flag(raw.get("serious_illness"), f"{f}.serious_illness"),
        "student_stage": _choice(raw.get("student_stage", ""), f"{f}.student_stage", StudentStage),
        "employment": _choice(raw.get("employment", "not_working"), f"{f}.employment", Employment),
        "child_status": _choice(raw.get("child_status", ""), f"{f}.child_status", ChildStatus),
        "not_counted_reason": _choice(raw.get("not_counted_reason", ""), f"{f}.not_counted_reason", NotCountedReason),
        "death_date": _date(raw.get("death_date"), f"{f}.death_date", as_of),
        "work_refusals": _count(raw.get("work_refusals", 0), f"{f}.work_refusals"),
        "monthly_income": income,
    }


def _supporter(raw: Any, j: int, *, as_of: date, by_id: dict) -> dict:
    f = f"legal_supporters[{j}]"
    if not isinstance(raw, dict):
        raise _err("invalid_value", f, value=type(raw).__name__, reason="a JSON object")
    supported = str(raw.get("supported_member") or "")
    try:
        supported = parse_id_number(supported, today=as_of).number if supported else ""
    except IdNumberError:
        pass
    if supported not in by_id:
        raise _err("invalid_value", f"{f}.supported_member", value=supported,
                   reason="the ID number of a member of this household")
    number = str(raw.get("id_number") or "")
    birth_date = _date(raw.get("birth_date"), f"{f}.birth_date", as_of)
    if number:
        try:
            parsed = parse_id_number(number, today=as_of)
        except IdNumberError as exc:
            raise PolicyInputError(PolicyErrorCode.BAD_ID_NUMBER, f"{f}.id_number", exc.message_template,
                                   **exc.params) from None
        if birth_date is not None and birth_date != parsed.birth_date:
            raise _err("invalid_value", f"{f}.birth_date", value=birth_date.isoformat(),
                       reason=f"the ID number says {parsed.birth_date.isoformat()}")
        number, birth_date = parsed.number, parsed.birth_date
    if birth_date is None:
        raise _err("missing_field", f"{f}.birth_date")
    grade = raw.get("disability_grade")
    grade = None if grade in ("", None) else _count(grade, f"{f}.disability_grade")
    income = raw.get("annual_income")
    assets = raw.get("assets_value")
    return {
        "supported_member": supported,
        "name": str(raw.get("name") or ""),
        "id_number": number,
        "birth_date": birth_date,
        "relation": _choice(raw.get("relation", "child"), f"{f}.relation", Relation),
        "tier": _choice(raw.get("tier", ""), f"{f}.tier", _TierOrNone),
        "disability_type": _choice(raw.get("disability_type", ""), f"{f}.disability_type", DisabilityType),
        "disability_grade": grade,
        "annual_income": None if income in (None, "") else _money(income, f"{f}.annual_income"),
        "assets_value": None if assets in (None, "") else _money(assets, f"{f}.assets_value"),
        "incapacity": _choice(raw.get("incapacity", ""), f"{f}.incapacity", SupporterIncapacity),
    }


def households_to_tables(households: list[dict], *, as_of: date) -> tuple[dict[str, pa.Table], list[dict]]:
    """Many household dicts (e.g. a registry snapshot) as one set of input tables. Households whose facts
    are invalid are left out and reported as (index, error) dicts, so one bad record never stops a run."""
    # Rows first and one table per dataset at the end: building three tiny Arrow tables per household and
    # concatenating them costs more than all the checks; each region code is looked up once.
    parts: dict[str, list[dict]] = {"households": [], "persons": [], "supporters": []}
    errors = []
    known_regions: dict[str, bool] = {}
    for i, data in enumerate(households):
        try:
            rows = _household_rows(data, as_of=as_of, household_id=int(data.get("household_id") or i + 1),
                                   known_regions=known_regions)
        except PolicyInputError as exc:
            errors.append({"index": i, "household_id": data.get("household_id"), **exc.as_dict()})
            continue
        parts["households"].append(rows.household)
        parts["persons"].extend(rows.persons)
        parts["supporters"].extend(rows.supporters)
    schemas = {"households": _HOUSEHOLD_SCHEMA, "persons": _PERSON_SCHEMA, "supporters": _SUPPORTER_SCHEMA}
    tables = {name: _table(parts[name], schemas[name]) for name in parts}
    return tables, errors


def _schema_with(base: pa.Schema, extra: list[pa.Field], drop: set[str] = frozenset()) -> pa.Schema:
    fields = [f for f in base if f.name not in drop] + extra
    return pa.schema(fields)


_HOUSEHOLD_SCHEMA = _schema_with(
    population_schema.HOUSEHOLDS,
    [pa.field("temporary_type", pa.string()), pa.field("temporary_cost", MONEY_TYPE)],
    drop={"address", "bank_account"},
)
_PERSON_SCHEMA = _schema_with(population_schema.PERSONS, [pa.field("work_refusals", pa.int64())], drop={"phone"})
_SUPPORTER_SCHEMA = population_schema.SUPPORTERS


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    # The population format's non-null columns hold a value on every row (Spark's Arrow reader enforces it).
    empty = [name for name, values in columns.items() if not schema.field(name).nullable and None in values]
    if empty:
        raise ValueError(f"no value for the non-null column(s) {', '.join(empty)}")
    return pa.table({name: pa.array(values, type=schema.field(name).type) for name, values in columns.items()},
                    schema=schema)
