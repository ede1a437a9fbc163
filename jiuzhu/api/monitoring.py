"""Monitoring: department feeds handed in by a system (multipart upload), the warning queue, and the outcome of
an on-site verification. Reads go through jiuzhu.monitoring.selectors (region and role); writes through its
services."""
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiuzhu.api.common import request_user
from jiuzhu.api.errors import ApiError, ApiErrorCode
from jiuzhu.api.pagination import PageMeta, PageParams, paginate
from jiuzhu.api.schemas import ERRORS
from jiuzhu.api.types import MaskedIdNumber
from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction
from jiuzhu.monitoring.errors import MonitoringError
from jiuzhu.monitoring.feedtypes import FEEDS, FeedType
from jiuzhu.monitoring.models import BatchStatus, Outcome, Warning, WarningLevel
from jiuzhu.monitoring.selectors import batch_list, can_read_warnings, can_send_feeds, warning_get, warning_list
from jiuzhu.monitoring.services import feed_batch_monitor, task_complete

router = Router(tags=["monitoring"])


class MonitoringErrorOut(Schema):
    """A refused action: `code` is stable (role_not_allowed, out_of_region, stale, invalid_outcome,
    note_required, outside_registry)."""

    code: str
    field: str = ""
    message: str


class BatchOut(Schema):
    """A department file as received: provenance, counts, the first rejected rows."""

    id: int
    feed_type: str
    department: str
    file_name: str
    sha256: str
    status: str
    received_at: Any
    rows_total: int
    rows_accepted: int
    rows_rejected: int
    file_error: dict[str, Any]
    errors: list[dict[str, Any]] = Field(description="The first rejected rows: row, field, code, message.")
    created: bool = Field(True, description="False when the same file was handed in before (nothing changed).")
    warnings_created: int = 0
    warnings_updated: int = 0


class TaskOut(Schema):
    """The on-site verification of a warning."""

    id: int
    due_on: date
    status: str
    version: int = Field(description="Send it back with the outcome.")
    region: str

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_id


class WarningOut(Schema):
    """A warning: who, which indicator and period, level, suggested assistance, evidence and its task."""

    id: int
    indicator: str
    indicator_label: str
    period: str
    level: WarningLevel
    suggestion: str
    subject_name: str
    subject_id_number: MaskedIdNumber
    person_id: int | None
    household_id: int | None
    region: str = Field(description="The township responsible.")
    status: str
    outcome: str
    outcome_note: str
    application_id: int | None
    evidence: list[dict[str, Any]]
    task: TaskOut | None

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_task(obj):
        return getattr(obj, "task", None)


class WarningPage(PageMeta):
    """One page of warnings."""

    items: list[WarningOut]


class WarningFilters(PageParams):
    """Filters of the warning queue."""

    status: str = Field("open", description="open, closed, or empty for all.")
    level: WarningLevel | None = None
    indicator: str = ""
    overdue: bool = False


class OutcomeIn(Schema):
    """The outcome of an on-site verification."""

    version: int
    outcome: Outcome
    note: str = ""


def _require(allowed: bool) -> None:
    if not allowed:
        raise ApiError(ApiErrorCode.PERMISSION_DENIED)


@router.post("/feeds", response={201: BatchOut, 200: BatchOut, **ERRORS}, summary="Hand in a department file")
def feeds_upload(request: HttpRequest, feed_type: Form[FeedType], file: File[UploadedFile]):
    """Hand in one department file (multipart: `feed_type`, `file`). Bad rows are reported by row and reason and
    never block the good ones; the same file twice changes nothing (200 with `created: false`). An accepted
    file is matched against the registry of the sender's region at once and raises its warnings."""
    from jiuzhu.monitoring.intake import feed_batch_receive

    user = request_user(request)
    _require(can_send_feeds(user))
    result = feed_batch_receive(actor=user, file_name=file.name, data=file.read(), feed_type=feed_type,
                                department=FEEDS[feed_type].department, region=user.home_region)
    batch = result.batch
    out = BatchOut.from_orm(batch).dict() | {"created": result.created}
    if result.created and batch.status == BatchStatus.ACCEPTED:
        loaded = feed_batch_monitor(batch=batch, actor=user)
        batch.refresh_from_db()
        out |= {"status": batch.status, "warnings_created": loaded.created, "warnings_updated": loaded.updated}
    return Status(201 if result.created else 200, out)


@router.get("/feeds/{batch_id}", response={200: BatchOut, **ERRORS}, summary="Get a handed-in file")
def feeds_detail(request: HttpRequest, batch_id: int):
    """A file handed in by the user's region, with its counts and first rejected rows."""
    user = request_user(request)
    _require(can_send_feeds(user))
    return batch_list(user=user).get(pk=batch_id)


@router.get("/warnings", response={200: WarningPage, **ERRORS}, summary="List warnings")
def warnings_list(request: HttpRequest, filters: Query[WarningFilters]):
    """The warning queue of the user's region (a grid worker: their village)."""
    user = request_user(request)
    _require(can_read_warnings(user))
    qs = warning_list(user=user, status=filters.status, level=filters.level or "", indicator=filters.indicator,
                      overdue=filters.overdue, today=timezone.localdate())
    return paginate(request, qs, filters)


@router.get("/warnings/{warning_id}", response={200: WarningOut, **ERRORS}, summary="Get a warning")
def warnings_detail(request: HttpRequest, warning_id: int):
    """One warning with its evidence and its verification task (audited)."""
    user = request_user(request)
    _require(can_read_warnings(user))
    warning = warning_get(user=user, pk=warning_id)
    audit_record(actor=user, action=AuditAction.VIEW_WARNING, object_type="warning", object_id=warning.pk,
                 region_code=warning.region_id, request=request)
    return warning


@router.post("/warnings/{warning_id}/outcome", response={200: WarningOut, 400: MonitoringErrorOut,
                                                         409: MonitoringErrorOut, **ERRORS},
             summary="Record the outcome of a verification")
def warnings_outcome(request: HttpRequest, warning_id: int, payload: OutcomeIn):
    """Close a warning after the visit: `application` opens an application for the household, `referral` and
    `not_needed` need a note. 409 `stale` when someone else recorded an outcome first."""
    user = request_user(request)
    _require(can_read_warnings(user))
    warning = warning_get(user=user, pk=warning_id)
    try:
        task_complete(actor=user, task_id=warning.task.pk, version=payload.version, outcome=payload.outcome,
                      note=payload.note)
    except MonitoringError as exc:
        if exc.code == "out_of_region":
            raise ApiError(ApiErrorCode.NOT_FOUND) from None
        if exc.code == "role_not_allowed":
            raise ApiError(ApiErrorCode.PERMISSION_DENIED, exc.message) from None
        return Status(409 if exc.code == "stale" else 400, exc.as_dict())
    return Status(200, Warning.objects.select_related("task").get(pk=warning.pk))
