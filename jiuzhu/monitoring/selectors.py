"""Reads of feeds, warnings and tasks, limited to the user's region and role."""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import filter_by_region, user_region_prefix
from jiuzhu.monitoring.models import FeedBatch, MatchReview, TaskStatus, VerificationTask, Warning, WarningStatus

WARNING_READERS = {Role.COUNTY_BUREAU, Role.TOWNSHIP_ASSISTANT, Role.GRID_WORKER, Role.SUPERVISOR,
                   Role.SYSTEM_ADMIN}
FEED_SENDERS = {Role.DEPARTMENT_STAFF, Role.COUNTY_BUREAU, Role.SYSTEM_ADMIN}


def can_read_warnings(user) -> bool:
    return bool(set(roles_of(user)) & WARNING_READERS)


def can_send_feeds(user) -> bool:
    return bool(set(roles_of(user)) & FEED_SENDERS)


def batch_list(*, user) -> QuerySet[FeedBatch]:
    """Department staff see the batches their region sent; the county bureau sees its region's."""
    if not can_send_feeds(user):
        return FeedBatch.objects.none()
    prefix = user_region_prefix(user)
    if prefix is None:
        return FeedBatch.objects.none()
    qs = FeedBatch.objects.select_related("received_by", "region")
    return qs.filter(region__code__startswith=prefix) if prefix else qs


def warning_scope(*, user) -> QuerySet[Warning]:
    """Warnings of the user's subtree: by the household's region (a grid worker's village), or, for people
    outside the registry, by the township responsible."""
    if not can_read_warnings(user):
        return Warning.objects.none()
    prefix = user_region_prefix(user)
    if prefix is None:
        return Warning.objects.none()
    qs = Warning.objects.all()
    if prefix:
        qs = qs.filter(Q(household__region__code__startswith=prefix) |
                       Q(household__isnull=True, task__region__code__startswith=prefix))
    return qs


def warning_list(*, user, status: str = "open", level: str = "", indicator: str = "", q: str = "",
                 overdue: bool = False, today: date | None = None) -> QuerySet[Warning]:
    qs = warning_scope(user=user).select_related("region", "task", "household", "person")
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if indicator:
        qs = qs.filter(indicator=indicator)
    if q:
        qs = qs.filter(Q(subject_name__contains=q) | Q(subject_id_number__startswith=q.upper()))
    if overdue and today:
        qs = qs.filter(task__status=TaskStatus.OPEN, task__due_on__lt=today)
    return qs.order_by("status", "level", "task__due_on", "-id")


def warning_get(*, user, pk: int) -> Warning:
    return warning_scope(user=user).select_related("region", "task", "task__region", "household", "person",
                                                   "application").get(pk=pk)


def task_list(*, user) -> QuerySet[VerificationTask]:
    """The open verification tasks of the user's region, nearest deadline first (a grid worker: their village)."""
    if not can_read_warnings(user):
        return VerificationTask.objects.none()
    return filter_by_region(VerificationTask.objects.filter(status=TaskStatus.OPEN), user=user) \
        .select_related("warning", "region").order_by("due_on", "id")


def task_get(*, user, pk: int) -> VerificationTask:
    return filter_by_region(VerificationTask.objects.all(), user=user).select_related(
        "warning", "warning__household", "warning__person", "region").get(pk=pk)


def review_list(*, user) -> QuerySet[MatchReview]:
    if not set(roles_of(user)) & {Role.TOWNSHIP_ASSISTANT, Role.COUNTY_BUREAU, Role.SYSTEM_ADMIN}:
        return MatchReview.objects.none()
    return filter_by_region(MatchReview.objects.filter(status="pending"), user=user,
                            field="person__household__region").select_related("person", "batch")


@dataclass
class LoopFigures:
    region: Region
    open: int
    overdue: int
    closed: int
    mean_days_to_close: float | None


def loop_figures(*, user, today: date) -> list[LoopFigures]:
    """Per township: open, overdue and closed warnings, and the mean time from warning to outcome."""
    qs = warning_scope(user=user)
    rows = qs.values("region").annotate(
        open=Count("id", filter=Q(status=WarningStatus.OPEN)),
        overdue=Count("id", filter=Q(status=WarningStatus.OPEN, task__due_on__lt=today)),
        closed=Count("id", filter=Q(status=WarningStatus.CLOSED)),
    ).order_by("region")
    durations: dict[str, list[timedelta]] = {}
    for region, raised, closed in qs.filter(status=WarningStatus.CLOSED).values_list(
            "region", "first_raised_at", "closed_at"):
        durations.setdefault(region, []).append(closed - raised)
    regions = Region.objects.in_bulk([r["region"] for r in rows])
    out = []
    for r in rows:
        spans = durations.get(r["region"], [])
        mean = sum((s.total_seconds() for s in spans), 0.0) / len(spans) / 86400 if spans else None
        out.append(LoopFigures(regions[r["region"]], r["open"], r["overdue"], r["closed"], mean))
    return out
