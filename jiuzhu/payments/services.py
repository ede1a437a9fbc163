"""Everything that writes in payments: the monthly payroll (generated in committed chunks, so a crash part-way
is resumed, never duplicated), maker-checker approval, adjustments and one-time subsidies, and the dynamic
changes that stop or recompute a household's payment from the right month."""
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import (
    Adjustment,
    GroupSubsidy,
    LineKind,
    Payroll,
    PayrollLine,
    PayrollStatus,
)
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.registry.choices import HouseholdStatus
from jiuzhu.registry.models import Household, Person, TierMembership

CHUNK_HOUSEHOLDS = 2000
PAYROLL_ROLES = {Role.COUNTY_BUREAU}
FUND_LEVELS = ("central", "provincial", "prefecture", "county", "township")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    return month_end(day) + timedelta(days=1)


def _check_payroll_role(actor, region: Region) -> None:
    if not set(roles_of(actor)) & PAYROLL_ROLES:
        raise PaymentError("role_not_allowed", _("Only the county civil affairs bureau prepares and approves "
                                                 "payrolls."))
    if not region_in_scope(user=actor, code=region.code):
        raise PaymentError("out_of_region", _("This county is outside your region."))


def funding_shares(*, region: Region, month: date) -> dict[str, str]:
    """The shares of each level in the payments of a county (dated parameters), as strings."""
    names = tuple(f"funding_share_{level}" for level in FUND_LEVELS)
    values = ParameterBook.from_database().resolve_values(region_code=region.code, as_of=month, names=names)
    return {level: str(values[f"funding_share_{level}"] or Decimal("0")) for level in FUND_LEVELS}


# --- Generation ---------------------------------------------------------------------------------------------

def _payee(household: Household, person: Person | None) -> tuple[str, str]:
    who = person or household.head
    return (who.name, who.id_number) if who else ("", "")


def _lines_for_chunk(payroll: Payroll, households: list[Household]) -> list[PayrollLine]:
    first, last = payroll.month, month_end(payroll.month)
    tag = f"{payroll.month:%Y-%m}"
    ids = [h.pk for h in households]
    by_id = {h.pk: h for h in households}
    lines = []

    def line(**kw) -> PayrollLine:
        household = by_id[kw["household_id"]]
        name, id_number = _payee(household, kw.get("person"))
        return PayrollLine(payroll=payroll, household=household, region_code=household.region_id,
                           payee_name=name, payee_id_number=id_number, bank_name=household.bank_name,
                           bank_account=household.bank_account, **{k: v for k, v in kw.items() if k != "household_id"})

    memberships = TierMembership.objects.filter(
        household_id__in=ids, start_date__lte=last, monthly_amount__gt=0).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first)).select_related("person")
    for m in memberships:
        if m.person is not None and m.person.death_date is not None and m.person.death_date < first:
            continue  # a member who died before the month is not paid for it
        lines.append(line(household_id=m.household_id, person=m.person, kind=LineKind.TIER, tier=m.tier,
                          source_key=f"tm:{m.pk}:{tag}", amount=m.monthly_amount, basis=m.basis))
    for adj in Adjustment.objects.filter(household_id__in=ids, month=payroll.month, amount__gt=0):
        lines.append(line(household_id=adj.household_id, kind=LineKind.ADJUSTMENT, source_key=f"adj:{adj.pk}",
                          amount=adj.amount, basis=adj.reason))
    from jiuzhu.cases.models import TemporaryPayment

    for tp in TemporaryPayment.objects.filter(application__household_id__in=ids, kind="stage", paid_at__isnull=True,
                                              due_on__gte=first, due_on__lte=last).select_related("application"):
        lines.append(line(household_id=tp.application.household_id, person=tp.application.applicant,
                          kind=LineKind.TEMPORARY, source_key=f"tp:{tp.pk}", amount=tp.amount,
                          basis=tp.application.number))
    for subsidy in GroupSubsidy.objects.filter(region=payroll.region, month=payroll.month):
        members = TierMembership.objects.filter(household_id__in=ids, tier__in=subsidy.tiers, start_date__lte=last) \
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        paid_people = set()
        for m in members.select_related("person", "household__head"):
            person = m.person or m.household.head
            if person is None or person.pk in paid_people:
                continue
            paid_people.add(person.pk)
            lines.append(line(household_id=m.household_id, person=person, kind=LineKind.SUBSIDY,
                              source_key=f"gs:{subsidy.pk}:{person.pk}", amount=subsidy.amount, basis=subsidy.name))
        if subsidy.child_statuses:
            for person in Person.objects.filter(household_id__in=ids, child_status__in=subsidy.child_statuses,
                                                death_date__isnull=True).exclude(pk__in=paid_people):
                lines.append(line(household_id=person.household_id, person=person, kind=LineKind.SUBSIDY,
                                  source_key=f"gs:{subsidy.pk}:{person.pk}", amount=subsidy.amount,
                                  basis=subsidy.name))
    return lines


def payroll_generate(*, actor, region: Region, month: date, chunk: int = CHUNK_HOUSEHOLDS,
                     after_chunk=None) -> Payroll:
    """Generate (or finish generating) the month's payroll of a county: every active entitlement once.

    Generating the same month again returns the payroll already there; a generation that stopped part-way
    (crash, killed process) continues from its last committed chunk, and lines already made are skipped by their
    unique source key. `after_chunk` is called after each committed chunk (progress; tests use it)."""
    month = month_start(month)
    _check_payroll_role(actor, region)
    try:
        payroll, _created = Payroll.objects.get_or_create(
            region=region, month=month, number=1,
            defaults={"funding_shares": funding_shares(region=region, month=month)})
    except IntegrityError:  # generated at the same moment by someone else
        payroll = Payroll.objects.get(region=region, month=month, number=1)
    if payroll.status != PayrollStatus.GENERATING:
        return payroll
    households = Household.objects.filter(region__code__startswith=region.prefix, status=HouseholdStatus.ACTIVE)
    while True:
        batch = list(households.filter(pk__gt=payroll.generated_upto).select_related("head").order_by("pk")[:chunk])
        if not batch:
            break
        with transaction.atomic():
            PayrollLine.objects.bulk_create(_lines_for_chunk(payroll, batch), ignore_conflicts=True)
            Payroll.objects.filter(pk=payroll.pk).update(generated_upto=batch[-1].pk)
        payroll.generated_upto = batch[-1].pk
        if after_chunk is not None:
            after_chunk(payroll)
    return _payroll_seal(payroll, actor=actor)


@transaction.atomic
def _payroll_seal(payroll: Payroll, *, actor) -> Payroll:
    figures = payroll.lines.aggregate(n=Count("id"), total=Sum("amount"))
    Payroll.objects.filter(pk=payroll.pk, status=PayrollStatus.GENERATING).update(
        status=PayrollStatus.PREPARED, lines_count=figures["n"], total=figures["total"] or Decimal("0.00"),
        prepared_by=actor, prepared_at=timezone.now(), version=F("version") + 1)
    payroll.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=payroll.pk,
                 region_code=payroll.region_id, detail={"step": "prepared", "lines": payroll.lines_count,
                                                        "total": str(payroll.total)})
    return payroll


@transaction.atomic
def payroll_approve(*, actor, payroll_id: int, version: int) -> Payroll:
    """The checker approves a prepared payroll: never the user who prepared it. Of two approvers acting on the
    same version, one succeeds and the other is told someone else acted first."""
    payroll = Payroll.objects.select_related("region").get(pk=payroll_id)
    _check_payroll_role(actor, payroll.region)
    if payroll.prepared_by_id == actor.pk:
        raise PaymentError("maker_checker", _("The payroll must be approved by someone other than the person who "
                                              "prepared it."))
    if payroll.status != PayrollStatus.PREPARED or payroll.version != version:
        raise PaymentError("stale", _("Someone else has acted on this payroll since you opened it (it is now "
                                      "“%(status)s”); nothing of yours was saved.")
                           % {"status": PayrollStatus(payroll.status).label})
    claimed = Payroll.objects.filter(pk=payroll.pk, version=version, status=PayrollStatus.PREPARED).update(
        status=PayrollStatus.APPROVED, approved_by=actor, approved_at=timezone.now(), version=F("version") + 1)
    if claimed != 1:
        payroll.refresh_from_db()
        raise PaymentError("stale", _("Someone else has acted on this payroll since you opened it (it is now "
                                      "“%(status)s”); nothing of yours was saved.")
                           % {"status": PayrollStatus(payroll.status).label})
    payroll.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=payroll.pk,
                 region_code=payroll.region_id, detail={"step": "approved"})
    return payroll


@transaction.atomic
def adjustment_create(*, actor, household: Household, amount: Decimal, month: date, reason: str) -> Adjustment:
    """A correction paid with a later month's payroll (a payroll already generated never changes)."""
    if not reason.strip():
        raise PaymentError("reason_required", _("An adjustment must say why."), field="reason")
    if amount == 0:
        raise PaymentError("invalid_amount", _("The amount must not be zero."), field="amount")
    month = month_start(month)
    if Payroll.objects.filter(region__code=household.region_id[:6] + "000000", month=month, number=1) \
            .exclude(status=PayrollStatus.GENERATING).exists():
        raise PaymentError("payroll_closed", _("The payroll of %(month)s is already prepared: choose a later "
                                               "month.") % {"month": f"{month:%Y-%m}"}, field="month")
    return Adjustment.objects.create(household=household, amount=amount, month=month, reason=reason.strip(),
                                     created_by=actor)


# --- Dynamic changes ------------------------------------------------------------------------------------------

@dataclass
class ChangeResult:
    effective_from: date
    ended: int
    started: int
    new_total: Decimal


@transaction.atomic
def household_change_death(*, actor, person: Person, death_date: date, decided_on: date) -> ChangeResult:
    """A member's death (e.g. a death warning verified and approved): the member's own payment stops and the
    household's amount is recomputed by the rules, both from the month after the decision."""
    from jiuzhu.policy.explain import screen_household
    from jiuzhu.policy.facts import household_facts
    from jiuzhu.registry.selectors import household_for_rules
    from jiuzhu.registry.services import tier_memberships_replace

    if not set(roles_of(actor)) & PAYROLL_ROLES:
        raise PaymentError("role_not_allowed", _("Only the county civil affairs bureau decides changes."))
    if not region_in_scope(user=actor, code=person.household.region_id):
        raise PaymentError("out_of_region", _("This household is outside your region."))
    if death_date > decided_on:
        raise PaymentError("invalid_date", _("The date of death is after the decision."), field="death_date")
    Person.objects.filter(pk=person.pk).update(death_date=death_date)
    effective_from = next_month(decided_on)
    household = household_for_rules(pk=person.household_id)
    active = [m for m in household.tier_memberships.all() if m.is_active_on(effective_from - timedelta(days=1))]
    result = screen_household(data=household_facts(household, as_of=effective_from), as_of=effective_from,
                              household_id=household.pk)
    rows, person_total = [], Decimal("0.00")
    members = list(household.members.all())
    for member, out in zip(members, result["members"], strict=True):
        if out["person_tier"]:
            amount = Decimal(str(out["monthly_amount"]))
            rows.append({"tier": out["person_tier"], "person": member, "monthly_amount": amount})
            person_total += amount
    if result["tier"] and result["tier"] != "extreme_poverty":
        rest = Decimal(str(result["monthly_total"])) - person_total
        rows.insert(0, {"tier": result["tier"], "person": None, "monthly_amount": rest if rest > 0 else None})
    basis = _("Change of %(date)s: death of %(name)s") % {"date": decided_on.isoformat(), "name": person.name}
    created = tier_memberships_replace(household=household, effective_from=effective_from, rows=rows, basis=basis)
    if not created and not [m for m in members if m.pk != person.pk and m.death_date is None]:
        # Nobody is left: the household exits the registry.
        Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.EXITED)
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="household", object_id=household.pk,
                 region_code=household.region_id, detail={"step": "death", "person": person.pk,
                                                          "effective_from": effective_from.isoformat(),
                                                          "ended": len(active), "started": len(created)})
    return ChangeResult(effective_from, len(active), len(created),
                        sum((r["monthly_amount"] or Decimal("0.00") for r in rows), Decimal("0.00")))

