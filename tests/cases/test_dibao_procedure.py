"""A dibao application from the window to the county's decision (RULES.md §7)."""
from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.cases.choices import State
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.registry.models import TierMembership
from tests.cases.conftest import survey_data

pytestmark = pytest.mark.django_db


def test_a_dibao_application_goes_from_intake_to_approval(walk, staff, poor_household):
    app = walk.application
    assert app.state == State.SUBMITTED
    assert app.region.code == "370402001000"  # routed to the household's township
    walk.step("accept", today=date(2026, 9, 1))
    # 30 working days from Tuesday 1 September 2026, the day of acceptance not counted (State Council
    # notice for 2026: Mid-autumn 25–27 September and National Day 1–7 October off; Sunday 20 September
    # and Saturday 10 October worked). September 2–30 has 21 weekdays, less Friday the 25th, plus Sunday
    # the 20th: 21. October 8 (Thu) is the 22nd, the 9th the 23rd, Saturday the 10th the 24th,
    # 12–16 October the 25th–29th, Monday 19 October the 30th.
    assert walk.application.due_on == date(2026, 10, 19)
    walk.step("verify", today=date(2026, 9, 2))
    assert walk.application.sorted_tier == "dibao"
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合低保条件")
    walk.step("publish_notice", today=date(2026, 9, 7), place="东风社区公示栏")
    assert walk.application.step_due_on == date(2026, 9, 13)  # 7 days: 7–13 September
    walk.step("close_notice", today=date(2026, 9, 14))
    assert walk.application.state == State.AWAITING_DECISION
    walk.step("approve", staff.county, today=date(2026, 9, 15))
    app = walk.application
    assert app.state == State.APPROVED and app.closed_on == date(2026, 9, 15)
    decision = app.decision
    assert decision.tier == "dibao" and decision.effective_from == date(2026, 10, 1)
    membership = TierMembership.objects.get(household=poor_household, person=None)
    assert membership.tier == "dibao" and membership.start_date == date(2026, 10, 1)
    assert membership.monthly_amount == decision.monthly_total > Decimal("0")
    steps = [e.transition for e in app.events.all()]
    assert steps == ["submit", "accept", "verify", "survey", "township_opinion", "publish_notice", "close_notice",
                     "approve"]


def test_the_notice_cannot_close_before_its_seventh_day_is_over(walk, staff):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    with pytest.raises(CaseError) as err:
        walk.step("close_notice", today=date(2026, 9, 13))
    assert err.value.code == CaseErrorCode.PRECONDITION and "2026-09-13" in err.value.message
