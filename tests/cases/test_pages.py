"""The case pages: each role sees the steps it may take; forms report errors on the page; the household page
shows its applications (一户一链)."""
from datetime import date

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection

from jiuzhu.cases.choices import State
from jiuzhu.cases.models import Application
from jiuzhu.core.models import AuditAction, AuditLog
from tests.cases.conftest import apply

pytestmark = pytest.mark.django_db


def _steps(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-step="([a-z_]+)"', html))


def test_each_role_sees_only_its_own_next_steps(client, staff, walk):
    url = f"/cases/{walk.application.pk}/"
    client.force_login(staff.assistant)
    assert _steps(client.get(url).content.decode()) == {"update_materials", "accept", "refuse_acceptance", "withdraw"}
    Application.objects.filter(pk=walk.application.pk).update(state=State.VERIFIED)
    client.force_login(staff.grid)
    assert _steps(client.get(url).content.decode()) == {"survey"}
    client.force_login(staff.supervisor)
    page = client.get(url)
    assert page.status_code == 200 and _steps(page.content.decode()) == set()
    Application.objects.filter(pk=walk.application.pk).update(state=State.AWAITING_DECISION)
    client.force_login(staff.county)
    assert _steps(client.get(url).content.decode()) == {"approve", "refuse", "return_to_township", "extend",
                                                        "withdraw"}


def test_a_case_outside_the_users_region_is_not_found_and_roles_without_cases_are_refused(client, staff, walk):
    client.force_login(staff.assistant_b)
    assert client.get(f"/cases/{walk.application.pk}/").status_code == 404
    client.force_login(staff.provider)
    assert client.get("/cases/").status_code == 403


def test_opening_a_case_is_audited(client, staff, walk):
    client.force_login(staff.assistant)
    client.get(f"/cases/{walk.application.pk}/")
    assert AuditLog.objects.filter(action=AuditAction.VIEW_APPLICATION, object_id=str(walk.application.pk),
                                   actor=staff.assistant).exists()


def test_a_step_posted_with_a_missing_input_shows_the_error_in_its_form(client, staff, walk):
    client.force_login(staff.assistant)
    response = client.post(f"/cases/{walk.application.pk}/steps/refuse_acceptance/",
                           {"refuse_acceptance-version": walk.application.version, "refuse_acceptance-reasons": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="step" open data-step="refuse_acceptance">' in html and "field__error" in html
    walk.application.refresh_from_db()
    assert walk.application.state == State.SUBMITTED


def test_a_stale_form_says_someone_else_acted(client, staff, walk):
    client.force_login(staff.assistant)
    url = f"/cases/{walk.application.pk}/steps/accept/"
    assert client.post(url, {"accept-version": 1}).status_code == 302
    response = client.post(url, {"accept-version": 1}, follow=True)
    html = response.content.decode()
    assert "Someone else has acted" in html or "其他人" in html or "他人" in html


def test_the_intake_page_takes_an_application_for_a_registered_household(client, staff, poor_household,
                                                                         standards):
    client.force_login(staff.assistant)
    page = client.get(f"/households/{poor_household.pk}/")
    assert f'/cases/new/{poor_household.pk}/' in page.content.decode()
    response = client.post(f"/cases/new/{poor_household.pk}/", {
        "applicant": poor_household.head_id, "kind": "assistance", "channel": "window", "reason": "失业",
        "verification_consent": "on", "missing_materials": ["hukou_booklet"]})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{application.pk}/"
    assert application.missing_materials == ["hukou_booklet"]
    # The household page now shows the application and its steps.
    html = client.get(f"/households/{poor_household.pk}/").content.decode()
    assert application.number in html


def test_the_intake_page_reports_a_temporary_application_without_its_cost(client, staff, poor_household,
                                                                          standards):
    client.force_login(staff.assistant)
    response = client.post(f"/cases/new/{poor_household.pk}/", {
        "applicant": poor_household.head_id, "kind": "temporary", "channel": "window", "reason": "火灾",
        "temporary_type": "emergency"})
    assert response.status_code == 200 and "field__error" in response.content.decode()
    assert not Application.objects.exists()


def test_a_new_household_applies_in_one_form(client, staff, region_tree, standards):
    from tests.factories import make_id

    client.force_login(staff.assistant)
    assert client.get("/cases/new/").status_code == 200
    data = {
        "household-region": region_tree.village_a2.code, "household-address": "西王庄村8号", "household-hukou": "rural",
        "members-TOTAL_FORMS": "5", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "12",
        "members-0-name": "孙立", "members-0-id_number": make_id(birth_date=date(1979, 4, 4)),
        "members-0-relation": "head", "members-0-labour_capacity": "partial", "members-0-monthly_income": "300",
        "kind": "assistance", "channel": "window", "reason": "因病致贫", "verification_consent": "on",
    }
    response = client.post("/cases/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    application = Application.objects.get()
    assert application.household.head.name == "孙立" and application.region == region_tree.township_a
    # A bad ID number is reported on its row and nothing is saved.
    data["members-0-id_number"] = "370402197904040000"
    response = client.post("/cases/new/", data)
    assert response.status_code == 200 and Application.objects.count() == 1


def test_the_worklist_filters_overdue_cases_with_a_fixed_number_of_queries(client, staff, poor_household,
                                                                           standards):
    for _ in range(3):
        late = apply(staff, poor_household)
        Application.objects.filter(pk=late.pk).update(state=State.ACCEPTED, due_on=date(2026, 1, 5),
                                                      step_due_on=date(2026, 1, 5))
    apply(staff, poor_household)
    client.force_login(staff.assistant)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/cases/?state=open&overdue=on")
    assert response.status_code == 200 and response.content.decode().count('class="tag tag--overdue"') >= 3
    for _ in range(5):
        apply(staff, poor_household)
    with CaptureQueriesContext(connection) as more:
        client.get("/cases/?state=open")
    assert len(more) == len(few)
    assert client.get("/cases/timeliness/").status_code == 200


def test_every_page_warns_while_next_years_holiday_notice_is_missing(client, staff, monkeypatch):
    import types

    import jiuzhu.web.context_processors as processors

    monkeypatch.setattr(processors, "timezone", types.SimpleNamespace(localdate=lambda: date(2026, 12, 2)))
    client.force_login(staff.assistant)
    html = client.get("/").content.decode()
    assert 'data-testid="calendar-warning"' in html and "2027" in html
    monkeypatch.setattr(processors, "timezone", types.SimpleNamespace(localdate=lambda: date(2026, 11, 2)))
    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()
