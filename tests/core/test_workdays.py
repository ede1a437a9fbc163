"""Deadlines are counted in Chinese working days (RULES.md §7.5–7.6).

A working day is Monday to Friday, minus the State Council's public holidays, plus the weekend days worked instead
(调休). The day of acceptance is not counted. Every expected date below was worked out by hand from the holidays in
chinese_calendar/constants.py (2025 and 2026) or from the test sample notice for 2027, and the count is written
next to it.

Holidays used (chinesecalendar 1.11.0):
- 2025 Spring Festival: 28 Jan (Tue) – 4 Feb (Tue) off; make-up working days Sun 26 Jan and Sat 8 Feb.
- 2025 National Day + Mid-autumn: 1–8 Oct (Wed–Wed) off; make-up Sun 28 Sep and Sat 11 Oct.
- 2026 Mid-autumn: 25–27 Sep (Fri–Sun) off. 2026 National Day: 1–7 Oct (Thu–Wed) off;
  make-up Sun 20 Sep and Sat 10 Oct.
2027 is not in the library: tests/core/data/holiday_notice_sample_2027.yaml is an invented TEST SAMPLE
(1–3 Jan, 6–12 Feb, 1–7 Oct off; make-up Sun 31 Jan, Sat 20 Feb, Sun 26 Sep, Sat 9 Oct).
"""
import contextlib
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from chinese_calendar import constants
from django.core.management import CommandError, call_command
from django.core.signals import request_started
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from jiuzhu.core import workdays
from jiuzhu.core.checks import working_day_calendar
from jiuzhu.core.models import AuditLog, CalendarDay, HolidayNotice
from jiuzhu.core.workdays import (
    HolidayNoticeError,
    add_working_days,
    calendar_warnings,
    calendar_years,
    holiday_notice_load,
    is_working_day,
    missing_years,
    working_days_between,
)

SAMPLE_2027 = Path(__file__).resolve().parent / "data" / "holiday_notice_sample_2027.yaml"
D = date


@pytest.fixture
def forget_calendar_afterwards():
    """For a test that writes notices behind the calendar's back (as another process would): its rows are rolled
    back at the end, which the calendar cannot know of. (Notices loaded through holiday_notice_load need no help.)"""
    yield
    workdays.calendar_cache_clear()


def sample_2027() -> dict:
    return yaml.safe_load(SAMPLE_2027.read_text(encoding="utf-8"))


def problems_of(excinfo) -> dict[str, str]:
    return {p.item: p.code for p in excinfo.value.problems}


# --- Years the library covers -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_day_before_national_day_2026_plus_one_working_day_is_the_day_after_the_holiday():
    # Wed 30 Sep + 1: Thu 1 – Wed 7 Oct are off, Thu 8 Oct is the first working day.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # + 3: Thu 8 Oct = 1, Fri 9 Oct = 2, Sat 10 Oct (make-up) = 3.
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # + 10: 8, 9, 10 (Sat) = 3; Mon 12 – Fri 16 = 8; Mon 19 = 9, Tue 20 = 10.
    assert add_working_days(D(2026, 9, 30), 10) == D(2026, 10, 20)


@pytest.mark.django_db
def test_make_up_weekend_days_are_working_days_and_holidays_on_weekdays_are_not():
    assert is_working_day(D(2026, 9, 20))      # Sunday, worked for National Day
    assert is_working_day(D(2026, 10, 10))     # Saturday, worked for National Day
    assert is_working_day(D(2025, 2, 8))       # Saturday, worked for Spring Festival
    assert not is_working_day(D(2026, 9, 19))  # an ordinary Saturday
    assert not is_working_day(D(2026, 9, 25))  # Friday, Mid-autumn
    assert not is_working_day(D(2026, 10, 1))  # Thursday, National Day
    assert is_working_day(D(2026, 10, 8))      # Thursday after the holiday
    # Fri 18 Sep + 1: Sat 19 is a weekend, Sun 20 is worked.
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    # Fri 9 Oct + 1: Sat 10 Oct is worked.
    assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)


@pytest.mark.django_db
def test_spring_festival_2025():
    start = D(2025, 1, 24)  # Friday
    # Sat 25 no; Sun 26 (make-up) = 1.
    assert add_working_days(start, 1) == D(2025, 1, 26)
    # Mon 27 = 2.
    assert add_working_days(start, 2) == D(2025, 1, 27)
    # Tue 28 Jan – Tue 4 Feb off; Wed 5 Feb = 3.
    assert add_working_days(start, 3) == D(2025, 2, 5)
    # Thu 6 = 4, Fri 7 = 5, Sat 8 (make-up) = 6.
    assert add_working_days(start, 5) == D(2025, 2, 7)
    assert add_working_days(start, 6) == D(2025, 2, 8)
    assert not any(is_working_day(D(2025, 1, d)) for d in range(28, 32))


@pytest.mark.django_db
def test_thirty_working_days_from_acceptance_across_national_day_2026():
    accepted = D(2026, 9, 15)  # Tuesday; the day of acceptance is not counted
    # Sep 16–18 = 3; Sun 20 (make-up) = 4; 21–24 = 8; Fri 25 Mid-autumn off; 28–30 = 11;
    # 1–7 Oct off; Thu 8, Fri 9 = 13; Sat 10 (make-up) = 14; 12–16 = 19; 19–23 = 24; 26–30 = 29; Mon 2 Nov = 30.
    assert add_working_days(accepted, 30) == D(2026, 11, 2)
    # Extended to 45: 3–6 Nov = 34; 9–13 = 39; 16–20 = 44; Mon 23 Nov = 45.
    assert add_working_days(accepted, 45) == D(2026, 11, 23)
    # Counting weekdays only would have given Tue 27 Oct, when only 26 working days have passed (… 19–23 = 24;
    # Mon 26 = 25, Tue 27 = 26).
    assert working_days_between(accepted, D(2026, 10, 27)) == 26


@pytest.mark.django_db
def test_thirty_working_days_from_acceptance_across_national_day_2025():
    accepted = D(2025, 9, 26)  # Friday
    # Sun 28 Sep (make-up) = 1; 29, 30 = 3; 1–8 Oct off; Thu 9, Fri 10 = 5; Sat 11 (make-up) = 6;
    # 13–17 = 11; 20–24 = 16; 27–31 = 21; 3–7 Nov = 26; 10, 11, 12, Thu 13 Nov = 30.
    assert add_working_days(accepted, 30) == D(2025, 11, 13)


@pytest.mark.django_db
def test_working_days_between_counts_the_days_after_start_up_to_and_with_end():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 9, 15), D(2026, 11, 2)) == 30
    assert working_days_between(D(2026, 9, 15), D(2026, 9, 15)) == 0
    assert working_days_between(D(2026, 11, 2), D(2026, 9, 15)) == 0  # end before start
    for start in (D(2025, 1, 24), D(2025, 9, 26), D(2026, 9, 15), D(2026, 9, 19), D(2026, 12, 20)):
        for n in (0, 1, 2, 7, 10, 30, 45):
            assert working_days_between(start, add_working_days(start, n)) == n


@pytest.mark.django_db
def test_zero_days_is_the_start_and_a_negative_count_is_refused():
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)  # even on a holiday
    with pytest.raises(ValueError):
        add_working_days(D(2026, 10, 3), -1)
    with pytest.raises(TypeError):
        add_working_days(datetime(2026, 10, 3, 9, 0), 1)  # which day it is depends on the time zone


@pytest.mark.django_db
def test_every_library_year_agrees_with_the_library():
    from chinese_calendar import is_workday

    for year in (2004, 2015, 2024, 2025, 2026):
        day = D(year, 1, 1)
        while day.year == year:
            assert is_working_day(day) == is_workday(day), day
            day = day.fromordinal(day.toordinal() + 1)


# --- A year nobody has loaded yet ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_into_2027_without_a_notice_counts_weekdays_only_and_says_so():
    start = D(2026, 12, 30)  # Wednesday
    # Thu 31 Dec = 1; Fri 1 Jan = 2 (weekdays only: New Year is not known); Mon 4 = 3, Tue 5 = 4, Wed 6 Jan = 5.
    assert add_working_days(start, 5) == D(2027, 1, 6)
    assert missing_years(start, D(2027, 1, 6)) == [2027]
    assert missing_years(D(2026, 1, 1), D(2026, 12, 31)) == []
    assert missing_years(D(2003, 12, 1), D(2004, 1, 10)) == [2003]
    with translation.override("en"):
        assert calendar_warnings(today=D(2027, 3, 1)) == [
            "The State Council holiday notice for 2027 is not loaded: deadlines in 2027 count weekdays only.",
        ]


@pytest.mark.django_db
def test_the_next_years_notice_is_asked_for_from_the_first_of_december():
    assert calendar_warnings(today=D(2026, 11, 30)) == []
    warnings = calendar_warnings(today=D(2026, 12, 1))
    assert len(warnings) == 1 and "2027" in warnings[0]
    holiday_notice_load(data=SAMPLE_2027)
    assert calendar_warnings(today=D(2026, 12, 1)) == []
    assert calendar_warnings(today=D(2027, 11, 30)) == []
    assert ["2028" in w for w in calendar_warnings(today=D(2027, 12, 1))] == [True]


@pytest.mark.django_db
def test_the_sample_2027_notice_makes_the_same_computation_holiday_aware():
    start = D(2026, 12, 30)
    assert add_working_days(start, 5) == D(2027, 1, 6)
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)  # weekdays only: Mon 8 Feb

    result = holiday_notice_load(data=SAMPLE_2027)

    assert result.status == "created" and (result.holidays, result.makeup_days) == (17, 4)
    # Thu 31 Dec = 1; 1–3 Jan off; Mon 4 = 2, Tue 5 = 3, Wed 6 = 4, Thu 7 Jan = 5.
    assert add_working_days(start, 5) == D(2027, 1, 7)
    assert missing_years(start, D(2027, 1, 7)) == []
    # Fri 5 Feb + 1: Sat 6 – Fri 12 Feb off, Sat 13 and Sun 14 weekend: Mon 15 Feb.
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)
    # Fri 19 Feb + 1: Sat 20 Feb is a make-up working day.
    assert add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 20)
    # Wed 15 Sep + 30: 16, 17 = 2; 20–24 = 7; Sun 26 (make-up) = 8; 27–30 = 12; 1–7 Oct off; Fri 8 = 13;
    # Sat 9 (make-up) = 14; 11–15 = 19; 18–22 = 24; 25–29 = 29; Mon 1 Nov = 30.
    assert add_working_days(D(2027, 9, 15), 30) == D(2027, 11, 1)


@pytest.mark.django_db
def test_loading_the_same_notice_twice_changes_nothing():
    first = holiday_notice_load(data=SAMPLE_2027)
    loaded_at = HolidayNotice.objects.get(year=2027).loaded_at
    second = holiday_notice_load(data=sample_2027())  # the same notice, as a mapping this time
    assert (first.status, second.status) == ("created", "unchanged")
    assert HolidayNotice.objects.get(year=2027).loaded_at == loaded_at
    assert CalendarDay.objects.count() == 21
    assert AuditLog.objects.filter(action=workdays.AUDIT_ACTION_NOTICE_LOAD).count() == 1


@pytest.mark.django_db
def test_a_corrected_notice_replaces_the_year_and_is_audited(make_user):
    officer = make_user("county_bureau", None)
    holiday_notice_load(data=SAMPLE_2027, actor=officer)
    assert is_working_day(D(2027, 2, 20))

    corrected = sample_2027()
    corrected["document"] += " (corrected)"
    corrected["makeup_workdays"] = [m for m in corrected["makeup_workdays"] if str(m["date"]) != "2027-02-20"]
    result = holiday_notice_load(data=corrected, actor=officer)

    assert result.status == "replaced"
    assert not is_working_day(D(2027, 2, 20))  # an ordinary Saturday again
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.document.endswith("(corrected)") and notice.loaded_by == officer
    assert notice.days.count() == 20
    entries = AuditLog.objects.filter(action=workdays.AUDIT_ACTION_NOTICE_LOAD).order_by("id")
    assert [e.detail["status"] for e in entries] == ["created", "replaced"]
    assert entries[1].actor == officer and entries[1].object_id == "2027"
    assert "2027-02-20" in entries[1].detail["previous"]["makeup_days"]


@pytest.mark.django_db
def test_a_loaded_notice_takes_precedence_over_the_library():
    # A (hypothetical) correction of 2026 that also gives Thu 8 Oct off.
    holidays = [{"date": d, "name": str(name)} for d, name in constants.holidays.items() if d.year == 2026]
    makeup = [{"date": d, "name": str(name)} for d, name in constants.workdays.items() if d.year == 2026]
    holiday_notice_load(data={
        "year": 2026, "document": "TEST: a correction of 2026",
        "holidays": holidays + [{"date": D(2026, 10, 8), "name": "National Day"}], "makeup_workdays": makeup,
    })
    # Wed 30 Sep + 1: 1–8 Oct off now; Fri 9 Oct.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 9)
    row = next(r for r in calendar_years(today=D(2026, 11, 27)) if r["year"] == 2026)
    assert row == {"year": 2026, "source": "notice", "document": "TEST: a correction of 2026",
                   "holidays": 34, "makeup_days": 6}


@pytest.mark.django_db
def test_calendar_years_lists_each_years_source():
    rows = {r["year"]: r for r in calendar_years(today=D(2026, 11, 27))}
    assert sorted(rows) == list(range(2004, 2028))
    assert rows[2025]["source"] == "library" and (rows[2025]["holidays"], rows[2025]["makeup_days"]) == (28, 5)
    assert rows[2025]["document"].startswith("chinesecalendar")
    assert rows[2027] == {"year": 2027, "source": "missing", "document": "", "holidays": 0, "makeup_days": 0}
    holiday_notice_load(data=SAMPLE_2027)
    rows = {r["year"]: r for r in calendar_years(today=D(2026, 11, 27))}
    assert rows[2027]["source"] == "notice" and (rows[2027]["holidays"], rows[2027]["makeup_days"]) == (17, 4)
    assert "TEST SAMPLE" in rows[2027]["document"]


# --- Bad notices are refused, naming the item ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_make_up_day_on_a_wednesday_is_refused():
    notice = sample_2027()
    notice["makeup_workdays"].append({"date": "2027-03-03", "name": "春节"})  # a Wednesday
    with pytest.raises(HolidayNoticeError) as excinfo:
        holiday_notice_load(data=notice)
    assert problems_of(excinfo) == {"makeup_workdays[4] (2027-03-03)": "not_a_weekend"}
    # Messages are in the active language: Chinese by default, English on request.
    assert str(excinfo.value) == "makeup_workdays[4] (2027-03-03): 调休上班日必须是星期六或星期日；该日是星期三。"
    with translation.override("en"), pytest.raises(HolidayNoticeError) as excinfo:
        holiday_notice_load(data=notice)
    assert str(excinfo.value) == ("makeup_workdays[4] (2027-03-03): "
                                  "A make-up working day must be a Saturday or Sunday; this is a Wednesday.")
    assert not HolidayNotice.objects.exists()


@pytest.mark.django_db
def test_a_date_in_another_year_a_duplicate_and_a_holiday_worked_are_all_named():
    notice = sample_2027()
    notice["holidays"].append({"date": "2026-12-31", "name": "元旦"})   # holidays[3]: last year
    notice["holidays"].append({"date": "2027-10-03", "name": "国庆节"})  # holidays[4]: already in holidays[2]
    notice["makeup_workdays"].append("2027-02-06")                      # a Saturday, but a holiday
    with translation.override("en"), pytest.raises(HolidayNoticeError) as excinfo:
        holiday_notice_load(data=notice)
    assert problems_of(excinfo) == {
        "holidays[3] (2026-12-31)": "wrong_year",
        "holidays[4] (2027-10-03)": "duplicate_date",
        "makeup_workdays[4] (2027-02-06)": "holiday_and_makeup",
    }
    message = str(next(p for p in excinfo.value.problems if p.code == "duplicate_date"))
    assert message == "holidays[4] (2027-10-03): The date is already listed as holidays[2]."
    assert not HolidayNotice.objects.exists()


@pytest.mark.django_db
def test_missing_and_malformed_fields_are_named():
    with pytest.raises(HolidayNoticeError) as excinfo:
        holiday_notice_load(data={"year": "2027", "holiday": [], "makeup_workdays": [{"date": "31/01/2027"}]})
    assert problems_of(excinfo) == {
        "holiday": "unknown_field",
        "year": "invalid_value",
        "document": "missing_field",
        "holidays": "missing_field",
        "makeup_workdays[0].date": "not_a_date",
    }


@pytest.mark.django_db
def test_a_refused_correction_leaves_the_loaded_notice_alone():
    holiday_notice_load(data=SAMPLE_2027)
    bad = sample_2027()
    bad["makeup_workdays"][0]["date"] = "2027-02-03"  # a Wednesday
    with pytest.raises(HolidayNoticeError):
        holiday_notice_load(data=bad)
    assert CalendarDay.objects.filter(notice__year=2027).count() == 21
    assert is_working_day(D(2027, 1, 31))


def a_request_starts() -> None:
    """Send request_started as a web request does, less the closing of the test's connection (as the test client)."""
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


# --- The cache ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_many_deadlines_cost_one_small_query_per_request(django_assert_num_queries):
    starts = [D(2026, 9, 1 + i) for i in range(25)]
    holiday_notice_load(data=SAMPLE_2027)
    with django_assert_num_queries(3):  # a cold cache: the version, the notices, their days
        add_working_days(D(2026, 9, 30), 1)
    a_request_starts()
    with django_assert_num_queries(1):  # the calendar's version check, then memory only
        for start in starts:
            add_working_days(start, 30)
            working_days_between(start, D(2027, 1, 31))
    with django_assert_num_queries(0):
        add_working_days(D(2026, 9, 30), 1)


@pytest.mark.django_db
def test_a_notice_loaded_by_another_process_is_seen_at_the_next_request(forget_calendar_afterwards):
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)  # cached: 2027 has no notice
    # Another process loads the notice: written straight to the database, this process's cache not told.
    notice = HolidayNotice.objects.create(year=2027, document="TEST", loaded_at=timezone.now())
    CalendarDay.objects.bulk_create(
        [CalendarDay(notice=notice, day=D(2027, 2, d), kind="holiday", name="春节") for d in range(6, 13)]
    )
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)  # still the cached calendar in this request
    a_request_starts()
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)


@pytest.mark.django_db
def test_a_load_whose_transaction_is_rolled_back_is_forgotten():
    with contextlib.suppress(RuntimeError), transaction.atomic():
        holiday_notice_load(data=SAMPLE_2027)
        assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)  # inside the transaction the notice applies
        raise RuntimeError("the request failed after the load")
    assert not HolidayNotice.objects.exists()
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)  # weekdays only again, no request in between
    assert missing_years(D(2027, 1, 1), D(2027, 1, 1)) == [2027]


# Each test's loads were rolled back at its end; the tests in between computed 2027 with and without a notice.
@pytest.mark.django_db
def test_notices_of_earlier_tests_do_not_linger():
    assert missing_years(D(2027, 1, 1), D(2027, 12, 31)) == [2027]
    assert add_working_days(D(2026, 12, 30), 5) == D(2027, 1, 6)


# --- The system check --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_system_check_warns_while_the_current_year_has_no_calendar():
    assert working_day_calendar(None, today=D(2026, 11, 27)) == []
    warnings = working_day_calendar(None, today=D(2027, 1, 4))
    assert [w.id for w in warnings] == ["core.W001"] and "2027" in warnings[0].msg
    holiday_notice_load(data=SAMPLE_2027)
    assert working_day_calendar(None, today=D(2027, 1, 4)) == []


# --- The command line --------------------------------------------------------------------------------------------

def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.django_db
def test_cli_add_and_between():
    assert run("add", "2026-09-15", "30") == ("2026-11-02", "")
    assert run("between", "2026-09-15", "2026-11-02") == ("30", "")


@pytest.mark.django_db
def test_cli_warns_on_stderr_when_the_span_touches_a_missing_year_and_not_after_loading_it():
    with translation.override("en"):
        out, err = run("add", "2026-12-30", "5")
        assert out == "2027-01-06"
        assert err == ("warning: The State Council holiday notice for 2027 is not loaded: "
                       "deadlines in 2027 count weekdays only.")
        out, err = run("between", "2026-12-30", "2027-01-06")
        assert out == "5" and "2027" in err

        out, _ = run("load", str(SAMPLE_2027))
        assert out.startswith("2027: created (17 holidays, 4 make-up working days)")
        assert run("load", str(SAMPLE_2027))[0].startswith("2027: unchanged")
        assert run("add", "2026-12-30", "5") == ("2027-01-07", "")


@pytest.mark.django_db
def test_cli_years():
    holiday_notice_load(data=SAMPLE_2027)
    lines = run("years")[0].splitlines()
    assert lines[0].split() == ["year", "source", "holidays", "make-up", "document"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["2025"][:5] == ["2025", "library", "28", "5", "chinesecalendar"]
    assert rows["2027"][:4] == ["2027", "notice", "17", "4"]
    assert max(map(int, rows)) == max(2027, timezone.localdate().year + 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["add", "2026-02-30", "3"], "DATE: not a date"),
    (["add", "2026-09-15", "three"], "N: not a whole number"),
    (["add", "2026-09-15", "-1"], "N: must be 0 or more"),
    (["between", "2026-09-15", "tomorrow"], "END: not a date"),
    (["load", "/nonexistent/notice.yaml"], "no such file"),
])
def test_cli_refuses_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_cli_refuses_a_bad_notice_naming_the_item(tmp_path):
    notice = sample_2027()
    notice["makeup_workdays"].append({"date": "2027-03-03", "name": "春节"})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(notice, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError, match=r"makeup_workdays\[4\] \(2027-03-03\)"):
        run("load", str(path))
    assert not HolidayNotice.objects.exists()


# --- The admin -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_admin_loads_an_uploaded_notice_through_the_service(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:core_holidaynotice_add")
    bad = sample_2027()
    bad["makeup_workdays"].append({"date": "2027-03-03", "name": "春节"})
    response = admin_client.post(url, {"notice_file": SimpleUploadedFile(
        "bad.yaml", yaml.safe_dump(bad, allow_unicode=True).encode())})
    assert response.status_code == 200 and "makeup_workdays[4] (2027-03-03)" in response.content.decode()
    assert not HolidayNotice.objects.exists()

    response = admin_client.post(url, {"notice_file": SimpleUploadedFile("2027.yaml", SAMPLE_2027.read_bytes())})
    assert response.status_code == 302
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.days.count() == 21 and notice.loaded_by.username == "admin"
    assert AuditLog.objects.filter(action=workdays.AUDIT_ACTION_NOTICE_LOAD).count() == 1
    assert admin_client.get(reverse("admin:core_holidaynotice_change", args=[notice.pk])).status_code == 200
    assert admin_client.get(reverse("admin:core_holidaynotice_changelist")).status_code == 200
