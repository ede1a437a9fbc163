"""Everything that writes in the case workflow.

`application_create` takes an application at any township window (one-stop) and routes it to the township
responsible for the household. `application_transition` is the only way an application changes state: it
checks the state machine (`workflow.py`), the actor's role and region, the inputs and the preconditions,
then claims the application's version with one conditional UPDATE — so of two people acting on the same
version exactly one succeeds and the other gets a clear conflict — and does the step's work in the same
transaction: nothing is ever half-done.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.cases.choices import (
    CLOSED_STATES,
    ApplicationKind,
    DeadlineKind,
    DecisionOutcome,
    Material,
    ObjectionOutcome,
    Opinion,
    PaymentKind,
    State,
    TemporaryType,
)
from jiuzhu.cases.errors import MESSAGES, CaseError, CaseErrorCode
from jiuzhu.cases.models import (
    Application,
    CaseEvent,
    Decision,
    HomeSurvey,
    NumberSequence,
    Objection,
    PublicNotice,
    TemporaryPayment,
    TownshipOpinion,
    Verification,
)
from jiuzhu.cases.notices import notice_content
from jiuzhu.cases.workflow import TRANSITIONS, Transition
from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.months import add_months, next_month
from jiuzhu.core.regions import RegionLevel, level_of_code
from jiuzhu.core.roles import roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.core.workdays import add_working_days, missing_years
from jiuzhu.policy.errors import PolicyInputError
from jiuzhu.policy.explain import screen_household
from jiuzhu.policy.facts import household_facts
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.registry.choices import HouseholdStatus
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_for_rules
from jiuzhu.registry.services import membership_rows, tier_memberships_replace

FEN = Decimal("0.01")
MAX_STAGES = 12


# --- Small helpers ------------------------------------------------------------------------------------

def township_of(region: Region) -> Region:
    """The township (or subdistrict) a region belongs to: applications are routed there."""
    level = level_of_code(region.code)
    if level == RegionLevel.TOWNSHIP:
        return region
    if level == RegionLevel.VILLAGE:
        return Region.objects.get(code=region.code[:9] + "000")
    raise CaseError(CaseErrorCode.INVALID_INPUT, _("A household must live in a township or village, not in "
                                                   "the region %(region)s.") % {"region": region.code},
                    field="region")


def procedure_parameters(*, region_code: str, as_of: date, book: ParameterBook | None = None) -> dict[str, Any]:
    """The dated procedure and temporary-assistance parameters in force for a region."""
    resolved = (book or ParameterBook.from_database()).resolve(region_code=region_code, as_of=as_of)
    names = ("public_notice_days", "procedure_working_days", "procedure_extended_working_days",
             "county_decision_working_days", "refusal_notice_working_days", "assist_first_limit",
             "assist_first_pay_hours", "assist_first_paperwork_days", "non_local_residence_months")
    return {name: resolved[name].value for name in names}


def _next_number(key: str) -> int:
    """The next number of a per-township (or per-county) yearly sequence, taken under a row lock."""
    NumberSequence.objects.get_or_create(key=key)
    seq = NumberSequence.objects.select_for_update().get(key=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def _deadline(application: Application, start: date, working_days: int) -> date:
    """`working_days` after `start` (the start day not counted); notes a calendar year that is missing."""
    due = add_working_days(start, working_days)
    missing = missing_years(start, due)
    if missing:
        application.calendar_warning = _(
            "The holiday notice for %(years)s is not loaded: this deadline counts weekdays only.",
        ) % {"years": ", ".join(str(y) for y in missing)}
    return due


def _error(code: str, key: str, *, field: str = "", **params) -> CaseError:
    return CaseError(code, MESSAGES[key], field=field, **params)


def _require(data: dict, name: str, step: Transition) -> Any:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _error(CaseErrorCode.MISSING_INPUT, "missing_input", field=name, step=str(step.label))
    return value.strip() if isinstance(value, str) else value


def _money(value: Any, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (ArithmeticError, ValueError):
        raise CaseError(CaseErrorCode.INVALID_INPUT, _("“%(value)s” is not an amount in yuan.") % {"value": value},
                        field=field) from None
    if not amount.is_finite() or amount != amount.quantize(FEN):
        raise CaseError(CaseErrorCode.INVALID_INPUT, _("An amount has at most two decimals (fen)."), field=field)
    return amount.quantize(FEN)


def _date(value: Any, *, field: str, today: date) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise CaseError(CaseErrorCode.INVALID_INPUT, _("“%(value)s” is not a date (YYYY-MM-DD).")
                            % {"value": value}, field=field) from None
    if value > today:
        raise _error(CaseErrorCode.INVALID_INPUT, "date_in_future", field=field, value=value.isoformat())
    return value


def _materials(values: list) -> list[str]:
    out = []
    for value in values or []:
        if value not in Material.values:
            raise _error(CaseErrorCode.INVALID_INPUT, "unknown_material", field="missing_materials", value=value)
        if value not in out:
            out.append(value)
    return out


# --- Intake -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Intake:
    """What the window records when it takes an application."""

    kind: str
    reason: str = ""
    requested_tier: str = ""
    channel: str = "window"
    verification_consent: bool = False
    consent_date: date | None = None
    missing_materials: tuple = ()
    temporary_type: str = ""
    temporary_cost: Decimal | None = None
    non_local: bool = False
    residence_months: int | None = None
    source_reference: str = ""


@transaction.atomic
def application_create(*, actor, household: Household, applicant: Person, intake: Intake, window: Region,
                       today: date | None = None) -> Application:
    """Take an application at `window` (any township: one-stop) and route it to the household's township.

    `household` comes from a selector (or was just registered), so the actor may read it. The actor's own
    region must contain the window.
    """
    today = today or timezone.localdate()
    if intake.kind not in ApplicationKind.values:
        raise CaseError(CaseErrorCode.INVALID_INPUT, _("Unknown kind of application."), field="kind")
    # The window is in the actor's region, or the actor works inside the window's township (a grid worker
    # opening a case on someone's behalf).
    home = getattr(actor, "home_region_id", None) or ""
    if not (region_in_scope(user=actor, code=window.code) or (home and home.startswith(window.prefix))):
        raise _error(CaseErrorCode.OUT_OF_REGION, "out_of_region", field="window", region=window.code)
    if household.status == HouseholdStatus.EXITED:
        raise _error(CaseErrorCode.PRECONDITION, "household_closed", field="household")
    if applicant.household_id != household.pk:
        raise CaseError(CaseErrorCode.INVALID_INPUT, _("The applicant must be a member of the household."),
                        field="applicant")
    township = township_of(household.region)
    params = procedure_parameters(region_code=township.code, as_of=today)
    if intake.kind == ApplicationKind.TEMPORARY:
        if intake.temporary_type not in TemporaryType.values or intake.temporary_cost is None:
            raise _error(CaseErrorCode.MISSING_INPUT, "temporary_fields", field="temporary_type")
        if intake.temporary_cost < 0:
            raise CaseError(CaseErrorCode.INVALID_INPUT, _("An amount cannot be negative."), field="temporary_cost")
        # Helped where they are (现时现地): an emergency needs no residence; other types a residence period.
        needed = int(params["non_local_residence_months"])
        if intake.non_local and intake.temporary_type != TemporaryType.EMERGENCY \
                and (intake.residence_months or 0) < needed:
            raise _error(CaseErrorCode.PRECONDITION, "residence_short", field="residence_months",
                         months=needed, has=intake.residence_months or 0)
    if intake.consent_date and intake.consent_date > today:
        raise _error(CaseErrorCode.INVALID_INPUT, "date_in_future", field="consent_date",
                     value=intake.consent_date.isoformat())
    serial = _next_number(f"A{township.code[:9]}{today.year}")
    application = Application.objects.create(
        number=f"SQ{township.code[:9]}-{today.year}-{serial:05d}", kind=intake.kind,
        requested_tier=intake.requested_tier, household=household, applicant=applicant, region=township,
        window_region=window, channel=intake.channel, source_reference=intake.source_reference,
        reason=intake.reason, verification_consent=intake.verification_consent,
        consent_date=intake.consent_date or (today if intake.verification_consent else None),
        missing_materials=_materials(list(intake.missing_materials)), temporary_type=intake.temporary_type,
        temporary_cost=intake.temporary_cost, non_local=intake.non_local,
        residence_months=intake.residence_months, submitted_on=today, created_by=actor,
    )
    CaseEvent.objects.create(
        application=application, transition="submit", from_state="", to_state=State.SUBMITTED, actor=actor,
        note=intake.reason, data={"window": window.code, "routed_to": township.code, "channel": intake.channel,
                                  "missing_materials": application.missing_materials},
    )
    return application


def application_view_record(*, user, application: Application, request=None) -> None:
    """Audit that a user opened an application (it holds the household's personal data)."""
    audit_record(actor=user, action=AuditAction.VIEW_APPLICATION, object_type="application",
                 object_id=application.pk, region_code=application.region_id, request=request)


def application_deadlines_recount(*, actor=None) -> int:
    """Count again the deadlines of open applications that were counted Monday–Friday because a year's
    holiday notice was missing (run when a notice is loaded). Returns how many applications changed."""
    changed = 0
    for application in Application.objects.filter(state__in=[s for s in State if s not in CLOSED_STATES]) \
            .exclude(calendar_warning=""):
        with transaction.atomic():
            application.calendar_warning = ""
            if application.accepted_on is not None:
                params = procedure_parameters(region_code=application.region_id, as_of=application.accepted_on)
                name = "procedure_extended_working_days" if application.extended else "procedure_working_days"
                application.due_on = _deadline(application, application.accepted_on, int(params[name]))
            if application.step_deadline_kind == DeadlineKind.PROCEDURE:
                application.step_due_on = application.due_on
            elif application.step_started_on is not None and application.step_working_days is not None:
                application.step_due_on = _deadline(application, application.step_started_on,
                                                    application.step_working_days)
            application.save(update_fields=["calendar_warning", "due_on", "step_due_on", "updated_at"])
            audit_record(actor=actor, action=AuditAction.RECOUNT_DEADLINES, object_type="application",
                         object_id=application.pk, region_code=application.region_id,
                         detail={"due_on": str(application.due_on), "step_due_on": str(application.step_due_on)})
            changed += 1
    return changed


# --- Transitions --------------------------------------------------------------------------------------

def transition_check(*, actor, application: Application, step: Transition) -> None:
    """Raise CaseError unless the state machine, the kind, the actor's roles and region allow `step` now."""
    if not step.allows_kind(application.kind):
        raise _error(CaseErrorCode.FORBIDDEN_TRANSITION, "wrong_kind", step=str(step.label))
    if not step.allows_state(application.state):
        raise _error(CaseErrorCode.FORBIDDEN_TRANSITION, "forbidden_transition", step=str(step.label),
                     state=State(application.state).label)
    if not set(roles_of(actor)) & step.roles:
        raise _error(CaseErrorCode.ROLE_NOT_ALLOWED, "role_not_allowed", step=str(step.label))
    # The household's own region: a grid worker's subtree is a village, the case's township is above it.
    if not region_in_scope(user=actor, code=application.household.region_id):
        raise _error(CaseErrorCode.OUT_OF_REGION, "out_of_region", region=application.region_id)


def transition_allowed(*, actor, application: Application, step: Transition) -> bool:
    try:
        transition_check(actor=actor, application=application, step=step)
    except CaseError:
        return False
    return True


@transaction.atomic
def application_transition(*, actor, application_id: int, step: str, version: int, data: dict | None = None,
                           today: date | None = None, now: datetime | None = None) -> Application:
    """Take one step of the workflow on the application as the actor saw it (`version`).

    Refuses with a CaseError: a step the state machine forbids now, a role or region not allowed, a missing
    or invalid input, an unmet precondition, or a stale version (someone else acted first).
    """
    data = dict(data or {})
    today = today or timezone.localdate()
    now = now or timezone.now()
    transition = TRANSITIONS.get(step)
    if transition is None:
        raise _error(CaseErrorCode.FORBIDDEN_TRANSITION, "unknown_step", field="step", step=step)
    application = Application.objects.select_related("household", "region", "applicant").get(pk=application_id)
    if application.version != version:
        raise _error(CaseErrorCode.STALE, "stale", state=State(application.state).label)
    transition_check(actor=actor, application=application, step=transition)
    for name in transition.requires:
        data[name] = _require(data, name, transition)
    # Claim this version: the one UPDATE that two simultaneous requests cannot both pass.
    claimed = Application.objects.filter(pk=application.pk, version=version, state=application.state) \
        .update(version=F("version") + 1)
    if claimed != 1:
        current = Application.objects.get(pk=application.pk)
        raise _error(CaseErrorCode.STALE, "stale", state=State(current.state).label)
    application.version = version + 1
    from_state = application.state
    note, details = _STEPS[step](application=application, actor=actor, data=data, today=today, now=now)
    if transition.target is not None:
        application.state = transition.target
    if application.state in CLOSED_STATES and application.closed_on is None:
        application.closed_on = today
        application.step_deadline_kind, application.step_due_on = DeadlineKind.NONE, None
    application.save()
    CaseEvent.objects.create(application=application, transition=step, from_state=from_state,
                             to_state=application.state, actor=actor, note=note, data=details)
    return application


def _set_step_deadline(application: Application, kind: str, due: date | None, *, started_on: date | None = None,
                       working_days: int | None = None) -> None:
    """The current step's deadline; a deadline in working days keeps its start so that it can be counted
    again when a missing year's holiday notice is loaded."""
    application.step_deadline_kind = kind
    application.step_due_on = due
    application.step_started_on = started_on
    application.step_working_days = working_days


def _procedure_deadline(application: Application) -> None:
    _set_step_deadline(application, DeadlineKind.PROCEDURE, application.due_on)


def _start_procedure(application: Application, *, today: date) -> None:
    params = procedure_parameters(region_code=application.region_id, as_of=today)
    application.accepted_on = today
    application.due_on = _deadline(application, today, int(params["procedure_working_days"]))
    _procedure_deadline(application)


def _step_update_materials(*, application, actor, data, today, now):
    materials = _materials(list(data.get("missing_materials") or []))
    application.missing_materials = materials
    if "verification_consent" in data:
        application.verification_consent = bool(data["verification_consent"])
        if application.verification_consent and application.consent_date is None:
            application.consent_date = today
    return data.get("note", ""), {"missing_materials": materials,
                                  "verification_consent": application.verification_consent}


def _step_accept(*, application, actor, data, today, now):
    if not application.verification_consent:
        raise _error(CaseErrorCode.PRECONDITION, "consent_missing", field="verification_consent")
    if application.missing_materials:
        labels = "、".join(str(Material(m).label) for m in application.missing_materials)
        raise _error(CaseErrorCode.PRECONDITION, "materials_missing", field="missing_materials", materials=labels)
    _start_procedure(application, today=today)
    return data.get("note", ""), {"due_on": application.due_on.isoformat()}


def _step_refuse_acceptance(*, application, actor, data, today, now):
    return data["reasons"], {"reasons": data["reasons"]}


def _run_rules(application: Application, *, as_of: date) -> tuple[dict, dict, Household]:
    """The household's facts of today and the rules' explained result (temporary request included)."""
    household = household_for_rules(pk=application.household_id)
    facts = household_facts(household, as_of=as_of)
    if application.kind == ApplicationKind.TEMPORARY:
        facts["temporary_request"] = {"type": application.temporary_type,
                                      "cost": f"{application.temporary_cost:.2f}"}
    try:
        result = screen_household(data=facts, as_of=as_of, household_id=household.pk)
    except PolicyInputError as exc:
        raise CaseError(CaseErrorCode.RULES_INPUT, _("The household's record cannot be screened: %(field)s: "
                                                     "%(message)s Correct the record first.")
                        % {"field": exc.field, "message": exc.message}, field=exc.field) from None
    return facts, result, household


def _step_assist_first(*, application, actor, data, today, now):
    amount = _money(data["amount"], field="amount")
    if amount <= 0:
        raise _error(CaseErrorCode.INVALID_INPUT, "amount_positive", field="amount")
    params = procedure_parameters(region_code=application.region_id, as_of=today)
    _facts, result, _household = _run_rules(application, as_of=today)
    limit = min(Decimal(str(result["summary"].get("assist_first_amount") or "0")),
                Decimal(str(params["assist_first_limit"])))
    if amount > limit:
        raise _error(CaseErrorCode.PRECONDITION, "assist_first_limit", field="amount", limit=f"{limit:.2f}")
    if application.state == State.SUBMITTED:
        # Assistance first does not wait for the paperwork: the application counts as accepted today.
        _start_procedure(application, today=today)
    due_at = now + timedelta(hours=int(params["assist_first_pay_hours"]))
    TemporaryPayment.objects.create(application=application, kind=PaymentKind.ASSIST_FIRST, stage=1,
                                    amount=amount, due_at=due_at, due_on=timezone.localtime(due_at).date())
    days = int(params["assist_first_paperwork_days"])
    paperwork = _deadline(application, today, days)
    _set_step_deadline(application, DeadlineKind.PAPERWORK, paperwork, started_on=today, working_days=days)
    return data.get("note", ""), {"amount": f"{amount:.2f}", "pay_by": due_at.isoformat(),
                                  "paperwork_due": paperwork.isoformat()}


def _step_verify(*, application, actor, data, today, now):
    facts, result, _household = _run_rules(application, as_of=today)
    total = Decimal(str(result["monthly_total"]))
    if application.kind == ApplicationKind.TEMPORARY:
        total = Decimal(str(result["summary"].get("temporary_amount") or "0"))
    Verification.objects.create(application=application, as_of=today, facts=facts, result=result,
                                department_data=[], tier=result["tier"], monthly_total=total, by=actor)
    application.sorted_tier = result["tier"] if application.kind == ApplicationKind.ASSISTANCE else ""
    application.sorted_amount = total
    return data.get("note", ""), {"tier": result["tier"], "amount": f"{total:.2f}"}


def _step_survey(*, application, actor, data, today, now):
    surveyed_on = _date(data["surveyed_on"], field="surveyed_on", today=today)
    if data["surveyor_1"] == data["surveyor_2"]:
        raise _error(CaseErrorCode.INVALID_INPUT, "two_surveyors", field="surveyor_2")
    if not (data.get("surveyors_signed") and data.get("applicant_signed")):
        raise _error(CaseErrorCode.MISSING_INPUT, "signatures", field="applicant_signed")
    HomeSurvey.objects.create(application=application, surveyed_on=surveyed_on, surveyor_1=data["surveyor_1"],
                              surveyor_2=data["surveyor_2"], findings=data["findings"],
                              living_conditions=data.get("living_conditions", ""), surveyors_signed=True,
                              applicant_signed=True, by=actor)
    return data["findings"], {"surveyed_on": surveyed_on.isoformat(),
                              "surveyors": [data["surveyor_1"], data["surveyor_2"]]}


def _step_township_opinion(*, application, actor, data, today, now):
    if data["opinion"] not in Opinion.values:
        raise CaseError(CaseErrorCode.INVALID_INPUT, _("Choose an opinion."), field="opinion")
    # An opinion after a community appraisal carries the appraisal it follows.
    appraised = Objection.objects.filter(notice__application=application, outcome=ObjectionOutcome.APPRAISED) \
        .exclude(outcome_note="").order_by("-id").first()
    previous = application.opinions.first()
    appraisal = appraised.outcome_note if appraised and (previous is None or previous.appraisal !=
                                                         appraised.outcome_note) else ""
    TownshipOpinion.objects.create(application=application, opinion=data["opinion"], text=data["text"],
                                   appraisal=appraisal, by=actor)
    if application.kind == ApplicationKind.TEMPORARY and application.step_deadline_kind == DeadlineKind.PAPERWORK:
        _procedure_deadline(application)
    return data["text"], {"opinion": data["opinion"]}


def _step_publish_notice(*, application, actor, data, today, now):
    params = procedure_parameters(region_code=application.region_id, as_of=today)
    verification = application.verifications.first()
    ends_on = today + timedelta(days=int(params["public_notice_days"]) - 1)
    notice = PublicNotice.objects.create(
        application=application, starts_on=today, ends_on=ends_on, place=data["place"],
        content=notice_content(application=application, verification=verification), by=actor,
    )
    _set_step_deadline(application, DeadlineKind.NOTICE_END, ends_on)
    return data["place"], {"notice": notice.pk, "starts_on": today.isoformat(), "ends_on": ends_on.isoformat()}


def _step_record_objection(*, application, actor, data, today, now):
    notice = application.notices.filter(closed_on__isnull=True).first()
    received_on = _date(data["received_on"], field="received_on", today=today)
    Objection.objects.create(notice=notice, received_on=received_on, content=data["content"])
    return data["content"], {"received_on": received_on.isoformat()}


def _pending_objections(application: Application):
    return Objection.objects.filter(notice__application=application, notice__closed_on__isnull=True,
                                    outcome=ObjectionOutcome.PENDING)


def _resolve_objections(application: Application, *, outcome: str, note: str, today: date) -> None:
    pending = _pending_objections(application)
    if not pending.exists():
        raise _error(CaseErrorCode.PRECONDITION, "no_objection", field="objections")
    pending.update(outcome=outcome, outcome_note=note)
    application.notices.filter(closed_on__isnull=True).update(closed_on=today)
    _procedure_deadline(application)


def _step_reinvestigate(*, application, actor, data, today, now):
    _resolve_objections(application, outcome=ObjectionOutcome.REINVESTIGATED, note=data["note"], today=today)
    return data["note"], {}


def _step_community_appraisal(*, application, actor, data, today, now):
    _resolve_objections(application, outcome=ObjectionOutcome.APPRAISED, note=data["appraisal"], today=today)
    return data["appraisal"], {}


def _county_deadline(application: Application, *, today: date) -> None:
    params = procedure_parameters(region_code=application.region_id, as_of=today)
    days = int(params["county_decision_working_days"])
    _set_step_deadline(application, DeadlineKind.COUNTY_DECISION, _deadline(application, today, days),
                       started_on=today, working_days=days)


def _step_close_notice(*, application, actor, data, today, now):
    notice = application.notices.filter(closed_on__isnull=True).first()
    if today <= notice.ends_on:
        raise _error(CaseErrorCode.PRECONDITION, "notice_running", field="notice", ends_on=notice.ends_on.isoformat())
    if _pending_objections(application).exists():
        raise _error(CaseErrorCode.PRECONDITION, "objections_pending", field="objections")
    notice.closed_on = today
    notice.save(update_fields=["closed_on"])
    _county_deadline(application, today=today)
    return data.get("note", ""), {"notice": notice.pk}


def _step_submit_to_county(*, application, actor, data, today, now):
    _county_deadline(application, today=today)
    return data.get("note", ""), {}


def _letter_number(application: Application, today: date) -> str:
    county = application.region_id[:6]
    return f"JD{county}-{today.year}-{_next_number(f'L{county}{today.year}'):05d}"


def _membership_rows(result: dict, household: Household) -> list[dict]:
    return membership_rows(result=result, members=list(household.members.all()))


def _step_approve(*, application, actor, data, today, now):
    effective_from = next_month(today)
    facts, result, household = _run_rules(application, as_of=effective_from)
    number = _letter_number(application, today)
    if application.kind == ApplicationKind.ASSISTANCE:
        if not result["tier"]:
            raise _error(CaseErrorCode.PRECONDITION, "not_eligible", as_of=effective_from.isoformat())
        total = Decimal(str(result["monthly_total"]))
        covered = sum(1 for m in result["members"] if m["person_tier"]) if result["tier"] in (
            "extreme_poverty", "dibao_marginal") else int(result["summary"].get("counted_members") or 0)
        decision = Decision.objects.create(
            application=application, outcome=DecisionOutcome.APPROVED, letter_number=number, tier=result["tier"],
            monthly_total=total, covered_persons=covered, reasons=data.get("reasons", ""), as_of=effective_from,
            effective_from=effective_from, facts=facts, result=result, decided_by=actor, decided_on=today,
        )
        tier_memberships_replace(household=household, effective_from=effective_from,
                                 rows=_membership_rows(result, household), basis=_("Decision %(n)s") % {"n": number})
        return decision.reasons, {"letter": number, "tier": decision.tier, "monthly_total": f"{total:.2f}",
                                  "effective_from": effective_from.isoformat()}
    # Temporary assistance: one approval, paid in stages (the assistance already given counts).
    allowed = Decimal(str(result["summary"].get("temporary_amount") or "0"))
    amount = _money(data.get("amount") or allowed, field="amount")
    if amount <= 0:
        raise _error(CaseErrorCode.PRECONDITION, "not_eligible", as_of=today.isoformat())
    if amount > allowed:
        raise _error(CaseErrorCode.INVALID_INPUT, "amount_above_rules", field="amount", amount=f"{amount:.2f}",
                     limit=f"{allowed:.2f}")
    try:
        stages = int(data.get("stages") or 1)
    except (TypeError, ValueError):
        stages = 0
    if not 1 <= stages <= MAX_STAGES:
        raise _error(CaseErrorCode.INVALID_INPUT, "stages_range", field="stages", max=MAX_STAGES)
    already = sum((p.amount for p in application.payments.filter(kind=PaymentKind.ASSIST_FIRST)), Decimal("0.00"))
    remaining = max(amount - already, Decimal("0.00"))
    each = (remaining / stages).quantize(FEN, rounding=ROUND_DOWN)
    parts = [each] * stages
    parts[0] += remaining - each * stages
    for i, part in enumerate(parts, start=1):
        if part > 0:
            TemporaryPayment.objects.create(application=application, kind=PaymentKind.STAGE, stage=i, amount=part,
                                            due_on=add_months(today, i - 1))
    decision = Decision.objects.create(
        application=application, outcome=DecisionOutcome.APPROVED, letter_number=number, tier="",
        monthly_total=amount, covered_persons=len(result["members"]), reasons=data.get("reasons", ""), as_of=today,
        effective_from=today, facts=facts, result=result, decided_by=actor, decided_on=today,
    )
    return decision.reasons, {"letter": number, "amount": f"{amount:.2f}", "stages": stages,
                              "already_paid_first": f"{already:.2f}"}


def _step_refuse(*, application, actor, data, today, now):
    params = procedure_parameters(region_code=application.region_id, as_of=today)
    facts, result, _household = _run_rules(application, as_of=today)
    decision = Decision.objects.create(
        application=application, outcome=DecisionOutcome.REFUSED, letter_number=_letter_number(application, today),
        tier="", monthly_total=None, reasons=data["reasons"], as_of=today, facts=facts, result=result,
        decided_by=actor, decided_on=today,
        letter_due_on=_deadline(application, today, int(params["refusal_notice_working_days"])),
    )
    return data["reasons"], {"letter": decision.letter_number, "letter_due_on": decision.letter_due_on.isoformat()}


def _step_return_to_township(*, application, actor, data, today, now):
    _procedure_deadline(application)
    return data["reasons"], {"reasons": data["reasons"]}


def _step_extend(*, application, actor, data, today, now):
    if application.extended:
        raise _error(CaseErrorCode.PRECONDITION, "already_extended", field="extended")
    params = procedure_parameters(region_code=application.region_id, as_of=application.accepted_on or today)
    application.extended = True
    application.due_on = _deadline(application, application.accepted_on,
                                   int(params["procedure_extended_working_days"]))
    if application.step_deadline_kind == DeadlineKind.PROCEDURE:
        _procedure_deadline(application)
    return data["reasons"], {"due_on": application.due_on.isoformat()}


def _step_withdraw(*, application, actor, data, today, now):
    return data["reasons"], {}


def _step_record_payment(*, application, actor, data, today, now):
    try:
        payment = application.payments.get(pk=int(data["payment"]), paid_at__isnull=True)
    except (TemporaryPayment.DoesNotExist, TypeError, ValueError):
        raise _error(CaseErrorCode.INVALID_INPUT, "payment_not_found", field="payment", payment=data["payment"]) \
            from None
    payment.paid_at, payment.paid_by = now, actor
    payment.save(update_fields=["paid_at", "paid_by"])
    on_time = payment.due_at is None or now <= payment.due_at
    return data.get("note", ""), {"payment": payment.pk, "amount": f"{payment.amount:.2f}", "on_time": on_time}


_STEPS = {
    "update_materials": _step_update_materials,
    "accept": _step_accept,
    "refuse_acceptance": _step_refuse_acceptance,
    "assist_first": _step_assist_first,
    "verify": _step_verify,
    "survey": _step_survey,
    "township_opinion": _step_township_opinion,
    "publish_notice": _step_publish_notice,
    "submit_to_county": _step_submit_to_county,
    "record_objection": _step_record_objection,
    "reinvestigate": _step_reinvestigate,
    "community_appraisal": _step_community_appraisal,
    "close_notice": _step_close_notice,
    "approve": _step_approve,
    "refuse": _step_refuse,
    "return_to_township": _step_return_to_township,
    "extend": _step_extend,
    "withdraw": _step_withdraw,
    "record_payment": _step_record_payment,
}
assert set(_STEPS) == set(TRANSITIONS), "every transition of the state machine has its step"
