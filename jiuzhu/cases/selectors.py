"""Every read of applications goes through these functions, limited to the user's region and role.

A user sees the applications of the households in their subtree, and those handed in at a window in their
subtree (one-stop: the receiving township can follow what it forwarded, but only the responsible township
and its county act on it).
"""
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet

from jiuzhu.cases.choices import CLOSED_STATES, OPEN_STATES, State
from jiuzhu.cases.models import Application, CaseEvent, Objection, PublicNotice
from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import user_region_prefix

CASE_ROLES = {Role.COUNTY_BUREAU, Role.TOWNSHIP_ASSISTANT, Role.GRID_WORKER, Role.SUPERVISOR,
              Role.HOTLINE_OPERATOR, Role.SYSTEM_ADMIN}


def can_read_cases(user) -> bool:
    return bool(set(roles_of(user)) & CASE_ROLES)


def application_scope(*, user) -> QuerySet[Application]:
    if not can_read_cases(user):
        return Application.objects.none()
    prefix = user_region_prefix(user)
    if prefix is None:
        return Application.objects.none()
    qs = Application.objects.all()
    if prefix:
        # By the household's region (a grid worker's village lies below the case's township) or by the window.
        qs = qs.filter(Q(household__region__code__startswith=prefix) | Q(window_region__code__startswith=prefix))
    return qs


def overdue_q(today: date) -> Q:
    return Q(state__in=OPEN_STATES) & (Q(due_on__lt=today) | Q(step_due_on__lt=today))


def application_list(*, user, today: date, q: str = "", state: str = "", kind: str = "", region_code: str = "",
                     overdue: bool = False, household_id: int | None = None) -> QuerySet[Application]:
    """Applications in scope; open ones first by their nearest deadline."""
    qs = application_scope(user=user).select_related("household", "applicant", "region", "window_region")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(applicant__name__contains=q))
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state == "closed":
        qs = qs.filter(state__in=CLOSED_STATES)
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        qs = qs.filter(region__code__startswith=region.prefix if region else region_code)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    return qs.order_by("closed_on", "step_due_on", "due_on", "-id")


def application_get(*, user, pk: int) -> Application:
    """One application in scope with its timeline and records; raises Application.DoesNotExist."""
    return (
        application_scope(user=user)
        .select_related("household", "household__region", "applicant", "region", "window_region", "created_by")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            "verifications", "surveys", "opinions", "payments",
            Prefetch("notices", queryset=PublicNotice.objects.prefetch_related(
                Prefetch("objections", queryset=Objection.objects.all()))),
        )
        .get(pk=pk)
    )


def household_applications(*, user, household_id: int) -> list[Application]:
    """The household's applications with their events, for the household's timeline (一户一链)."""
    return list(
        application_scope(user=user).filter(household_id=household_id)
        .prefetch_related(Prefetch("events", queryset=CaseEvent.objects.select_related("actor")))
        .order_by("-submitted_on", "-id")
    )


@dataclass
class TownshipTimeliness:
    region: Region
    open: int
    overdue: int
    decided: int
    decided_on_time: int

    @property
    def on_time_rate(self) -> float | None:
        return self.decided_on_time / self.decided if self.decided else None


def timeliness_by_township(*, user, today: date) -> list[TownshipTimeliness]:
    """Per responsible township: open and overdue cases, and the share decided within the procedure's
    deadline (approved or refused on or before `due_on`)."""
    decided = Q(state__in=[State.APPROVED, State.REFUSED])
    rows = (
        application_scope(user=user).values("region")
        .annotate(
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("id", filter=overdue_q(today)),
            decided=Count("id", filter=decided),
            decided_on_time=Count("id", filter=decided & Q(decision__decided_on__lte=F("due_on"))),
        )
        .order_by("region")
    )
    regions = Region.objects.in_bulk([r["region"] for r in rows])
    return [TownshipTimeliness(regions[r["region"]], r["open"], r["overdue"], r["decided"], r["decided_on_time"])
            for r in rows]
