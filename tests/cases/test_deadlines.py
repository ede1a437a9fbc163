"""Deadlines in Chinese working days (RULES.md §7.5–7.6): hand-computed dates, across the National Day
holiday and into a year that the holiday library does not cover."""
from datetime import date
from pathlib import Path

import pytest

from jiuzhu.cases.choices import DeadlineKind, State
from jiuzhu.cases.models import Application
from jiuzhu.cases.selectors import application_list, timeliness_by_township
from jiuzhu.core.workdays import holiday_notice_load
from tests.cases.conftest import apply, survey_data

pytestmark = pytest.mark.django_db
SAMPLE_2027 = Path(__file__).resolve().parent.parent / "core" / "data" / "holiday_notice_sample_2027.yaml"


def test_the_county_decides_within_10_working_days_of_the_notice(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 21), place="公示栏")
    # 7 calendar days: 21–27 September.
    assert walk.application.step_deadline_kind == DeadlineKind.NOTICE_END
    assert walk.application.step_due_on == date(2026, 9, 27)
    walk.step("close_notice", today=date(2026, 9, 28))
    # From Monday 28 September: 29, 30 September are the 1st and 2nd working days; 1–7 October is the
    # National Day holiday; 8, 9 October the 3rd and 4th; Saturday 10 October (make-up day) the 5th;
    # 12–16 October the 6th–10th: Friday 16 October.
    assert walk.application.step_deadline_kind == DeadlineKind.COUNTY_DECISION
    assert walk.application.step_due_on == date(2026, 10, 16)


def test_a_refusal_is_notified_in_writing_within_3_working_days(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="refuse", text="收入超过标准")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    walk.step("close_notice", today=date(2026, 9, 14))
    walk.step("refuse", staff.county, today=date(2026, 9, 30), reasons="家庭人均收入高于当地低保标准")
    # Wednesday 30 September: 1–7 October off, so Thursday 8, Friday 9, Saturday 10 (make-up) October.
    assert walk.application.decision.letter_due_on == date(2026, 10, 10)
    assert walk.application.state == State.REFUSED


def test_an_extended_procedure_runs_45_working_days(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("extend", staff.county, today=date(2026, 9, 10), reasons="需进一步核查")
    # 30 working days end on 19 October (see test_dibao_procedure); 15 more: 20–23 October (4),
    # 26–30 October (9), 2–6 November (14), Monday 9 November the 15th.
    assert walk.application.due_on == date(2026, 11, 9) and walk.application.extended


def test_into_a_year_whose_holiday_notice_is_not_loaded_the_deadline_counts_weekdays_and_says_so(
        staff, poor_household, standards, django_capture_on_commit_callbacks):
    application = apply(staff, poor_household, today=date(2026, 12, 15))
    from jiuzhu.cases.services import application_transition

    application = application_transition(actor=staff.assistant, application_id=application.pk, step="accept",
                                         version=1, data={}, today=date(2026, 12, 15))
    # From Tuesday 15 December 2026: 16–18, 21–25, 28–31 December are 12 working days. 2027 has no
    # notice: Friday 1 January counts (13), 4–8 January (18), 11–15 (23), 18–22 (28), 25 (29), 26 (30).
    assert application.due_on == date(2027, 1, 26)
    assert "2027" in application.calendar_warning

    # With the 2027 notice loaded (a test sample: 1–3 January off), 1 January no longer counts: the open
    # case is counted again, and new ones are counted with it.
    with django_capture_on_commit_callbacks(execute=True):
        holiday_notice_load(data=SAMPLE_2027)
    application.refresh_from_db()
    assert (application.due_on, application.calendar_warning) == (date(2027, 1, 27), "")
    later = apply(staff, poor_household, today=date(2026, 12, 15))
    later = application_transition(actor=staff.assistant, application_id=later.pk, step="accept", version=1,
                                   data={}, today=date(2026, 12, 15))
    assert later.due_on == date(2027, 1, 27)
    assert later.calendar_warning == ""


def test_overdue_cases_are_listed_and_counted_per_township(staff, poor_household, standards):
    late = apply(staff, poor_household, today=date(2026, 9, 1))
    Application.objects.filter(pk=late.pk).update(state=State.ACCEPTED, accepted_on=date(2026, 9, 1),
                                                  due_on=date(2026, 10, 19), step_due_on=date(2026, 10, 19))
    on_time = apply(staff, poor_household, today=date(2026, 9, 1))
    Application.objects.filter(pk=on_time.pk).update(state=State.ACCEPTED, due_on=date(2026, 12, 31),
                                                     step_due_on=date(2026, 12, 31))
    overdue = application_list(user=staff.assistant, today=date(2026, 11, 2), state="open", overdue=True)
    assert [a.pk for a in overdue] == [late.pk]
    [row] = timeliness_by_township(user=staff.county, today=date(2026, 11, 2))
    assert (row.region.code, row.open, row.overdue, row.decided) == ("370402001000", 2, 1, 0)
