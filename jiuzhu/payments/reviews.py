"""Periodic reviews (dynamic management, RULES.md §2–3): scheduled by tier and class, screened with the rules,
and the change they lead to carried through a decision by a second county bureau user.

- `reviews_schedule` creates the reviews that fall due in a month (idempotent).
- `review_screen` runs the rules as of the first of the next month, freezes the explained result and proposes
  the change: unchanged, amount up or down, gradual exit (dibao, where the region grants an exit period),
  termination after a 7-day public notice (特困), or stop from the next month.
- `review_decide` approves (the registry memberships change from the month after the decision, so the next
  payroll pays the new amount) or refuses with reasons (back to screened).
"""
import logging
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import PeriodicReview, ReviewClass, ReviewOutcome, ReviewStatus
from jiuzhu.core.months import add_months, month_end, month_start, next_month
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.registry.choices import HouseholdStatus, Tier
from jiuzhu.registry.models import Household, Person, TierMembership
from jiuzhu.registry.services import membership_rows

logger = logging.getLogger(__name__)

DECIDE_ROLES = {Role.COUNTY_BUREAU}
SCREEN_ROLES = {Role.COUNTY_BUREAU, Role.TOWNSHIP_ASSISTANT}
OPEN = (ReviewStatus.SCHEDULED, ReviewStatus.SCREENED, ReviewStatus.PROPOSED)
# Tiers that are reviewed, and the parameter of each (dibao by class, see _interval).
REVIEWED_TIERS = (Tier.EXTREME_POVERTY, Tier.DIBAO, Tier.DIBAO_INDIVIDUAL, Tier.DIBAO_MARGINAL)
DIBAO_INTERVALS = ("review_months_dibao", "review_months_dibao_stable", "review_months_dibao_changing")
INTERVAL_PARAMS = ("review_months_extreme_poverty", "review_months_dibao_marginal", *DIBAO_INTERVALS)
# Households screened at a time for their review class (as a screening run's chunk).
CLASS_CHUNK = 5000


def _check_role(actor, region_code: str, roles: set) -> None:
    if not set(roles_of(actor)) & roles:
        if roles == DECIDE_ROLES:
            raise PaymentError("role_not_allowed", _("Only the county civil affairs bureau decides the outcome "
                                                     "of a review."))
        raise PaymentError("role_not_allowed", _("Only the county civil affairs bureau or a township "
                                                 "civil-affairs assistant screens a review."))
    if not region_in_scope(user=actor, code=region_code):
        raise PaymentError("out_of_region", _("This household is outside your region."))


def _audit(actor, review: PeriodicReview, step: str, **detail) -> None:
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="periodic_review", object_id=review.pk,
                 region_code=review.household.region_id, detail={"step": step, **detail})


# --- Scheduling -------------------------------------------------------------------------------------------

def review_classes(household_ids: list[int], *, as_of: date, book: ParameterBook) -> dict[int, str]:
    """The class of each household on `as_of` as the rules decide it (policy rule `review_class`: stable,
    changing or ordinary), screened in batches through the compiled rules like a screening run. A household
    whose facts cannot be screened (its error is logged) has no class and is reviewed at the ordinary
    interval."""
    from jiuzhu.engine.base import screen_tables
    from jiuzhu.policy.facts import households_tables
    from jiuzhu.policy.selectors import screening_households_chunk

    classes: dict[int, str] = {}
    ids = sorted(household_ids)
    for i in range(0, len(ids), CLASS_CHUNK):
        households = screening_households_chunk(Household.objects.all(), ids[i:i + CLASS_CHUNK])
        tables, errors = households_tables(households, as_of=as_of)
        for error in errors:
            logger.warning("review class: household %s not screened: %s", error.get("household_id"), error)
        if tables["households"].num_rows:
            out = screen_tables(tables=tables, as_of=as_of, book=book)["household"]
            classes.update(zip(out.column("household_id").to_pylist(), out.column("review_class").to_pylist()))
    return classes


def _interval(tiers: set[str], klass: str, params: dict) -> tuple[int, str, str]:
    """(months, tier, class) — the shortest interval of the household's reviewed tiers; `klass` is the rules'
    review class of a dibao household ("" when it could not be screened)."""
    options = []
    if Tier.EXTREME_POVERTY in tiers:
        options.append((int(params["review_months_extreme_poverty"]), Tier.EXTREME_POVERTY, ""))
    if Tier.DIBAO_MARGINAL in tiers:
        options.append((int(params["review_months_dibao_marginal"]), Tier.DIBAO_MARGINAL, ""))
    dibao = [t for t in (Tier.DIBAO, Tier.DIBAO_INDIVIDUAL) if t in tiers]
    if dibao:
        name = {ReviewClass.STABLE: "review_months_dibao_stable",
                ReviewClass.CHANGING: "review_months_dibao_changing"}.get(klass, "review_months_dibao")
        options.append((int(params[name]), dibao[0], klass))
    return min(options, key=lambda o: o[0])


def _recipient_since(memberships: list[tuple[date, date | None]]) -> date:
    """The start of the household's current unbroken run of memberships (a change of tier or amount ends one
    membership the day before the next starts, so the run goes on)."""
    run_start, covered_until = None, None
    for start, end in sorted(memberships, key=lambda m: m[0]):
        if run_start is None or (covered_until is not None and start > covered_until + timedelta(days=1)):
            run_start, covered_until = start, end
        elif covered_until is not None:
            covered_until = None if end is None else max(covered_until, end)
    return run_start


def reviews_schedule(*, actor, region: Region, month: date) -> int:
    """Create the reviews that fall due by the end of `month` in a county (or any region subtree); returns how
    many were created. A household is due when its last decided review — or, never reviewed, the start of its
    current run as a recipient — lies at least its interval back; a household that already has an open review,
    or whose exit is already decided, gets none. Running it again creates nothing more."""
    _check_role(actor, region.code, DECIDE_ROLES)
    first, last = month_start(month), month_end(month)
    open_memberships = TierMembership.objects.filter(
        household__region__code__startswith=region.prefix, household__status=HouseholdStatus.ACTIVE,
        tier__in=REVIEWED_TIERS, start_date__lte=last, end_date__isnull=True)
    tiers: dict[int, set[str]] = defaultdict(set)
    for household_id, tier in open_memberships.values_list("household_id", "tier"):
        tiers[household_id].add(tier)
    busy = set(PeriodicReview.objects.filter(household_id__in=tiers, status__in=OPEN)
               .values_list("household_id", flat=True))
    ids = [h for h in tiers if h not in busy]
    last_decided = dict(PeriodicReview.objects.filter(household_id__in=ids, status=ReviewStatus.DECIDED)
                        .values("household_id").annotate(on=Max("decided_on")).values_list("household_id", "on"))
    book = ParameterBook.from_database()
    runs: dict[int, list] = defaultdict(list)
    for household_id, start, end in TierMembership.objects.filter(household_id__in=ids).values_list(
            "household_id", "start_date", "end_date"):
        runs[household_id].append((start, end))
    regions = dict(Household.objects.filter(pk__in=ids).values_list("pk", "region_id"))
    params_by_region = {}
    for code in set(regions.values()):
        params_by_region[code] = book.resolve_values(region_code=code, as_of=first, names=INTERVAL_PARAMS)
    anchors = {h: max(d for d in (last_decided.get(h), _recipient_since(runs[h])) if d) for h in ids}
    # The rules classify only the dibao households that can fall due this month at their class's interval.
    classes = review_classes([h for h in ids if tiers[h] & {Tier.DIBAO, Tier.DIBAO_INDIVIDUAL}
                              and add_months(anchors[h], min(int(params_by_region[regions[h]][name])
                                                             for name in DIBAO_INTERVALS)) <= last],
                             as_of=first, book=book)
    existing = set(PeriodicReview.objects.filter(household_id__in=ids).values_list("household_id", "due_on"))
    new = []
    for household_id in sorted(ids):
        months, tier, klass = _interval(tiers[household_id], classes.get(household_id, ""),
                                        params_by_region[regions[household_id]])
        due_on = add_months(anchors[household_id], months)
        if due_on <= last and (household_id, due_on) not in existing:
            new.append(PeriodicReview(household_id=household_id, tier=tier, review_class=klass,
                                      interval_months=months, due_on=due_on))
    with transaction.atomic():
        # A concurrent run may have created the same review: the unique (household, due_on) keeps one.
        PeriodicReview.objects.bulk_create(new, ignore_conflicts=True)
        audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="region", object_id=region.code,
                     region_code=region.code, detail={"step": "reviews_scheduled", "month": f"{first:%Y-%m}",
                                                      "created": len(new)})
    return len(new)


# --- Screening --------------------------------------------------------------------------------------------

def _rows_of_result(result: dict, members: list[Person]) -> list[dict]:
    """The memberships the rules' result gives (registry.services.membership_rows), frozen as JSON."""
    return [{"tier": r["tier"], "person": r["person"].pk if r["person"] else None,
             "amount": f"{r['monthly_amount']:.2f}" if r["monthly_amount"] else None}
            for r in membership_rows(result=result, members=members)]


def _rows_of_memberships(memberships: list[TierMembership]) -> list[dict]:
    return [{"tier": m.tier, "person": m.person_id,
             "amount": f"{m.monthly_amount:.2f}" if m.monthly_amount else None} for m in memberships]


def _total(rows: list[dict]) -> Decimal:
    return sum((Decimal(r["amount"]) for r in rows if r["amount"]), Decimal("0.00"))


def _same(a: list[dict], b: list[dict]) -> bool:
    def key(rows):
        return sorted((r["tier"], r["person"] or 0, r["amount"] or "") for r in rows)
    return key(a) == key(b)


@transaction.atomic
def review_screen(*, actor, review_id: int, today: date) -> PeriodicReview:
    """Screen the household with the rules as of the first of next month, freeze the explained result and
    propose the change it leads to (see ReviewOutcome)."""
    from jiuzhu.policy.explain import screen_household
    from jiuzhu.policy.facts import household_facts
    from jiuzhu.registry.selectors import household_for_rules

    review = PeriodicReview.objects.select_for_update().select_related("household").get(pk=review_id)
    _check_role(actor, review.household.region_id, SCREEN_ROLES)
    if review.status not in (ReviewStatus.SCHEDULED, ReviewStatus.SCREENED):
        raise PaymentError("not_screenable", _("This review is “%(status)s”: it cannot be screened again.")
                           % {"status": ReviewStatus(review.status).label})
    as_of = next_month(today)
    household = household_for_rules(pk=review.household_id)
    members = list(household.members.all())
    result = screen_household(data=household_facts(household, as_of=as_of), as_of=as_of, household_id=household.pk)
    current = [m for m in household.tier_memberships.all() if m.is_active_on(as_of - timedelta(days=1))]
    current_rows, new_rows = _rows_of_memberships(current), _rows_of_result(result, members)
    current_total, new_total = _total(current_rows), _total(new_rows)
    params = ParameterBook.from_database().resolve_values(
        region_code=household.region_id, as_of=as_of, names=("gradual_exit_months", "public_notice_days"))
    # Ending a living person's 特困 support needs a public notice first (RULES.md §3).
    ep_now = {r["person"] for r in current_rows if r["tier"] == Tier.EXTREME_POVERTY}
    ep_after = {r["person"] for r in new_rows if r["tier"] == Tier.EXTREME_POVERTY}
    dead = {p.pk for p in members if p.death_date is not None and p.death_date < as_of}
    ep_ended = ep_now - ep_after - dead
    exit_months, notice_until = None, None
    if _same(current_rows, new_rows):
        kind = ReviewOutcome.UNCHANGED
    elif new_total == 0 and current_total > 0:
        if ep_ended:
            kind = ReviewOutcome.TERMINATE
        elif any(r["tier"] == Tier.DIBAO for r in current_rows) and result["summary"].get("gradual_exit"):
            # The rule gradual_exit (policy/rules/dibao.py): income above the standard through work, assets
            # passing, and a region that grants an exit period (gradual_exit_months > 0).
            kind, exit_months = ReviewOutcome.GRADUAL_EXIT, int(params["gradual_exit_months"])
        else:
            kind = ReviewOutcome.STOP
    elif new_total > current_total:
        kind = ReviewOutcome.AMOUNT_UP
    elif new_total < current_total:
        kind = ReviewOutcome.AMOUNT_DOWN
    else:
        kind = ReviewOutcome.TIER_CHANGE
    if ep_ended and kind != ReviewOutcome.UNCHANGED:
        # The notice is posted on the day of screening and runs the parameter's calendar days, that day included.
        notice_until = today + timedelta(days=int(params["public_notice_days"] or 7) - 1)
    review.status = ReviewStatus.PROPOSED
    review.screened_on, review.as_of, review.screened_result = today, as_of, result
    review.current_rows, review.proposed_rows = current_rows, new_rows
    review.kind, review.current_amount, review.new_amount = kind, current_total, new_total
    review.exit_months, review.notice_until = exit_months, notice_until
    review.effective_from = _effective_from(review, decided_on=today)
    review.proposed_by, review.proposed_at = actor, timezone.now()
    review.save()
    _audit(actor, review, "review_screened", kind=kind, current=f"{current_total:.2f}", new=f"{new_total:.2f}",
           as_of=as_of.isoformat(), notice_until=notice_until.isoformat() if notice_until else None)
    return review


def _effective_from(review: PeriodicReview, *, decided_on: date) -> date | None:
    """From the month after the decision (after the notice, for a 特困 termination); a gradual exit keeps
    paying for its months first."""
    if review.kind == ReviewOutcome.UNCHANGED:
        return None
    start = next_month(max(decided_on, review.notice_until or decided_on))
    if review.kind == ReviewOutcome.GRADUAL_EXIT:
        return add_months(start, review.exit_months or 0)
    return start


# --- Decision ---------------------------------------------------------------------------------------------

@transaction.atomic
def review_decide(*, actor, review_id: int, approve: bool, reasons: str = "",
                  today: date | None = None) -> PeriodicReview:
    """The county bureau decides a proposed change — never the user who proposed it. Approved, the registry
    memberships change from the month after the decision (basis "Review <id>"); refused, with reasons, the
    review goes back to screened. A 特困 termination cannot be decided before its public notice has ended."""
    from jiuzhu.registry.services import tier_memberships_replace

    today = today or timezone.localdate()
    review = PeriodicReview.objects.select_for_update().select_related("household").get(pk=review_id)
    _check_role(actor, review.household.region_id, DECIDE_ROLES)
    if review.status != ReviewStatus.PROPOSED:
        raise PaymentError("not_proposed", _("This review is “%(status)s”: there is no proposal to decide.")
                           % {"status": ReviewStatus(review.status).label})
    if review.proposed_by_id == actor.pk:
        raise PaymentError("maker_checker", _("The change must be decided by someone other than the person who "
                                              "proposed it."))
    reasons = (reasons or "").strip()
    if not approve:
        if not reasons:
            raise PaymentError("reasons_required", _("A refusal must give its reasons."), field="reasons")
        review.status = ReviewStatus.SCREENED
        review.refusals = [*review.refusals, {"by": actor.pk, "on": today.isoformat(), "reasons": reasons,
                                              "kind": review.kind}]
        review.save(update_fields=["status", "refusals"])
        _audit(actor, review, "review_refused", reasons=reasons)
        return review
    if review.notice_until and today <= review.notice_until:
        raise PaymentError("notice_running", _("The public notice runs until %(date)s: the change can be "
                                               "decided from the day after.")
                           % {"date": review.notice_until.isoformat()}, field="today")
    review.effective_from = _effective_from(review, decided_on=today)
    if review.kind != ReviewOutcome.UNCHANGED:
        household = Household.objects.get(pk=review.household_id)
        people = Person.objects.in_bulk([r["person"] for r in review.proposed_rows if r["person"]])
        rows = [{"tier": r["tier"], "person": people.get(r["person"]),
                 "monthly_amount": Decimal(r["amount"]) if r["amount"] else None} for r in review.proposed_rows]
        tier_memberships_replace(household=household, effective_from=review.effective_from, rows=rows,
                                 basis=_("Review %(id)s") % {"id": review.pk})
    review.status = ReviewStatus.DECIDED
    review.decided_by, review.decided_at, review.decided_on, review.reasons = actor, timezone.now(), today, reasons
    review.save()
    _audit(actor, review, "review_decided", kind=review.kind,
           effective_from=review.effective_from.isoformat() if review.effective_from else None)
    return review
