"""The monitoring API: the warning queue and the outcome of a visit, limited to the user's region."""
from datetime import date

import pytest

from jiuzhu.monitoring.services import feed_batch_monitor
from tests.monitoring.test_loop import _batch, _record, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(tmp_path, people):  # noqa: F811
    head = people["recipient"].head
    feed_batch_monitor(batch=_batch(tmp_path, [_record(2, head, "death", date(2026, 10, 30))]),
                       today=date(2026, 11, 2))
    return head


def test_the_queue_and_the_outcome_through_the_api(client, staff, warned):
    client.force_login(staff.grid)
    page = client.get("/api/v1/monitoring/warnings").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert (item["indicator"], item["level"], item["task"]["version"]) == ("death", "red", 1)
    assert item["subject_id_number"].count("*") == 8
    url = f"/api/v1/monitoring/warnings/{item['id']}/outcome"
    missing = client.post(url, {"version": 1, "outcome": "not_needed"}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["field"] == "note"
    done = client.post(url, {"version": 1, "outcome": "referral", "note": "已转民政局停发"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "closed"
    again = client.post(url, {"version": 1, "outcome": "not_needed", "note": "x"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "stale"


def test_other_regions_and_roles_see_nothing(client, staff, warned):
    client.force_login(staff.assistant_b)
    assert client.get("/api/v1/monitoring/warnings").json()["count"] == 0
    client.force_login(staff.provider)
    assert client.get("/api/v1/monitoring/warnings").status_code == 403
