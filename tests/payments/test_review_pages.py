"""The periodic-review page: one officer schedules and re-screens, a second approves the proposed change."""
from datetime import date

import pytest

from jiuzhu.payments.models import PeriodicReview, ReviewStatus
from tests.payments.test_reviews import county_parameter, raise_wage, working_family

pytestmark = pytest.mark.django_db


def test_schedule_screen_and_decide_on_the_page(client, staff, region_tree, make_household, standards, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 11, 10) if not a else a[0].date())
    county_parameter(region_tree, "review_months_dibao_changing", 3)
    family = working_family(make_household, region_tree.village_a1)
    client.force_login(staff.county)
    assert client.post("/payments/reviews/", {"month": "2026-11"}).status_code == 302
    review = PeriodicReview.objects.get(household=family)
    raise_wage(family, "800.00")                      # income rose: the amount goes down
    client.post(f"/payments/reviews/{review.pk}/screen/")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED and review.kind == "amount_down"
    page = client.get("/payments/reviews/").content.decode()
    assert "data-testid=\"review\"" in page and f"/payments/reviews/{review.pk}/approve/" in page
    client.post(f"/payments/reviews/{review.pk}/approve/")     # the proposer may not decide
    assert PeriodicReview.objects.get(pk=review.pk).status == ReviewStatus.PROPOSED
    client.force_login(staff.county_2)
    client.post(f"/payments/reviews/{review.pk}/approve/")
    assert PeriodicReview.objects.get(pk=review.pk).status == ReviewStatus.DECIDED
    client.force_login(staff.assistant)
    assert client.get("/payments/reviews/").status_code == 403
