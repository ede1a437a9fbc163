"""Temporary assistance (RULES.md §6): assistance first within the township's limit, paid within 48 hours,
paperwork within 5 working days; one approval, staged payments; non-local people helped where they are."""
from datetime import date, datetime, timedelta, timezone as tz
from decimal import Decimal

import pytest

from jiuzhu.cases.choices import DeadlineKind, PaymentKind, State
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.cases.services import application_transition
from tests.cases.conftest import Walk, apply, survey_data

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 9, 30, 4, 0, tzinfo=tz.utc)   # 12:00 in Beijing


@pytest.fixture
def emergency(staff, poor_household, standards):
    return Walk(staff, apply(staff, poor_household, kind="temporary", temporary_type="emergency",
                             temporary_cost=Decimal("8000.00"), reason="房屋失火", today=date(2026, 9, 30)))


def _step(walk, step, user=None, *, today, now=NOON, **data):
    walk.application.refresh_from_db()
    walk.application = application_transition(actor=user or walk.staff.assistant, application_id=walk.application.pk,
                                              step=step, version=walk.application.version, data=data, today=today,
                                              now=now)
    return walk.application


def test_assistance_first_is_paid_within_48_hours_and_the_paperwork_follows_within_5_working_days(emergency):
    app = _step(emergency, "assist_first", today=date(2026, 9, 30), amount="3000.00")
    assert app.state == State.ASSISTED and app.accepted_on == date(2026, 9, 30)
    payment = app.payments.get()
    assert (payment.kind, payment.amount) == (PaymentKind.ASSIST_FIRST, Decimal("3000.00"))
    assert payment.due_at == NOON + timedelta(hours=48)
    # 5 working days from Wednesday 30 September: 1–7 October off; 8, 9, 10 (Saturday, make-up), 12, 13.
    assert (app.step_deadline_kind, app.step_due_on) == (DeadlineKind.PAPERWORK, date(2026, 10, 13))
    app = _step(emergency, "record_payment", today=date(2026, 10, 1), now=NOON + timedelta(hours=20),
                payment=payment.pk)
    assert app.events.last().data["on_time"] is True


def test_assistance_first_is_limited_by_the_township_limit(emergency):
    with pytest.raises(CaseError) as err:
        _step(emergency, "assist_first", today=date(2026, 9, 30), amount="3000.01")
    assert err.value.code == CaseErrorCode.PRECONDITION and err.value.field == "amount"
    assert "3000.00" in err.value.message


def test_one_approval_with_staged_payments_counts_the_assistance_already_given(emergency, staff):
    _step(emergency, "assist_first", today=date(2026, 9, 30), amount="2000.00")
    _step(emergency, "verify", today=date(2026, 10, 8))
    allowed = emergency.application.sorted_amount
    assert allowed > Decimal("2000.00")
    _step(emergency, "survey", staff.grid, today=date(2026, 10, 8), **survey_data(surveyed_on="2026-10-08"))
    _step(emergency, "township_opinion", today=date(2026, 10, 9), opinion="approve", text="情况属实")
    app = _step(emergency, "submit_to_county", today=date(2026, 10, 9))
    assert app.state == State.AWAITING_DECISION           # no public notice for temporary assistance
    with pytest.raises(CaseError) as err:
        _step(emergency, "approve", staff.county, today=date(2026, 10, 12), amount=str(allowed + 1), stages=2)
    assert err.value.field == "amount"
    app = _step(emergency, "approve", staff.county, today=date(2026, 10, 12), amount=str(allowed), stages=3)
    stages = list(app.payments.filter(kind=PaymentKind.STAGE).order_by("stage"))
    assert [p.due_on for p in stages] == [date(2026, 10, 12), date(2026, 11, 12), date(2026, 12, 12)]
    assert sum(p.amount for p in stages) + Decimal("2000.00") == allowed == app.decision.monthly_total


def test_non_local_people_need_residence_except_in_an_emergency(staff, poor_household, standards):
    with pytest.raises(CaseError) as err:
        apply(staff, poor_household, kind="temporary", temporary_type="medical", temporary_cost=Decimal("12000"),
              non_local=True, residence_months=2)
    assert err.value.code == CaseErrorCode.PRECONDITION and err.value.field == "residence_months"
    assert apply(staff, poor_household, kind="temporary", temporary_type="medical", temporary_cost=Decimal("12000"),
                 non_local=True, residence_months=3).state == State.SUBMITTED
    assert apply(staff, poor_household, kind="temporary", temporary_type="emergency",
                 temporary_cost=Decimal("5000"), non_local=True, residence_months=0).state == State.SUBMITTED


def test_temporary_assistance_needs_its_type_and_cost(staff, poor_household, standards):
    with pytest.raises(CaseError) as err:
        apply(staff, poor_household, kind="temporary")
    assert err.value.code == CaseErrorCode.MISSING_INPUT
