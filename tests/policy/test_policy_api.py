"""The policy API: screening a household given as JSON or from the registry, and the standards in force."""
import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from jiuzhu.accounts.models import api_token_create
from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.policy.services import parameter_set
from jiuzhu.registry.choices import Tier
from tests.factories import make_id

pytestmark = pytest.mark.django_db

SOURCE = "市中区2025年社会救助标准"


@pytest.fixture
def county_standards(region_tree):
    values = {
        "dibao_standard_urban": "941.00", "dibao_standard_rural": "824.00",
        "care_standard_full": "200.00", "care_standard_partial": "350.00", "care_standard_none": "700.00",
        "disposable_income_urban": "45000.00", "disposable_income_rural": "20000.00",
    }
    for name, value in values.items():
        parameter_set(actor=None, region_code=region_tree.county.code, name=name, effective_from=date(2025, 1, 1),
                      value=value, source_document=SOURCE)


def api_client(user, language: str | None = None) -> Client:
    _, key = api_token_create(user=user, name="tests")
    headers = {"authorization": f"Bearer {key}"}
    if language:
        headers["accept-language"] = language
    return Client(headers=headers)


@pytest.fixture
def assistant_a(region_tree, make_user):
    return make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_a)


def household_json(region_code: str, *, wage: str = "500.00") -> dict:
    """Two working-age adults each earning `wage` a month (the format of docs/household-json.md)."""
    return {
        "region_code": region_code, "hukou": "rural",
        "members": [
            {"id_number": make_id(birth_date=date(1975, 5, 1)), "relation": "head", "monthly_income": {"wage": wage}},
            {"id_number": make_id(birth_date=date(1977, 8, 1), sex="female"), "relation": "spouse",
             "monthly_income": {"wage": wage}},
        ],
    }


def post_screen(client: Client, body: dict):
    return client.post("/api/v1/screen", json.dumps(body), content_type="application/json")


def test_screening_a_household_json_explains_the_decision(county_standards, assistant_a, region_tree):
    response = post_screen(api_client(assistant_a, "en"),
                           {"as_of": "2026-03-01", "household": household_json(region_tree.village_a1.code)})
    assert response.status_code == 200, response.content
    decision = response.json()
    assert decision["tier"] == Tier.DIBAO
    assert decision["monthly_total"] == "648.00"  # (824 − 500) × 2
    rules = {r["rule"]: r for r in decision["household_rules"]}
    assert rules["dibao_standard"]["value"] == "824.00" and rules["dibao_standard"]["kind"] == "amount"
    assert rules["dibao_standard"]["label"] == "Dibao standard applied"
    assert rules["dibao"]["value"] is True and rules["dibao"]["basis"]["document"]
    assert decision["members"][0]["id_number"].count("*") == 8  # masked
    used = {p["name"]: p for p in decision["parameters"]}
    assert used["dibao_standard_rural"] | {"label": ""} == {
        "name": "dibao_standard_rural", "label": "", "value": "824.00", "region_code": region_tree.county.code,
        "effective_from": "2025-01-01", "source_document": SOURCE}


def test_a_household_outside_the_users_subtree_is_refused(county_standards, assistant_a, region_tree):
    response = post_screen(api_client(assistant_a),
                           {"as_of": "2026-03-01", "household": household_json(region_tree.village_b1.code)})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_region_code_given_as_a_number_is_checked_too(county_standards, assistant_a, region_tree):
    household = household_json(region_tree.village_b1.code)
    household["region_code"] = int(household["region_code"])
    response = post_screen(api_client(assistant_a), {"as_of": "2026-03-01", "household": household})
    assert response.status_code == 403


def test_roles_that_do_not_read_the_registry_may_not_screen(county_standards, region_tree, make_user):
    charity = make_user(Role.CHARITY, region_tree.township_a)
    response = post_screen(api_client(charity),
                           {"as_of": "2026-03-01", "household": household_json(region_tree.village_a1.code)})
    assert response.status_code == 403


def test_facts_that_make_no_sense_are_422_with_code_and_field(county_standards, assistant_a, region_tree):
    client = api_client(assistant_a, "en")
    household = household_json(region_tree.village_a1.code)
    household["members"][1]["birth_date"] = "2027-01-01"
    response = post_screen(client, {"as_of": "2026-03-01", "household": household})
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("future_date", "members[1].birth_date")
    assert "2027-01-01" in body["message"]

    # Amounts as JSON numbers with decimals are refused: they are not exact.
    household = household_json(region_tree.village_a1.code)
    household["members"][0]["monthly_income"] = {"wage": 500.5}
    body = post_screen(client, {"as_of": "2026-03-01", "household": household}).json()
    assert (body["code"], body["field"]) == ("invalid_value", "members[0].monthly_income.wage")


def test_a_request_without_a_date_is_a_validation_error(county_standards, assistant_a, region_tree):
    response = post_screen(api_client(assistant_a), {"household": household_json(region_tree.village_a1.code)})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_screening_a_registry_household_is_scoped_and_audited(county_standards, assistant_a, region_tree,
                                                              make_household, make_user):
    household = make_household(region_tree.village_a1, members=[
        {"birth_date": date(1975, 5, 1), "incomes": {"wage": "500.00"}},
        {"birth_date": date(1977, 8, 1), "incomes": {"wage": "500.00"}}],
        tiers=[{"tier": Tier.DIBAO, "amount": Decimal("648.00")}])
    response = api_client(assistant_a).get(f"/api/v1/households/{household.pk}/screen", {"as_of": "2026-03-01"})
    assert response.status_code == 200
    assert (response.json()["tier"], response.json()["monthly_total"]) == ("dibao", "648.00")
    entry = AuditLog.objects.get(action=AuditAction.API_READ)
    assert (entry.actor, entry.object_id, entry.detail["endpoint"]) == (assistant_a, str(household.pk),
                                                                        "household_screen")

    assistant_b = make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_b)
    response = api_client(assistant_b).get(f"/api/v1/households/{household.pk}/screen")
    assert response.status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.API_READ).count() == 1


def test_the_standards_in_force_with_their_sources(county_standards, assistant_a, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    parameter_set(actor=bureau, region_code=region_tree.township_a.code, name="marginal_multiplier",
                  effective_from=date(2026, 1, 1), value="2", source_document="街道文件")
    client = api_client(assistant_a)

    def standards(**query) -> dict:
        response = client.get("/api/v1/standards", query)
        assert response.status_code == 200, response.content
        return {p["name"]: p for p in response.json()["parameters"]}

    now = standards(as_of="2026-03-01")  # the user's own township by default
    assert now["marginal_multiplier"]["origin"] == "own" and now["marginal_multiplier"]["value"] == "2"
    assert now["dibao_standard_rural"]["origin"] == "inherited"
    assert now["dibao_standard_rural"]["region_code"] == region_tree.county.code
    assert now["dibao_standard_rural"]["source_document"] == SOURCE
    assert now["rounding"]["origin"] == "default" and now["rounding"]["effective_from"] is None
    before = standards(region=region_tree.township_a.code, as_of="2025-12-31")
    assert before["marginal_multiplier"]["origin"] == "default" and before["marginal_multiplier"]["value"] == "1.5"

    assert client.get("/api/v1/standards", {"region": region_tree.township_b.code}).status_code == 404


def test_the_policy_endpoints_are_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, method in [("/api/v1/screen", "post"), ("/api/v1/households/{household_id}/screen", "get"),
                         ("/api/v1/standards", "get")]:
        operation = schema["paths"][path][method]
        assert operation["description"] and operation["summary"], path
        assert "policy" in operation["tags"]
    assert "422" in schema["paths"]["/api/v1/screen"]["post"]["responses"]
