"""Policy tests as data: every YAML file under tests/policy/cases/ is a list of cases a policy officer can read.

A case gives the facts of one household (the household JSON of docs/household-json.md, where a member may
give `birth_date` and `sex` instead of an ID number — a valid one is made for the household's county — and a
supporter's `supported_member` may be the member's index), the date, optional extra parameter values, and
what the rules must answer: the tier, the monthly total, members' person-level tiers and amounts, any rule's
value, or an input error (code and field).
"""
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from jiuzhu.policy.errors import PolicyInputError
from jiuzhu.policy.explain import screen_household
from tests.factories import make_id
from tests.policy.conftest import book_with

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases():
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


CASES = _load_cases()


def _prepare(household: dict) -> dict:
    """Fill in ID numbers from birth date and sex, and supporter references by member index."""
    household = dict(household)
    region6 = str(household.get("region_code", ""))[:6] or "370402"
    members = []
    for member in household.get("members", []):
        member = dict(member)
        if "id_number" not in member and "birth_date" in member:
            member["id_number"] = make_id(region6=region6, birth_date=date.fromisoformat(str(member["birth_date"])),
                                          sex=member.get("sex", "male"))
        members.append(member)
    household["members"] = members
    supporters = []
    for supporter in household.get("legal_supporters", []) or []:
        supporter = dict(supporter)
        if isinstance(supporter.get("supported_member"), int):
            supporter["supported_member"] = members[supporter["supported_member"]]["id_number"]
        supporters.append(supporter)
    household["legal_supporters"] = supporters
    return household


def _as_text(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


def test_there_are_enough_policy_cases():
    assert len(CASES) >= 60


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_policy_case(case, regions_loaded):
    book = book_with(case.get("parameters"))
    household = _prepare(case["household"])
    as_of = date.fromisoformat(str(case["as_of"]))
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(PolicyInputError) as info:
            screen_household(data=household, as_of=as_of, book=book)
        assert info.value.code == expect["error"]["code"]
        assert info.value.field == expect["error"]["field"]
        return
    result = screen_household(data=household, as_of=as_of, book=book)
    if "tier" in expect:
        assert result["tier"] == (expect["tier"] or ""), result["summary"]
    if "monthly_total" in expect:
        assert result["monthly_total"] == _as_text(expect["monthly_total"]), result["summary"]
    rules = {r["rule"]: r["value"] for r in result["household_rules"]}
    for name, value in (expect.get("rules") or {}).items():
        assert _as_text(rules[name]) == _as_text(value), (name, result["summary"])
    for index, member_expect in (expect.get("members") or {}).items():
        member = result["members"][int(index)]
        member_rules = {r["rule"]: r["value"] for r in member["rules"]}
        for key, value in member_expect.items():
            actual = member[key] if key in ("person_tier", "monthly_amount") else member_rules[key]
            if key == "person_tier":
                assert actual == (value or ""), (index, member_rules)
            else:
                assert _as_text(actual) == _as_text(value), (index, key, member_rules)
