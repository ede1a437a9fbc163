"""Everything that writes in monitoring: a run's warnings loaded into case management (idempotently), the
verification tasks they become, the grid worker's outcome that closes the loop, and the clerk's decision on
an uncertain match.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.cases.services import Intake, application_create, township_of
from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.monitoring.engine import LINKS, monitor
from jiuzhu.monitoring.errors import MonitoringError
from jiuzhu.monitoring.feedtypes import FEEDS
from jiuzhu.monitoring.indicators import INDICATORS, LEVEL_ORDER, Suggestion
from jiuzhu.monitoring.models import (
    BatchStatus,
    FeedBatch,
    MatchReview,
    Outcome,
    ReviewStatus,
    TaskStatus,
    VerificationTask,
    Warning,
    WarningStatus,
)
from jiuzhu.monitoring.snapshot import linkage_persons, registry_snapshot
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.registry.models import Household, Person

# Warnings whose suggested assistance is temporary assistance open a temporary application; the others the
# regular one (sorted by the rules).
TEMPORARY_SUGGESTIONS = {Suggestion.TEMPORARY_ASSISTANCE, Suggestion.MEDICAL_ASSISTANCE}
VERIFIERS = {Role.GRID_WORKER, Role.TOWNSHIP_ASSISTANT, Role.COUNTY_BUREAU}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_reasons: dict = field(default_factory=dict)


def _skip(result: LoadResult, reason: str) -> None:
    result.skipped += 1
    result.skipped_reasons[reason] = result.skipped_reasons.get(reason, 0) + 1


def _township(code: str) -> Region | None:
    """The township responsible for a region code (a village's township, or the code's own township)."""
    code = (code or "").ljust(12, "0")[:12]
    return Region.objects.filter(code__in=[code[:9] + "000", code]).order_by("-code").first() if code.isdigit() \
        else None


def _evidence(row: dict, batch_id: int | None) -> dict:
    return {"record_id": row["first_record_id"], "records": row["records"], "amount_fen": row["amount_fen"],
            "match": row["match_method"], "batch": batch_id,
            "event_date": row["event_date"].isoformat() if row.get("event_date") else None}


@transaction.atomic
def warnings_load(*, table: pa.Table, today: date | None = None, batch: FeedBatch | None = None,
                  actor=None) -> LoadResult:
    """Load a run's warnings (engine output) into case management. A warning already there (same subject,
    indicator and period) is updated with the new evidence, never duplicated; a new one gets its verification
    task with a deadline in working days. Running the same load twice changes nothing."""
    today = today or timezone.localdate()
    result = LoadResult()
    book = ParameterBook.from_database()
    rows = table.to_pylist()
    persons = Person.objects.in_bulk([r["person_id"] for r in rows if r["person_id"] is not None])
    for row in rows:
        person = persons.get(row["person_id"]) if row["person_id"] is not None else None
        if row["person_id"] is not None and person is None:
            _skip(result, "person_not_in_registry")
            continue
        region = person.household.region if person else Region.objects.filter(
            code=(row["region_code"] or "")[:12]).first() or _township(row["region_code"])
        if region is None:
            _skip(result, "unknown_region")
            continue
        township = township_of(region) if region.level in ("township", "village") else region
        evidence = _evidence(row, batch.pk if batch else None)
        existing = Warning.objects.select_for_update().filter(
            subject_key=row["subject_key"], indicator=row["indicator"], period=row["period"]).first()
        if existing is not None:
            if evidence in existing.evidence:
                result.unchanged += 1
                continue
            existing.evidence = existing.evidence + [evidence]
            if LEVEL_ORDER[row["level"]] < LEVEL_ORDER[existing.level]:
                existing.level = row["level"]
            existing.save(update_fields=["evidence", "level", "last_evidence_at"])
            result.updated += 1
            continue
        warning = Warning.objects.create(
            subject_key=row["subject_key"], person=person, household=person.household if person else None,
            subject_name=row["name"] or "", subject_id_number=row["id_number"] or "", indicator=row["indicator"],
            period=row["period"], level=row["level"], suggestion=row["suggestion"], region=township,
            evidence=[evidence],
        )
        days = int(book.resolve_values(region_code=township.code, as_of=today,
                                       names=("verification_working_days",))["verification_working_days"])
        VerificationTask.objects.create(warning=warning, region=region, due_on=add_working_days(today, days))
        result.created += 1
    audit_record(actor=actor, action=AuditAction.LOAD_WARNINGS, object_type="feed_batch",
                 object_id=batch.pk if batch else "", detail={"created": result.created, "updated": result.updated,
                                                              "unchanged": result.unchanged,
                                                              "skipped": result.skipped_reasons})
    return result


def _links_for(batch: FeedBatch, records: pa.Table, persons: dict[str, pa.Table]) -> tuple[pa.Table, list[dict]]:
    """Probabilistic links for the batch's records without a usable ID, with the clerks' decisions applied:
    a confirmed review becomes a match, a rejected one is dropped."""
    from jiuzhu.monitoring.linkage import LinkThresholds, link_records

    without_id = records.filter(pa.compute.is_null(records.column("id_number")))
    if without_id.num_rows == 0:
        return LINKS.empty_table(), []
    links = link_records(records=without_id, persons=linkage_persons(persons), engine="duckdb",
                         thresholds=_thresholds(LinkThresholds, batch))
    decided = {(r.row_number, r.person_id): r.status for r in batch.reviews.exclude(status=ReviewStatus.PENDING)}
    out, reviews = [], []
    by_record = {r["record_id"]: r for r in without_id.to_pylist()}
    for link in links.to_pylist():
        record = by_record[link["record_id"]]
        status = decided.get((record["row_number"], link["person_id"]))
        if status == ReviewStatus.DIFFERENT:
            continue
        if status == ReviewStatus.SAME_PERSON:
            link["decision"] = "match"
        if link["decision"] == "review":
            reviews.append({"record": record, "person_id": link["person_id"],
                            "probability": link["match_probability"]})
        out.append(link)
    return pa.Table.from_pylist(out, schema=LINKS), reviews


def _thresholds(cls, batch: FeedBatch):
    """The linkage thresholds in force for the sender's region (dated parameters)."""
    values = ParameterBook.from_database().resolve_values(
        region_code=batch.region_id or "000000000000", as_of=timezone.localdate(),
        names=("link_match_threshold", "link_review_threshold"))
    return cls(match=float(values["link_match_threshold"]), review=float(values["link_review_threshold"]))


def feed_batch_monitor(*, batch: FeedBatch, actor=None, today: date | None = None) -> LoadResult:
    """Match an accepted batch's records against the registry (of the sender's region, or all of it) and load
    the warnings they raise. Safe to repeat: warnings are keyed, reviews are not duplicated."""
    if batch.status not in (BatchStatus.ACCEPTED, BatchStatus.MONITORED) or not batch.records_path:
        raise MonitoringError("batch_not_accepted", _("Only an accepted feed can be monitored."))
    today = today or timezone.localdate()
    prefix = batch.region.prefix if batch.region_id else ""
    snapshot = registry_snapshot(region_prefix=prefix, as_of=today)
    path = Path(batch.records_path)
    records = pa.parquet.read_table(path)
    links, reviews = _links_for(batch, records, snapshot)
    run = monitor(records=[path], snapshot=snapshot, links=links, as_of=today)
    with transaction.atomic():
        for review in reviews:
            record = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in review["record"].items()}
            MatchReview.objects.get_or_create(batch=batch, row_number=record["row_number"],
                                              person_id=review["person_id"],
                                              defaults={"record": record, "probability": review["probability"]})
        # Only the warnings this batch's records raise: age warnings come from scheduled runs.
        table = run.warnings.filter(pa.compute.not_equal(run.warnings.column("match_method"), "population"))
        loaded = warnings_load(table=table, today=today, batch=batch, actor=actor)
        batch.status = BatchStatus.MONITORED
        batch.save(update_fields=["status"])
    return loaded


# --- Verification: the grid worker closes the loop ------------------------------------------------------

def _check_verifier(*, actor, task: VerificationTask) -> None:
    if not set(roles_of(actor)) & VERIFIERS:
        raise MonitoringError("role_not_allowed", _("Your role may not verify warnings."))
    if not region_in_scope(user=actor, code=task.region_id):
        raise MonitoringError("out_of_region", _("This task is outside your region."))


@transaction.atomic
def task_complete(*, actor, task_id: int, version: int, outcome: str, note: str = "",
                  today: date | None = None) -> Warning:
    """Record the on-site verification: confirmed → an application is opened for the household (proactive
    discovery) or the case is referred; not needed → with the reason. One transaction; a stale form (someone
    else completed the task) is refused."""
    today = today or timezone.localdate()
    task = VerificationTask.objects.select_related("warning", "warning__person", "warning__household",
                                                   "region").get(pk=task_id)
    _check_verifier(actor=actor, task=task)
    if outcome not in Outcome.values:
        raise MonitoringError("invalid_outcome", _("Choose an outcome."), field="outcome")
    note = (note or "").strip()
    if outcome in (Outcome.NOT_NEEDED, Outcome.REFERRAL) and not note:
        raise MonitoringError("note_required", _("Say why (not needed) or to whom the case is referred."),
                              field="note")
    warning = task.warning
    if outcome == Outcome.APPLICATION and warning.household_id is None:
        raise MonitoringError("outside_registry", _(
            "This person is not in the registry: register the household with a new application (New household "
            "applies), or refer the case."), field="outcome")
    if outcome == Outcome.CHANGE and (warning.indicator != "death" or warning.person_id is None):
        raise MonitoringError("invalid_outcome", _("Only a death of a registered person changes the payment here; "
                                                   "other changes go through an application or a review."),
                              field="outcome")
    claimed = VerificationTask.objects.filter(pk=task.pk, version=version, status=TaskStatus.OPEN).update(
        version=version + 1, status=TaskStatus.DONE, done_at=timezone.now(), done_by=actor)
    if claimed != 1:
        raise MonitoringError("stale", _("This task was completed by someone else meanwhile; reload the page."))
    if outcome == Outcome.APPLICATION:
        household = Household.objects.select_related("region").get(pk=warning.household_id)
        kind = "temporary" if warning.suggestion in TEMPORARY_SUGGESTIONS else "assistance"
        evidence = warning.evidence[-1] if warning.evidence else {}
        intake = Intake(
            kind=kind, channel="proactive", source_reference=_("warning %(number)s") % {"number": warning.pk},
            reason=_("%(indicator)s (%(period)s), verified on site: %(note)s") % {
                "indicator": INDICATORS[warning.indicator].label, "period": warning.period, "note": note or "—"},
            temporary_type=("medical" if warning.suggestion == Suggestion.MEDICAL_ASSISTANCE else "emergency")
            if kind == "temporary" else "",
            temporary_cost=(Decimal(evidence.get("amount_fen") or 0) / 100) if kind == "temporary" else None,
        )
        application = application_create(actor=actor, household=household, applicant=warning.person or
                                         household.head, intake=intake, window=township_of(household.region),
                                         today=today)
        warning.application = application
    if outcome == Outcome.CHANGE:
        from jiuzhu.payments.errors import PaymentError
        from jiuzhu.payments.services import household_change_death

        evidence = warning.evidence[-1] if warning.evidence else {}
        died = date.fromisoformat(evidence["event_date"]) if evidence.get("event_date") else today
        try:
            change = household_change_death(actor=actor, person=warning.person, death_date=min(died, today),
                                            decided_on=today)
        except PaymentError as exc:
            raise MonitoringError(exc.code, exc.message, field="outcome") from None
        note = note or _("Payment changed from %(date)s.") % {"date": change.effective_from.isoformat()}
    warning.status = WarningStatus.CLOSED
    warning.outcome = outcome
    warning.outcome_note = note
    warning.closed_at = timezone.now()
    warning.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "application"])
    return warning


@transaction.atomic
def review_decide(*, actor, review_id: int, same_person: bool) -> MatchReview:
    """A clerk decides an uncertain match; the batch is monitored again so that a confirmed match raises its
    warnings (and a rejected one never will)."""
    review = MatchReview.objects.select_related("batch", "person__household").get(pk=review_id)
    if not set(roles_of(actor)) & {Role.TOWNSHIP_ASSISTANT, Role.COUNTY_BUREAU}:
        raise MonitoringError("role_not_allowed", _("Your role may not decide matches."))
    if not region_in_scope(user=actor, code=review.person.household.region_id):
        raise MonitoringError("out_of_region", _("This person is outside your region."))
    if review.status != ReviewStatus.PENDING:
        raise MonitoringError("stale", _("This match was already decided."))
    review.status = ReviewStatus.SAME_PERSON if same_person else ReviewStatus.DIFFERENT
    review.decided_by, review.decided_at = actor, timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at"])
    transaction.on_commit(lambda: feed_batch_monitor(batch=review.batch, actor=actor))
    return review


@transaction.atomic
def feed_sources_load(*, sources: list[dict]) -> tuple[int, int]:
    """Create or update the feed sources of a sources.yaml (by name): department, feed type, column mapping."""
    from jiuzhu.monitoring.models import FeedSource

    created = updated = 0
    for source in sources:
        name = source.get("name") or source["file"]
        _obj, made = FeedSource.objects.update_or_create(name=name, defaults={
            "department": source.get("department") or FEEDS[source["feed_type"]].department,
            "feed_type": source["feed_type"], "column_mapping": source.get("column_mapping") or {}})
        created += made
        updated += not made
    return created, updated
