"""The Chinese working-day calendar that legal deadlines are counted in (RULES.md §7.5–7.6).

A working day is Monday to Friday, minus the State Council's public holidays, plus the weekend days worked
instead (调休, make-up working days). A year's holidays come from, in order of precedence:

1. a State Council notice loaded into the database (`holiday_notice_load`, the `jiuzhu workdays load` command
   or the admin), which also corrects the library;
2. the `chinesecalendar` library, which ships the notices of 2004 up to its release;
3. nothing: the year is *missing*. Its deadlines count weekdays only (Mon–Fri), and that is never silent:
   `missing_years` names such years for a computation, `calendar_warnings` gives the banner text, the system
   check core.W001 and the command line warn too.

The day of acceptance itself is not counted: `add_working_days(start, n)` is the n-th working day *after*
`start`, and `working_days_between(start, end)` counts the working days d with start < d <= end.

Case lists compute many deadlines, so the per-year day sets are cached in memory. The cache is checked against
a cheap database value (number of notices, latest `loaded_at`) once per web request, once a minute outside
requests, and at once after a load in this process; a notice loaded by another process is therefore seen by
the next request. A computation costs at most that one small query, not one per deadline (plus two to read the
notices when they changed). A load whose transaction is rolled back (as in tests) is forgotten too.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from django.core.signals import request_started
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction
from jiuzhu.core.models_calendar import CalendarDay, CalendarDayKind, HolidayNotice

__all__ = [
    "AUDIT_ACTION_NOTICE_LOAD",
    "CALENDAR_FIRST_YEAR",
    "HolidayNoticeError",
    "HolidayNoticeLoadResult",
    "NoticeProblem",
    "add_working_days",
    "calendar_cache_clear",
    "calendar_warnings",
    "calendar_years",
    "holiday_notice_load",
    "is_working_day",
    "missing_years",
    "working_days_between",
]

# The library's first year; calendar_years() lists from here.
CALENDAR_FIRST_YEAR = 2004
# The audit trail's action for a notice created or replaced.
AUDIT_ACTION_NOTICE_LOAD = AuditAction.HOLIDAY_NOTICE_LOAD

SOURCE_LIBRARY = "library"
SOURCE_NOTICE = "notice"
SOURCE_MISSING = "missing"

# Outside web requests (batch jobs, shells) the cache is re-checked at most this often.
_RECHECK_SECONDS = 60.0


# ---------------------------------------------------------------------------------------------------------------
# One year of the calendar, and where it comes from


@dataclass(frozen=True)
class _Year:
    year: int
    source: str
    document: str = ""
    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _missing(year: int) -> _Year:
    return _Year(year=year, source=SOURCE_MISSING)


_library_years: dict[int, _Year] | None = None


def _library() -> dict[int, _Year]:
    """The chinesecalendar data by year (static: built once per process)."""
    global _library_years
    if _library_years is None:
        from chinese_calendar import constants

        try:
            version = metadata.version("chinesecalendar")
        except metadata.PackageNotFoundError:  # pragma: no cover - installed from the lock
            version = "?"
        holidays: dict[int, set[date]] = {}
        makeup: dict[int, set[date]] = {}
        for day in constants.holidays:
            holidays.setdefault(day.year, set()).add(day)
        for day in constants.workdays:
            makeup.setdefault(day.year, set()).add(day)
        _library_years = {
            year: _Year(
                year=year, source=SOURCE_LIBRARY, document=f"chinesecalendar {version}",
                holidays=frozenset(holidays.get(year, ())), makeup_days=frozenset(makeup.get(year, ())),
            )
            for year in sorted(set(holidays) | set(makeup))
        }
    return _library_years


# ---------------------------------------------------------------------------------------------------------------
# The cache of loaded notices


@dataclass
class _Cache:
    token: tuple | None = None
    notices: dict[int, _Year] = field(default_factory=dict)
    stale: bool = True
    checked_at: float = 0.0


_cache = _Cache()
_cache_lock = threading.Lock()


# A notice load of this process whose transaction has not committed yet: the connection and the caller's atomic
# blocks it was made in. Only that connection can have read (and cached) the uncommitted rows.
_pending_load: tuple[Any, list] | None = None


def calendar_cache_clear() -> None:
    """Forget the loaded notices; the next computation reads them again (for tests and after loads)."""
    global _cache
    _cache = _Cache()


def _mark_stale(**kwargs) -> None:
    _cache.stale = True


# A notice loaded by another process is picked up by the next request.
request_started.connect(_mark_stale, dispatch_uid="jiuzhu.core.workdays.mark_stale")


def _db_token() -> tuple:
    agg = HolidayNotice.objects.aggregate(n=Count("id"), last=Max("loaded_at"))
    return (agg["n"], agg["last"])


def _read_notices() -> dict[int, _Year]:
    years: dict[int, dict[str, Any]] = {}
    for notice in HolidayNotice.objects.all():
        years[notice.year] = {"document": notice.document, "holidays": set(), "makeup_days": set()}
    for notice_year, day, kind in CalendarDay.objects.values_list("notice__year", "day", "kind"):
        if notice_year not in years:
            continue  # loaded between the two queries: the token has changed, the next check reads it
        key = "holidays" if kind == CalendarDayKind.HOLIDAY else "makeup_days"
        years[notice_year][key].add(day)
    return {
        year: _Year(year=year, source=SOURCE_NOTICE, document=v["document"],
                    holidays=frozenset(v["holidays"]), makeup_days=frozenset(v["makeup_days"]))
        for year, v in years.items()
    }


def _note_uncommitted_load() -> None:
    """Called by holiday_notice_load inside its transaction: remember it until it commits."""
    global _pending_load
    connection = transaction.get_connection()
    callers = list(connection.atomic_blocks[:-1])  # the last block is holiday_notice_load's own
    if callers:
        _pending_load = (connection, callers)
        transaction.on_commit(_load_committed)


def _load_committed() -> None:
    global _pending_load
    _pending_load = None


def _forget_rolled_back_load() -> None:
    """If the transaction a notice was loaded in has ended without committing, the cache may hold rows that no
    longer exist (a test's rollback, a failed request): read again. A savepoint released inside it looks the same
    and costs one needless read."""
    global _pending_load
    pending = _pending_load
    if pending is None:
        return
    connection, callers = pending
    if transaction.get_connection() is not connection:
        return  # other connections never saw the uncommitted rows
    current = connection.atomic_blocks
    still_open = 0
    while still_open < min(len(callers), len(current)) and callers[still_open] is current[still_open]:
        still_open += 1
    if still_open == len(callers):
        return
    calendar_cache_clear()
    _pending_load = (connection, callers[:still_open]) if still_open else None


def _notices() -> dict[int, _Year]:
    """The loaded notices by year, from the cache when the database says nothing changed."""
    global _cache
    _forget_rolled_back_load()
    cache = _cache
    now = time.monotonic()
    if cache.token is not None and not cache.stale and now - cache.checked_at < _RECHECK_SECONDS:
        return cache.notices
    with _cache_lock:
        token = _db_token()
        if token != cache.token:
            # Read the token first: a load committed in between makes the next check read again.
            cache = _Cache(token=token, notices=_read_notices() if token[0] else {})
        cache.stale = False
        cache.checked_at = now
        _cache = cache
    return cache.notices


class _Calendar:
    """A snapshot of the calendar for one computation (one cache check, then dictionary look-ups)."""

    def __init__(self) -> None:
        self._notices = _notices()
        self._library = _library()
        self._years: dict[int, _Year] = {}

    def year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._notices.get(year) or self._library.get(year) or _missing(year)
            self._years[year] = found
        return found

    def is_working_day(self, day: date) -> bool:
        return self.year(day.year).is_working_day(day)


# ---------------------------------------------------------------------------------------------------------------
# The public API


def _check_date(value: Any, *, name: str) -> date:
    # A datetime would compare unequal to the dates in the sets; and which day it is depends on the time zone,
    # which the caller knows (timezone.localdate()).
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date (use timezone.localdate() for a datetime), not {value!r}")
    return value


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: Mon–Fri except public holidays, or a make-up working weekend day.

    In a year without calendar data (see `missing_years`) every Monday to Friday is a working day.
    """
    day = _check_date(day, name="day")
    return _Calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`; `start` itself is not counted (RULES.md §7.6).

    n == 0 returns `start`. A deadline of 30 working days from an acceptance date is
    `add_working_days(accepted_on, 30)`.
    """
    start = _check_date(start, name="start")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {n!r}")
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    calendar = _Calendar()
    day = start
    remaining = n
    try:
        while remaining:
            day += timedelta(days=1)
            if calendar.is_working_day(day):
                remaining -= 1
    except OverflowError:
        raise ValueError(f"{n} working days after {start.isoformat()} is beyond the year 9999") from None
    return day


def working_days_between(start: date, end: date) -> int:
    """The number of working days d with start < d <= end (0 if end <= start).

    So `working_days_between(s, add_working_days(s, n)) == n`: the working days used of a deadline.
    """
    start = _check_date(start, name="start")
    end = _check_date(end, name="end")
    if end <= start:
        return 0
    calendar = _Calendar()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def missing_years(start: date, end: date) -> list[int]:
    """The years touched by [start, end] that neither the library nor a loaded notice covers.

    A deadline that falls in such a year counted weekdays only; show the user `calendar_warnings`.
    """
    start = _check_date(start, name="start")
    end = _check_date(end, name="end")
    first, last = sorted((start.year, end.year))
    calendar = _Calendar()
    return [year for year in range(first, last + 1) if calendar.year(year).source == SOURCE_MISSING]


def missing_year_message(year: int) -> str:
    """The warning for one missing year, in the active language."""
    return _(
        "The State Council holiday notice for %(year)s is not loaded: deadlines in %(year)s count weekdays only."
    ) % {"year": year}


def calendar_warnings(*, today: date) -> list[str]:
    """Banner messages (active language): the current year missing, or from 1 December the next year missing."""
    today = _check_date(today, name="today")
    calendar = _Calendar()
    years = [today.year]
    if today.month == 12:
        years.append(today.year + 1)
    return [missing_year_message(year) for year in years if calendar.year(year).source == SOURCE_MISSING]


def calendar_years(*, today: date | None = None) -> list[dict]:
    """One row per year from 2004 to next year (and any later year with a notice): where its calendar comes from.

    Each row: year, source ("library", "notice" or "missing"), document, holidays (number of holiday dates),
    makeup_days (number of make-up working days).
    """
    today = _check_date(today, name="today") if today is not None else timezone.localdate()
    calendar = _Calendar()
    last = max([today.year + 1, *calendar._notices])
    rows = []
    for year in range(CALENDAR_FIRST_YEAR, last + 1):
        data = calendar.year(year)
        rows.append({
            "year": year,
            "source": data.source,
            "document": data.document,
            "holidays": len(data.holidays),
            "makeup_days": len(data.makeup_days),
        })
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Loading a year's notice


class HolidayNoticeErrorCode:
    NOT_A_MAPPING = "not_a_mapping"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_VALUE = "invalid_value"
    NOT_A_DATE = "not_a_date"
    WRONG_YEAR = "wrong_year"
    NOT_A_WEEKEND = "not_a_weekend"
    DUPLICATE_DATE = "duplicate_date"
    HOLIDAY_AND_MAKEUP = "holiday_and_makeup"
    BAD_RANGE = "bad_range"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class NoticeProblem:
    """One thing wrong with a notice: a stable code, the item (e.g. `makeup_workdays[1]`) and a message."""

    code: str
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}" if self.item else self.message


class HolidayNoticeError(ValueError):
    """A notice that cannot be loaded; `problems` lists every problem found, each naming its item."""

    def __init__(self, problems: list[NoticeProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


@dataclass(frozen=True)
class HolidayNoticeLoadResult:
    notice: HolidayNotice
    status: str  # "created", "replaced" or "unchanged"
    holidays: int
    makeup_days: int


@dataclass(frozen=True)
class _NoticeData:
    year: int
    document: str
    source_url: str
    days: dict[date, tuple[str, str]]  # day -> (kind, name)

    def count(self, kind: str) -> int:
        return sum(1 for k, _name in self.days.values() if k == kind)


WEEKDAY_NAMES = [
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
    gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"),
]
_FIELDS = {"year", "document", "source_url", "holidays", "makeup_workdays"}
_ITEM_FIELDS = {"date", "from", "to", "name"}


def _parse_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _validate_notice(data: Any) -> _NoticeData:
    """Check a notice (the mapping read from YAML) and return it normalised, or raise HolidayNoticeError."""
    problems: list[NoticeProblem] = []

    def problem(code: str, item: str, message: str) -> None:
        problems.append(NoticeProblem(code, item, message))

    if not isinstance(data, dict):
        raise HolidayNoticeError([NoticeProblem(
            HolidayNoticeErrorCode.NOT_A_MAPPING, "",
            _("A notice is a mapping with the fields year, document, holidays and makeup_workdays."),
        )])
    for key in sorted(set(map(str, data)) - _FIELDS):
        problem(HolidayNoticeErrorCode.UNKNOWN_FIELD, key,
                _("Unknown field; the fields are %(fields)s.") % {"fields": ", ".join(sorted(_FIELDS))})

    year = data.get("year")
    if year is None:
        problem(HolidayNoticeErrorCode.MISSING_FIELD, "year", _("This field is required."))
    elif isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2200:
        problem(HolidayNoticeErrorCode.INVALID_VALUE, "year",
                _("Not a year: %(value)s.") % {"value": year})
        year = None

    document = data.get("document")
    if not isinstance(document, str) or not document.strip():
        problem(HolidayNoticeErrorCode.MISSING_FIELD, "document",
                _("Give the title and number of the State Council notice."))
        document = ""
    elif len(document.strip()) > 300:
        problem(HolidayNoticeErrorCode.INVALID_VALUE, "document", _("At most 300 characters."))
    source_url = data.get("source_url") or ""
    if not isinstance(source_url, str) or len(source_url) > 500:
        problem(HolidayNoticeErrorCode.INVALID_VALUE, "source_url", _("A web address of at most 500 characters."))
        source_url = ""

    days: dict[date, tuple[str, str]] = {}
    first_item: dict[date, str] = {}
    for key, kind in (("holidays", CalendarDayKind.HOLIDAY), ("makeup_workdays", CalendarDayKind.MAKEUP_WORKDAY)):
        items = data.get(key)
        if items is None:
            if kind == CalendarDayKind.HOLIDAY:
                problem(HolidayNoticeErrorCode.MISSING_FIELD, key, _("This field is required."))
            continue
        if not isinstance(items, list):
            problem(HolidayNoticeErrorCode.INVALID_VALUE, key, _("A list of dates is expected."))
            continue
        for index, raw in enumerate(items):
            item = f"{key}[{index}]"
            if not isinstance(raw, dict):
                raw = {"date": raw}
            for extra in sorted(set(map(str, raw)) - _ITEM_FIELDS):
                problem(HolidayNoticeErrorCode.UNKNOWN_FIELD, f"{item}.{extra}",
                        _("Unknown field; an item has date (or from and to) and name."))
            name = raw.get("name") or ""
            if not isinstance(name, str) or len(name) > 100:
                problem(HolidayNoticeErrorCode.INVALID_VALUE, f"{item}.name", _("A name of at most 100 characters."))
                name = ""
            if kind == CalendarDayKind.HOLIDAY and not name.strip():
                problem(HolidayNoticeErrorCode.MISSING_FIELD, f"{item}.name", _("Name the holiday, e.g. 春节."))
            item_days = _item_days(raw, item=item, problem=problem)
            for day in item_days:
                label = f"{item} ({day.isoformat()})"
                if year is not None and day.year != year:
                    problem(HolidayNoticeErrorCode.WRONG_YEAR, label,
                            _("The date is not in %(year)s, the notice's year.") % {"year": year})
                    continue
                if kind == CalendarDayKind.MAKEUP_WORKDAY and day.weekday() < 5:
                    problem(HolidayNoticeErrorCode.NOT_A_WEEKEND, label,
                            _("A make-up working day must be a Saturday or Sunday; this is a %(weekday)s.")
                            % {"weekday": WEEKDAY_NAMES[day.weekday()]})
                    continue
                if day in days:
                    earlier_kind = days[day][0]
                    if earlier_kind == kind:
                        problem(HolidayNoticeErrorCode.DUPLICATE_DATE, label,
                                _("The date is already listed as %(item)s.") % {"item": first_item[day]})
                    else:
                        problem(HolidayNoticeErrorCode.HOLIDAY_AND_MAKEUP, label,
                                _("The date is both a holiday and a make-up working day (%(item)s).")
                                % {"item": first_item[day]})
                    continue
                days[day] = (kind, name.strip())
                first_item[day] = item
    if problems:
        raise HolidayNoticeError(problems)
    return _NoticeData(year=year, document=document.strip(), source_url=source_url.strip(), days=days)


def _item_days(raw: dict, *, item: str, problem) -> list[date]:
    """The dates of one list item: `date`, or the inclusive range `from` … `to`."""
    if "date" in raw:
        if "from" in raw or "to" in raw:
            problem(HolidayNoticeErrorCode.INVALID_VALUE, item, _("Give either date, or from and to, not both."))
            return []
        day = _parse_day(raw["date"])
        if day is None:
            problem(HolidayNoticeErrorCode.NOT_A_DATE, f"{item}.date",
                    _("Not a date (YYYY-MM-DD): %(value)s.") % {"value": raw["date"]})
            return []
        return [day]
    if "from" not in raw or "to" not in raw:
        problem(HolidayNoticeErrorCode.MISSING_FIELD, item, _("Give date, or from and to."))
        return []
    first, last = _parse_day(raw["from"]), _parse_day(raw["to"])
    for key, value, parsed in (("from", raw["from"], first), ("to", raw["to"], last)):
        if parsed is None:
            problem(HolidayNoticeErrorCode.NOT_A_DATE, f"{item}.{key}",
                    _("Not a date (YYYY-MM-DD): %(value)s.") % {"value": value})
    if first is None or last is None:
        return []
    if last < first or (last - first).days > 31:
        problem(HolidayNoticeErrorCode.BAD_RANGE, item,
                _("from %(first)s to %(last)s is not a range of at most a month.")
                % {"first": first.isoformat(), "last": last.isoformat()})
        return []
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _read_notice_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HolidayNoticeError([NoticeProblem(
            HolidayNoticeErrorCode.UNREADABLE, str(path), _("Cannot read the file: %(error)s") % {"error": exc},
        )]) from exc
    return notice_from_yaml(text, origin=str(path))


def notice_from_yaml(text: str | bytes, *, origin: str = "") -> Any:
    """The mapping of a notice written in YAML (see jiuzhu/core/data/holidays/README.md)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HolidayNoticeError([NoticeProblem(
            HolidayNoticeErrorCode.UNREADABLE, origin, _("Not valid YAML: %(error)s") % {"error": exc},
        )]) from exc


def holiday_notice_validate(*, data: Any) -> None:
    """Raise HolidayNoticeError if `data` is not a valid notice (the admin's form checks with this)."""
    _validate_notice(data)


def _stored_days(notice: HolidayNotice) -> dict[date, tuple[str, str]]:
    return {day: (kind, name) for day, kind, name in notice.days.values_list("day", "kind", "name")}


@transaction.atomic
def holiday_notice_load(*, data: dict | str | os.PathLike, actor=None) -> HolidayNoticeLoadResult:
    """Validate and store one year's State Council holiday notice; it then takes precedence over the library.

    `data` is the notice as a mapping, or the path of a YAML file (format: jiuzhu/core/data/holidays/README.md).
    Loading the same notice again changes nothing. A different notice for a year already loaded (a correction)
    replaces that year's days in this transaction. Creating or replacing writes an audit entry.
    """
    raw = _read_notice_file(Path(data)) if isinstance(data, (str, os.PathLike)) else data
    notice_data = _validate_notice(raw)
    existing = HolidayNotice.objects.select_for_update().filter(year=notice_data.year).first()
    counts = {
        "holidays": notice_data.count(CalendarDayKind.HOLIDAY),
        "makeup_days": notice_data.count(CalendarDayKind.MAKEUP_WORKDAY),
    }
    if existing is not None and (
        existing.document == notice_data.document
        and existing.source_url == notice_data.source_url
        and _stored_days(existing) == notice_data.days
    ):
        return HolidayNoticeLoadResult(notice=existing, status="unchanged", **counts)

    now = timezone.now()
    loaded_by = actor if getattr(actor, "pk", None) else None
    if existing is None:
        notice = HolidayNotice.objects.create(
            year=notice_data.year, document=notice_data.document, source_url=notice_data.source_url,
            loaded_at=now, loaded_by=loaded_by,
        )
        status = "created"
        previous = None
    else:
        notice = existing
        previous = {
            "document": existing.document,
            "holidays": sorted(d.isoformat() for d, (k, _n) in _stored_days(existing).items()
                               if k == CalendarDayKind.HOLIDAY),
            "makeup_days": sorted(d.isoformat() for d, (k, _n) in _stored_days(existing).items()
                                  if k == CalendarDayKind.MAKEUP_WORKDAY),
        }
        notice.document = notice_data.document
        notice.source_url = notice_data.source_url
        # The latest loaded_at must move forward, even with a clock behind, for every process's cache to notice.
        latest = HolidayNotice.objects.aggregate(last=Max("loaded_at"))["last"]
        notice.loaded_at = max(now, latest + timedelta(microseconds=1))
        notice.loaded_by = loaded_by
        notice.save()
        notice.days.all().delete()
        status = "replaced"
    CalendarDay.objects.bulk_create([
        CalendarDay(notice=notice, day=day, kind=kind, name=name)
        for day, (kind, name) in sorted(notice_data.days.items())
    ])
    detail: dict[str, Any] = {"year": notice.year, "status": status, "document": notice.document, **counts}
    if previous is not None:
        detail["previous"] = previous
    audit_record(actor=actor, action=AUDIT_ACTION_NOTICE_LOAD, object_type="holiday_notice",
                 object_id=notice.year, detail=detail)
    # This process sees the change at once; other processes at their next check of the database token, which
    # only counts committed rows. Should the caller's transaction roll back, this process reads again.
    calendar_cache_clear()
    _note_uncommitted_load()
    return HolidayNoticeLoadResult(notice=notice, status=status, **counts)
