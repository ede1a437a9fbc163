"""Everything that writes in payments: the monthly payroll (generated in committed chunks, so a crash part-way
is resumed, never duplicated), maker-checker approval, adjustments and one-time subsidies, and the dynamic
changes that stop or recompute a household's payment from the right month."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.months import month_end, month_start, next_month
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import (
    Adjustment,
    GroupSubsidy,
    LineKind,
    LineStatus,
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


def payroll_role_check(actor, region: Region) -> None:
    """Payrolls are prepared, approved and exported by the county bureau of their county (or above)."""
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

def _lines_for_chunk(payroll: Payroll, *, prefix: str, after: int, upto: int) -> int:
    """Insert the lines of the county's active households with `after` < id ≤ `upto`, in set-based
    `INSERT … SELECT … ON CONFLICT DO NOTHING` statements (one per kind of entitlement, one per subsidy), so a
    chunk costs a few statements whatever its size; a line whose source key exists is skipped. The frozen
    columns (payee, ID number, bank, account, amount) are copied from the registry as they are now. Returns the
    number of lines inserted."""
    from jiuzhu.cases.models import Application, TemporaryPayment

    first, last = payroll.month, month_end(payroll.month)
    tag = f"{payroll.month:%Y-%m}"
    qn = connection.ops.quote_name
    line_columns = ("payroll_id", "source_key", "kind", "household_id", "person_id", "tier", "region_code",
                    "payee_name", "payee_id_number", "bank_name", "bank_account", "amount", "status",
                    "failure_reason", "basis")
    insert = (f"INSERT INTO {qn(PayrollLine._meta.db_table)} ({', '.join(qn(c) for c in line_columns)}) ")
    # The households of the chunk: `h`; the payee is the entitled person `p` if any, else the head `hp`.

    def households(on: str) -> str:
        return (f"JOIN {qn(Household._meta.db_table)} h ON h.id = {on} "
                f"LEFT JOIN {qn(Person._meta.db_table)} hp ON hp.id = h.head_id ")

    person = f"{qn(Person._meta.db_table)}"
    chunk_where = "h.id > %s AND h.id <= %s AND h.status = %s AND h.region_id LIKE %s"
    chunk_params = [after, upto, HouseholdStatus.ACTIVE, prefix + "%"]
    payee = "COALESCE(p.name, hp.name, ''), COALESCE(p.id_number, hp.id_number, ''), h.bank_name, h.bank_account"
    # A line paid to a person `w` of household `h` (allowances, subsidies): household, person, no tier, region, payee.
    paid_to_w = "h.id, w.id, '', h.region_id, w.name, w.id_number, h.bank_name, h.bank_account"
    key = "CAST({} AS TEXT)"
    on_conflict = " ON CONFLICT DO NOTHING"
    statements = [
        # Monthly tiers: every membership with an amount active during the month, except a member who died
        # before it.
        (insert + f"SELECT %s, 'tm:' || {key.format('m.id')} || %s, %s, h.id, m.person_id, m.tier, h.region_id, "
         f"{payee}, m.monthly_amount, %s, '', m.basis "
         f"FROM {qn(TierMembership._meta.db_table)} m {households('m.household_id')}"
         f"LEFT JOIN {person} p ON p.id = m.person_id "
         f"WHERE {chunk_where} AND m.start_date <= %s AND m.monthly_amount > 0 "
         "AND (m.end_date IS NULL OR m.end_date >= %s) AND (p.death_date IS NULL OR p.death_date >= %s)"
         + on_conflict,
         [payroll.pk, f":{tag}", LineKind.TIER, LineStatus.PENDING, *chunk_params, last, first, first]),
        # Adjustments paid with this month's payroll (to the head).
        (insert + f"SELECT %s, 'adj:' || {key.format('a.id')}, %s, h.id, NULL, '', h.region_id, "
         f"COALESCE(hp.name, ''), COALESCE(hp.id_number, ''), h.bank_name, h.bank_account, a.amount, %s, '', "
         f"a.reason FROM {qn(Adjustment._meta.db_table)} a {households('a.household_id')}"
         f"WHERE {chunk_where} AND a.month = %s AND a.amount > 0" + on_conflict,
         [payroll.pk, LineKind.ADJUSTMENT, LineStatus.PENDING, *chunk_params, payroll.month]),
        # Staged temporary assistance falling due in the month, unpaid (to the applicant).
        (insert + f"SELECT %s, 'tp:' || {key.format('t.id')}, %s, h.id, p.id, '', h.region_id, {payee}, "
         f"t.amount, %s, '', a.number FROM {qn(TemporaryPayment._meta.db_table)} t "
         f"JOIN {qn(Application._meta.db_table)} a ON a.id = t.application_id "
         f"{households('a.household_id')}LEFT JOIN {person} p ON p.id = a.applicant_id "
         f"WHERE {chunk_where} AND t.kind = %s AND t.paid_at IS NULL AND t.due_on >= %s AND t.due_on <= %s"
         + on_conflict,
         [payroll.pk, LineKind.TEMPORARY, LineStatus.PENDING, *chunk_params, "stage", first, last]),
    ]
    # Monthly allowances of orphans and de-facto unsupported children (living, in active households), at the
    # county's standard of the month; none where the county has set none.
    allowances = ParameterBook.from_database().resolve_values(
        region_code=payroll.region_id, as_of=payroll.month,
        names=("orphan_allowance", "unsupported_child_allowance"))
    for status, name in (("orphan", "orphan_allowance"), ("unsupported_child", "unsupported_child_allowance")):
        amount = allowances[name]
        if amount:
            statements.append((
                insert + f"SELECT %s, %s || {key.format('w.id')} || %s, %s, {paid_to_w}, %s, %s, '', %s "
                f"FROM {person} w "
                f"{households('w.household_id')}WHERE {chunk_where} AND w.child_status = %s "
                "AND (w.death_date IS NULL OR w.death_date >= %s)" + on_conflict,
                [payroll.pk, f"ca:{status}:", f":{tag}", LineKind.ALLOWANCE, Decimal(amount), LineStatus.PENDING,
                 name, *chunk_params, status, first]))
    for subsidy in GroupSubsidy.objects.filter(region=payroll.region, month=payroll.month).order_by("pk"):
        gs = [payroll.pk, f"gs:{subsidy.pk}:", LineKind.SUBSIDY, subsidy.amount, LineStatus.PENDING, subsidy.name]
        if subsidy.tiers:
            # Every person holding (or, for a household tier, heading a household holding) one of the tiers
            # during the month, once.
            tiers = ", ".join(["%s"] * len(subsidy.tiers))
            statements.append((
                insert + f"SELECT %s, %s || {key.format('w.id')}, %s, {paid_to_w}, %s, %s, '', %s "
                f"FROM (SELECT COALESCE(m.person_id, h.head_id) AS person_id, MIN(h.id) AS household_id "
                f"FROM {qn(TierMembership._meta.db_table)} m JOIN {qn(Household._meta.db_table)} h "
                f"ON h.id = m.household_id WHERE {chunk_where} AND m.tier IN ({tiers}) AND m.start_date <= %s "
                "AND (m.end_date IS NULL OR m.end_date >= %s) GROUP BY COALESCE(m.person_id, h.head_id)) s "
                f"JOIN {person} w ON w.id = s.person_id JOIN {qn(Household._meta.db_table)} h "
                "ON h.id = s.household_id WHERE 1 = 1" + on_conflict,
                [*gs, *chunk_params, *subsidy.tiers, last, first]))
        if subsidy.child_statuses:
            # Living children of the listed statuses (e.g. orphans) not already paid above.
            statuses = ", ".join(["%s"] * len(subsidy.child_statuses))
            statements.append((
                insert + f"SELECT %s, %s || {key.format('w.id')}, %s, {paid_to_w}, %s, %s, '', %s FROM {person} w "
                f"{households('w.household_id')}WHERE {chunk_where} AND w.child_status IN ({statuses}) "
                "AND w.death_date IS NULL" + on_conflict,
                [*gs, *chunk_params, *subsidy.child_statuses]))
    inserted = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            inserted += max(cursor.rowcount, 0)
    return inserted


def payroll_generate(*, actor, region: Region, month: date, chunk: int = CHUNK_HOUSEHOLDS,
                     after_chunk=None, workers: int = 1) -> Payroll:
    """Generate (or finish generating) the month's payroll of a county: every active entitlement once.

    Generating the same month again returns the payroll already there; a generation that stopped part-way
    (crash, killed process) continues from its last committed chunk, and lines already made are skipped by their
    unique source key. `after_chunk` is called after each committed chunk (progress; tests use it).
    `workers` > 1 (PostgreSQL only) generates chunks on that many connections at once: `generated_upto` then
    moves only past chunks that have all committed, so a resumed run redoes at most the chunks that were in
    flight, whose lines their source keys skip."""
    month = month_start(month)
    payroll_role_check(actor, region)
    try:
        payroll, _created = Payroll.objects.get_or_create(
            region=region, month=month, number=1,
            defaults={"funding_shares": funding_shares(region=region, month=month)})
    except IntegrityError:  # generated at the same moment by someone else
        payroll = Payroll.objects.get(region=region, month=month, number=1)
    if payroll.status != PayrollStatus.GENERATING:
        return payroll
    households = Household.objects.filter(region__code__startswith=region.prefix, status=HouseholdStatus.ACTIVE)
    if workers > 1 and connection.vendor == "postgresql":
        _generate_in_parallel(payroll, households, prefix=region.prefix, chunk=chunk, workers=workers,
                              after_chunk=after_chunk)
        return _payroll_seal(payroll, actor=actor)
    while True:
        ids = list(households.filter(pk__gt=payroll.generated_upto).order_by("pk").values_list("pk", flat=True)
                   [:chunk])
        if not ids:
            break
        with transaction.atomic():
            _lines_for_chunk(payroll, prefix=region.prefix, after=payroll.generated_upto, upto=ids[-1])
            Payroll.objects.filter(pk=payroll.pk).update(generated_upto=ids[-1])
        payroll.generated_upto = ids[-1]
        if after_chunk is not None:
            after_chunk(payroll)
    return _payroll_seal(payroll, actor=actor)


def _generate_in_parallel(payroll: Payroll, households, *, prefix: str, chunk: int, workers: int,
                          after_chunk) -> None:
    """The chunks of the remaining households on `workers` connections; each chunk commits on its own."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    ids = list(households.filter(pk__gt=payroll.generated_upto).order_by("pk").values_list("pk", flat=True))
    bounds, start = [], payroll.generated_upto
    for i in range(chunk - 1, len(ids) + chunk - 1, chunk):
        upto = ids[min(i, len(ids) - 1)]
        bounds.append((start, upto))
        start = upto

    def run(bound: tuple[int, int]) -> tuple[int, int]:
        try:
            with transaction.atomic():
                _lines_for_chunk(payroll, prefix=prefix, after=bound[0], upto=bound[1])
            return bound
        finally:
            connections.close_all()

    done: set[tuple[int, int]] = set()
    position = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for bound in pool.map(run, bounds):  # in order: the committed prefix advances chunk by chunk
            done.add(bound)
            while position < len(bounds) and bounds[position] in done:
                position += 1
            payroll.generated_upto = bounds[position - 1][1]
            Payroll.objects.filter(pk=payroll.pk).update(generated_upto=payroll.generated_upto)
            if after_chunk is not None:
                after_chunk(payroll)


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
    payroll_role_check(actor, payroll.region)
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
    from jiuzhu.registry.services import membership_rows, tier_memberships_replace

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
    members = list(household.members.all())
    rows = membership_rows(result=result, members=members)
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

