"""Households and persons through the API: the shape of a household, money as strings, auditing of every
read, pagination, and a list whose query count does not grow with the number of rows."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_a_household_comes_with_all_its_parts_under_the_model_field_names(
    township_a_household, assistant_a, token_client
):
    household = township_a_household
    body = token_client(assistant_a).get(f"/api/v1/households/{household.pk}").json()

    assert body["id"] == household.pk
    assert body["region"] == household.region_id
    assert body["head"] == household.head_id
    assert body["hukou"] == "rural" and body["status"] == "active"
    assert {"members", "income_items", "assets", "rigid_expenses", "legal_supporters", "tier_memberships"} <= set(body)
    assert [m["name"] for m in body["members"]] == ["王建华", "刘桂兰", "王小雨"]
    grandmother = body["members"][1]
    assert grandmother["labour_capacity"] == "none"
    assert grandmother["self_care_failed_activities"] == ["eating", "bathing"]
    assert grandmother["self_care"] == "partial"
    assert (grandmother["disability_type"], grandmother["disability_grade"]) == ("physical", 2)
    assert body["members"][2]["student_stage"] == "junior_secondary"
    assert body["legal_supporters"][0]["supported_person"] == household.head_id
    assert body["legal_supporters"][0]["relation"] == "sibling"
    assert body["tier_memberships"][0]["tier"] == "dibao"


def test_money_is_a_string_with_two_decimals(township_a_household, assistant_a, token_client):
    body = token_client(assistant_a).get(f"/api/v1/households/{township_a_household.pk}").json()

    incomes = {i["kind"]: i for i in body["income_items"]}
    assert incomes["wage"]["monthly_amount"] == "1234.50"
    assert incomes["wage"]["person"] == township_a_household.head_id
    assert incomes["transfer_net"]["monthly_amount"] == "100.00"
    assert incomes["transfer_net"]["person"] is None
    assets = {a["kind"]: a for a in body["assets"]}
    assert assets["dwelling"]["value"] == "80000.00"
    assert assets["dwelling"]["area_m2"] == "65.50"
    assert assets["deposit"]["value"] == "3200.07"
    assert assets["deposit"]["annual_profit"] is None
    assert body["rigid_expenses"][0]["amount_12m"] == "15000.10"
    assert body["legal_supporters"][0]["annual_income"] == "36000.00"
    assert body["legal_supporters"][0]["assets_value"] is None
    assert body["tier_memberships"][0]["monthly_amount"] == "910.00"


def test_the_list_shows_head_members_and_tiers_in_force(households, assistant_a, token_client):
    own, _ = households
    response = token_client(assistant_a).get("/api/v1/households")
    assert "王建华" in response.content.decode("utf-8"), "Chinese is sent as UTF-8, not as \\u escapes"
    item = response.json()["items"][0]
    assert item["head"] == own.head_id
    assert item["head_name"] == "王建华"
    assert item["member_count"] == 3
    assert item["tiers"] == ["dibao"]
    assert item["region"] == own.region_id


def test_households_can_be_filtered(households, county_bureau, token_client, region_tree):
    own, other = households
    client = token_client(county_bureau)

    def ids(**params):
        return [h["id"] for h in client.get("/api/v1/households", params).json()["items"]]

    assert ids(tier="dibao") == [own.pk]
    assert ids(tier="extreme_poverty") == [other.pk]
    assert ids(tier="dibao", as_of="2023-06-01") == []
    assert ids(region=region_tree.township_b.code) == [other.pk]
    assert ids(q="刘桂兰") == [own.pk]
    assert ids(q=other.head.id_number) == [other.pk]
    assert ids(status="exited") == []
    assert ids(hukou="rural") == [own.pk, other.pk]
    assert client.get("/api/v1/households", {"tier": "rich"}).status_code == 422


def test_persons_can_be_searched_by_name_id_number_and_household(households, county_bureau, token_client):
    own, other = households
    client = token_client(county_bureau)

    def names(**params):
        return [p["name"] for p in client.get("/api/v1/persons", params).json()["items"]]

    assert names(q="王") == ["王建华", "王小雨"]
    assert names(q=other.head.id_number) == ["赵德明"]
    assert names(household=own.pk) == ["王建华", "刘桂兰", "王小雨"]


def test_each_detail_read_is_audited(households, assistant_a, token_client):
    own, _ = households
    client = token_client(assistant_a)
    client.get(f"/api/v1/households/{own.pk}")
    client.get(f"/api/v1/households/{own.pk}/history")
    client.get(f"/api/v1/persons/{own.head_id}")

    entries = list(AuditLog.objects.filter(action="api_read").order_by("id"))
    assert [(e.object_type, e.object_id, e.detail["endpoint"]) for e in entries] == [
        ("household", str(own.pk), "household_detail"),
        ("household", str(own.pk), "household_history"),
        ("person", str(own.head_id), "person_detail"),
    ]
    assert all(e.actor == assistant_a and e.region_code == own.region_id for e in entries)


def test_a_list_read_writes_one_audit_entry_with_its_filters_and_count(households, county_bureau, token_client):
    client = token_client(county_bureau)
    client.get("/api/v1/households", {"hukou": "rural", "page_size": 1})
    client.get("/api/v1/persons", {"q": "王"})

    households_entry, persons_entry = AuditLog.objects.filter(action="api_read").order_by("id")
    assert households_entry.detail == {
        "endpoint": "household_list", "filters": {"hukou": "rural"}, "count": 2, "page": 1,
    }
    assert persons_entry.detail == {"endpoint": "person_list", "filters": {"q": "王"}, "count": 2, "page": 1}


def test_history_lists_changes_newest_first(township_a_household, assistant_a, token_client):
    household = township_a_household
    old_address = household.address
    household.address = "东风社区8号楼"
    household.save()
    history = token_client(assistant_a).get(f"/api/v1/households/{household.pk}/history").json()
    assert history[0]["kind"] == "household" and history[0]["type"] == "changed"
    assert {"field": "address", "old": old_address, "new": "东风社区8号楼"} in history[0]["changes"]
    kinds = {e["kind"] for e in history}
    assert {"household", "person", "income", "asset", "rigid_expense", "legal_supporter", "tier"} <= kinds
    times = [e["at"] for e in history]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(("url", "rows_per_household"), [("/api/v1/households", 1), ("/api/v1/persons", 3)])
def test_a_list_needs_the_same_queries_for_3_or_30_households(
    url, rows_per_household, region_tree, make_household, assistant_a, token_client
):
    client = token_client(assistant_a)
    client.get("/api/v1/regions")  # the token's first use writes last_used_at; keep that out of the count

    def add(n):
        for i in range(n):
            make_household(
                region_tree.village_a1 if i % 2 else region_tree.village_a2,
                members=[{}, {}, {}], tiers=[{"tier": "dibao"}, {"tier": "rigid_expense", "start": date(2024, 5, 1)}],
            )

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    add(3)
    few, rows = queries()
    assert rows == 3 * rows_per_household
    add(27)
    many, rows = queries()
    assert rows == 30 * rows_per_household
    assert many == few


def test_pagination(region_tree, make_household, assistant_a, token_client):
    for _ in range(5):
        make_household(region_tree.village_a1)
    client = token_client(assistant_a)

    first = client.get("/api/v1/households", {"page_size": 2}).json()
    assert (first["count"], first["page"], first["page_size"], len(first["items"])) == (5, 1, 2, 2)
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/households?")
    second = client.get(first["next"]).json()
    assert second["page"] == 2 and second["previous"] and second["next"]
    last = client.get("/api/v1/households", {"page_size": 2, "page": 3}).json()
    assert len(last["items"]) == 1 and last["next"] is None
    ids = [h["id"] for page in (first, second, last) for h in page["items"]]
    assert len(set(ids)) == 5

    past_the_end = client.get("/api/v1/households", {"page_size": 2, "page": 9}).json()
    assert past_the_end["items"] == [] and past_the_end["count"] == 5

    assert client.get("/api/v1/households").json()["page_size"] == 25
    assert client.get("/api/v1/households", {"page_size": 200}).status_code == 200
    too_big = client.get("/api/v1/households", {"page_size": 201})
    assert too_big.status_code == 422
    assert too_big.json()["code"] == "validation_error"
    assert too_big.json()["errors"][0]["loc"] == ["query", "page_size"]
    assert client.get("/api/v1/households", {"page": 0}).status_code == 422
    assert client.get("/api/v1/persons", {"page_size": 201}).status_code == 422
    assert client.get("/api/v1/regions", {"page_size": 201}).status_code == 422
