"""The API of the workflow: the same steps as the pages, the same refusals, documented in the OpenAPI schema."""
import pytest

from jiuzhu.cases.models import Application

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def created(client, staff, poor_household, standards):
    client.force_login(staff.assistant)
    response = _post(client, "/api/v1/applications", {
        "household_id": poor_household.pk, "applicant_id": poor_household.head_id, "kind": "assistance",
        "reason": "家庭困难", "verification_consent": True})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_application_is_taken_and_moved_on_through_the_api(client, staff, created):
    assert created["state"] == "submitted" and created["version"] == 1
    assert created["applicant_id_number"].count("*") == 8          # masked
    assert {s["step"] for s in created["next_steps"]} == {"update_materials", "accept", "refuse_acceptance",
                                                          "withdraw"}
    accepted = _post(client, f"/api/v1/applications/{created['id']}/steps/accept", {"version": 1}).json()
    assert accepted["state"] == "accepted" and accepted["version"] == 2 and accepted["due_on"]
    verified = _post(client, f"/api/v1/applications/{created['id']}/steps/verify", {"version": 2}).json()
    assert verified["sorted_tier"] == "dibao" and verified["sorted_amount"].endswith(".99")
    assert [e["step"] for e in verified["events"]] == ["submit", "accept", "verify"]


def test_refusals_have_stable_codes_and_statuses(client, staff, created):
    url = f"/api/v1/applications/{created['id']}/steps"
    stale = _post(client, f"{url}/accept", {"version": 7})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    forbidden = _post(client, f"{url}/approve", {"version": 1})
    assert forbidden.status_code == 409 and forbidden.json()["code"] == "forbidden_transition"
    missing = _post(client, f"{url}/refuse_acceptance", {"version": 1, "data": {"reasons": ""}})
    assert missing.status_code == 400 and missing.json()["field"] == "reasons"
    client.force_login(staff.grid)
    assert _post(client, f"{url}/accept", {"version": 1}).status_code == 403
    client.force_login(staff.assistant_b)
    assert _post(client, f"{url}/accept", {"version": 1}).status_code == 404
    assert client.get(f"/api/v1/applications/{created['id']}").status_code == 404
    client.force_login(staff.provider)
    assert client.get("/api/v1/applications").status_code == 403
    assert Application.objects.get().state == "submitted"


def test_the_list_and_the_on_time_figures(client, staff, created):
    page = client.get("/api/v1/applications?state=open").json()
    assert page["count"] == 1 and page["items"][0]["number"] == created["number"]
    [row] = client.get("/api/v1/applications/timeliness").json()
    assert row["region"] == "370402001000" and row["open"] == 1


def test_the_working_day_calendar_is_exposed(client, staff):
    client.force_login(staff.assistant)
    added = client.get("/api/v1/workdays/add?start=2026-09-30&n=3").json()
    assert added["end"] == "2026-10-10" and added["missing_years"] == []   # Saturday 10 October is worked
    between = client.get("/api/v1/workdays/between?start=2026-09-30&end=2026-10-12").json()
    assert between["working_days"] == 4
    into_2027 = client.get("/api/v1/workdays/add?start=2026-12-30&n=5").json()
    assert into_2027["missing_years"] == [2027]
    assert client.get("/api/v1/workdays/add?start=2026-12-30&n=-1").status_code == 422


def test_the_workflow_is_in_the_openapi_schema(client, staff):
    client.force_login(staff.assistant)
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/applications", "/api/v1/applications/{application_id}",
                 "/api/v1/applications/{application_id}/steps/{step}", "/api/v1/workdays/add",
                 "/api/v1/workdays/between", "/api/v1/applications/timeliness"):
        assert path in schema["paths"], path
    step = schema["paths"]["/api/v1/applications/{application_id}/steps/{step}"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(step["responses"])
