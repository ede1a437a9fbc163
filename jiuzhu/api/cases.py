"""Applications and their workflow: take an application, read cases, take a step; and the working-day
calendar the deadlines are counted in.

A step is `POST /applications/{id}/steps/{step}` with the `version` the client last read: of two clients
acting on the same version, one succeeds and the other gets 409 `stale`. Refusals carry a stable `code`,
the `field` at fault and a translated `message`.
"""
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from jiuzhu.api.common import request_user
from jiuzhu.api.errors import ApiError, ApiErrorCode
from jiuzhu.api.pagination import PageMeta, PageParams, paginate
from jiuzhu.api.schemas import ERRORS
from jiuzhu.api.types import MaskedIdNumber, Money
from jiuzhu.cases.choices import ApplicationKind, Channel, Material, RequestedTier, TemporaryType
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.cases.models import Application
from jiuzhu.cases.selectors import application_get, application_list, can_read_cases, timeliness_by_township
from jiuzhu.cases.services import (
    Intake,
    application_create,
    application_transition,
    application_view_record,
    township_of,
    transition_allowed,
)
from jiuzhu.cases.workflow import TRANSITIONS, transitions_for
from jiuzhu.core.workdays import add_working_days, missing_years, working_days_between
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_get

router = Router(tags=["applications"])
calendar_router = Router(tags=["working days"])


class CaseErrorOut(Schema):
    """A refused action: `code` is one of forbidden_transition, role_not_allowed, stale, missing_input,
    invalid_input, precondition, rules_input."""

    code: str = Field(examples=["stale"])
    field: str = Field("", description="The input at fault, when there is one.", examples=["reasons"])
    message: str = Field(description="Translated message (Accept-Language: zh-hans by default, en).")


CASE_ERRORS = {**ERRORS, 400: CaseErrorOut, 409: CaseErrorOut}
_STATUS = {CaseErrorCode.STALE: 409, CaseErrorCode.FORBIDDEN_TRANSITION: 409, CaseErrorCode.ROLE_NOT_ALLOWED: 403,
           CaseErrorCode.OUT_OF_REGION: 404}


def _case_error(exc: CaseError):
    if exc.code == CaseErrorCode.OUT_OF_REGION:
        raise ApiError(ApiErrorCode.NOT_FOUND)
    return Status(_STATUS.get(exc.code, 400), {"code": exc.code, "field": exc.field, "message": exc.message})


def _require_cases(user) -> None:
    if not can_read_cases(user):
        raise ApiError(ApiErrorCode.PERMISSION_DENIED)


# --- Schemas --------------------------------------------------------------------------------------------

class EventOut(Schema):
    """One step in the application's timeline: who did what, when, from which state to which."""

    step: str = Field(description="The transition's code name (`submit` for the application itself).")
    label: str
    from_state: str
    to_state: str
    actor: str = Field(description="The user's username.")
    at: Any
    note: str
    data: dict[str, Any]


class StepOut(Schema):
    """A step this user may take now, and the inputs it needs."""

    step: str
    label: str
    requires: list[str] = Field(description="Inputs the step needs in `data`.")


class ApplicationOut(Schema):
    """An application: where it stands, its deadlines (working days) and what the rules sorted it into."""

    id: int
    number: str
    kind: ApplicationKind
    requested_tier: str
    state: str
    state_label: str
    version: int = Field(description="Send it back with a step; it changes with every step.")
    household_id: int
    applicant_name: str
    applicant_id_number: MaskedIdNumber
    region: str = Field(description="The responsible township's code.")
    window_region: str = Field(description="Where the application was handed in (one-stop).")
    channel: str
    submitted_on: date
    accepted_on: date | None
    due_on: date | None = Field(description="End of the procedure, in working days from acceptance.")
    extended: bool
    step_deadline_kind: str
    step_due_on: date | None
    closed_on: date | None
    overdue: bool
    calendar_warning: str
    sorted_tier: str = Field(description="The tier the rules sorted the application into at verification.")
    sorted_amount: Money | None
    missing_materials: list[str]

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_applicant_name(obj) -> str:
        return obj.applicant.name

    @staticmethod
    def resolve_applicant_id_number(obj) -> str:
        return obj.applicant.id_number

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_window_region(obj) -> str:
        return obj.window_region_id

    @staticmethod
    def resolve_overdue(obj) -> bool:
        today = timezone.localdate()
        return obj.is_open and any(d is not None and d < today for d in (obj.due_on, obj.step_due_on))


class DecisionOut(Schema):
    """The county's decision: frozen with the facts and the explained result it was taken on."""

    outcome: str
    letter_number: str
    tier: str
    monthly_total: Money | None
    covered_persons: int
    reasons: str
    as_of: date
    effective_from: date | None
    decided_on: date
    letter_due_on: date | None


class ApplicationDetailOut(ApplicationOut):
    """An application with its timeline, the steps this user may take and the decision."""

    events: list[EventOut]
    next_steps: list[StepOut] = Field(description="The steps this user may take now.")
    decision: DecisionOut | None

    @staticmethod
    def resolve_events(obj) -> list[dict]:
        return [{"step": e.transition, "label": e.step_label, "from_state": e.from_state, "to_state": e.to_state,
                 "actor": e.actor.username, "at": e.at, "note": e.note, "data": e.data} for e in obj.events.all()]

    @staticmethod
    def resolve_next_steps(obj) -> list[dict]:
        return obj.next_steps_for_user

    @staticmethod
    def resolve_decision(obj):
        return getattr(obj, "decision", None)


class ApplicationPage(PageMeta):
    """One page of applications."""

    items: list[ApplicationOut]


class ApplicationIn(Schema):
    """An application for a registered household, handed in at the user's own township window."""

    household_id: int
    applicant_id: int = Field(description="A member of the household (person id).")
    kind: ApplicationKind
    requested_tier: RequestedTier = RequestedTier.NONE
    channel: Channel = Channel.WINDOW
    reason: str = Field(min_length=1)
    verification_consent: bool = False
    consent_date: date | None = None
    missing_materials: list[Material] = []
    temporary_type: TemporaryType | None = None
    temporary_cost: Money | None = None
    non_local: bool = False
    residence_months: int | None = Field(None, ge=0)
    source_reference: str = ""


class StepIn(Schema):
    """A step taken on the version of the application the client last read."""

    version: int = Field(description="The application's version as last read.")
    data: dict[str, Any] = Field(default_factory=dict, description="The step's inputs (see next_steps[].requires): "
                                 "reasons, surveyed_on, surveyor_1, surveyor_2, findings, surveyors_signed, "
                                 "applicant_signed, opinion (approve|refuse), text, place, received_on, content, "
                                 "note, appraisal, amount (string yuan), stages, payment, missing_materials.")


class ApplicationFilters(PageParams):
    """Filters of the application list."""

    q: str = ""
    state: str = Field("open", description="open, closed, a state code, or empty for all.")
    kind: ApplicationKind | None = None
    overdue: bool = False


class TimelinessOut(Schema):
    """Open, overdue and on-time figures of one responsible township."""

    region: str
    region_name: str
    open: int
    overdue: int
    decided: int
    decided_on_time: int
    on_time_rate: float | None = Field(description="Share of decided applications decided within the deadline.")


def _detail_out(application: Application, user) -> Application:
    """The application, with the steps this user may take now attached for ApplicationDetailOut."""
    application.next_steps_for_user = [
        {"step": t.name, "label": str(t.label), "requires": list(t.requires)}
        for t in transitions_for(kind=application.kind, state=application.state)
        if transition_allowed(actor=user, application=application, step=t)]
    return application


# --- Endpoints ------------------------------------------------------------------------------------------

@router.get("", response={200: ApplicationPage, **ERRORS}, summary="List applications",
            url_name="application_list")
def applications_list(request: HttpRequest, filters: Query[ApplicationFilters]):
    """Applications of the user's region (responsible township or receiving window), nearest deadline first."""
    user = request_user(request)
    _require_cases(user)
    qs = application_list(user=user, today=timezone.localdate(), q=filters.q, state=filters.state,
                          kind=filters.kind or "", overdue=filters.overdue)
    return paginate(request, qs, filters)


@router.get("/timeliness", response={200: list[TimelinessOut], **ERRORS}, summary="On-time figures by township")
def applications_timeliness(request: HttpRequest):
    """Per responsible township of the user's region: open and overdue applications, and the share decided
    within the procedure's deadline."""
    user = request_user(request)
    _require_cases(user)
    return [{"region": r.region.code, "region_name": r.region.display_name(), "open": r.open, "overdue": r.overdue,
             "decided": r.decided, "decided_on_time": r.decided_on_time, "on_time_rate": r.on_time_rate}
            for r in timeliness_by_township(user=user, today=timezone.localdate())]


@router.get("/{application_id}", response={200: ApplicationDetailOut, **ERRORS}, summary="Get an application",
            url_name="application_detail")
def applications_detail(request: HttpRequest, application_id: int):
    """One application with its timeline and the steps this user may take now (audited)."""
    user = request_user(request)
    _require_cases(user)
    application = application_get(user=user, pk=application_id)
    application_view_record(user=user, application=application, request=request)
    return _detail_out(application, user)


@router.post("", response={201: ApplicationDetailOut, **CASE_ERRORS}, summary="Take an application")
def applications_create(request: HttpRequest, payload: ApplicationIn):
    """Take an application at the user's township window; it is routed to the household's township."""
    user = request_user(request)
    _require_cases(user)
    try:
        household = household_get(user=user, pk=payload.household_id)
        applicant = household.members.get(pk=payload.applicant_id)
    except (Household.DoesNotExist, Person.DoesNotExist):
        raise ApiError(ApiErrorCode.NOT_FOUND) from None
    window = user.home_region
    if window is None or window.level not in ("township", "village"):
        window = township_of(household.region)
    intake = Intake(kind=payload.kind, requested_tier=payload.requested_tier, channel=payload.channel,
                    reason=payload.reason, verification_consent=payload.verification_consent,
                    consent_date=payload.consent_date, missing_materials=tuple(payload.missing_materials),
                    temporary_type=payload.temporary_type or "", temporary_cost=payload.temporary_cost,
                    non_local=payload.non_local, residence_months=payload.residence_months,
                    source_reference=payload.source_reference)
    try:
        application = application_create(actor=user, household=household, applicant=applicant, intake=intake,
                                         window=window)
    except CaseError as exc:
        return _case_error(exc)
    return Status(201, _detail_out(application_get(user=user, pk=application.pk), user))


@router.post("/{application_id}/steps/{step}", response={200: ApplicationDetailOut, **CASE_ERRORS},
             summary="Take a step of the workflow", url_name="application_step")
def applications_step(request: HttpRequest, application_id: int, step: str, payload: StepIn):
    """Take one step (accept, verify, survey, township_opinion, publish_notice, close_notice, approve, refuse,
    …) on the version of the application the client read. 409 `stale` when someone else acted first,
    409 `forbidden_transition` when the state does not allow the step, 403 when the role may not."""
    user = request_user(request)
    _require_cases(user)
    application = application_get(user=user, pk=application_id)
    if step not in TRANSITIONS:
        raise ApiError(ApiErrorCode.NOT_FOUND)
    try:
        application_transition(actor=user, application_id=application.pk, step=step, version=payload.version,
                               data=payload.data)
    except CaseError as exc:
        return _case_error(exc)
    return Status(200, _detail_out(application_get(user=user, pk=application.pk), user))


# --- Working days ---------------------------------------------------------------------------------------

class WorkdaysOut(Schema):
    """A span of the Chinese working-day calendar."""

    start: date
    end: date
    working_days: int
    missing_years: list[int] = Field(description="Years without a loaded holiday notice: counted Mon–Fri.")


@calendar_router.get("/add", response={200: WorkdaysOut, **ERRORS},
                     summary="Add working days to a date")
def workdays_add(request: HttpRequest, start: date, n: int = Query(..., ge=0, le=3650)):
    """The n-th working day after `start` (the start day is not counted)."""
    end = add_working_days(start, n)
    return {"start": start, "end": end, "working_days": n, "missing_years": missing_years(start, end)}


@calendar_router.get("/between", response={200: WorkdaysOut, **ERRORS},
                     summary="Working days between two dates")
def workdays_between(request: HttpRequest, start: date, end: date):
    """Working days after `start` up to and including `end`."""
    return {"start": start, "end": end, "working_days": working_days_between(start, end),
            "missing_years": missing_years(min(start, end), max(start, end))}
