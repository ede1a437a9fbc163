"""Reads in policy: the standards of a region with their history, the households a screening run reads, and
the runs and results a user may see.

Households and screening results are personal data, so they are read only through the registry's
selectors (`household_scope`), like everywhere else.
"""
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from jiuzhu.core.models import Region
from jiuzhu.core.regions import ancestor_codes, level_of_code, region_prefix
from jiuzhu.core.scope import user_region_prefix
from jiuzhu.policy.errors import PolicyErrorCode, PolicyInputError
from jiuzhu.policy.models import ParameterValue, ScreeningResult, ScreeningRun
from jiuzhu.policy.parameters import NATIONAL, SPEC_BY_NAME, SPECS, ParameterTypeError
from jiuzhu.policy.resolve import ParameterBook, Resolved
from jiuzhu.registry.choices import HouseholdStatus
from jiuzhu.registry.models import Asset, Household, IncomeItem, LegalSupporter, Person, RigidExpense, TierMembership
from jiuzhu.registry.selectors import household_scope

# --- Standards --------------------------------------------------------------------------------------------


def code_prefix(code: str) -> str:
    """The subtree prefix of a 12-digit code ("" for the national code)."""
    if code == NATIONAL:
        return ""
    return region_prefix(code=code, level=level_of_code(code))


@dataclass
class StandardRow:
    """One parameter in force in a region on a date, and where its value comes from."""

    spec: Any
    resolved: Resolved
    origin: str              # own | inherited | national | default | missing
    origin_region: Region | None


def _resolve_each(book: ParameterBook, *, region_code: str, as_of: date) -> dict[str, Resolved]:
    """Like `ParameterBook.resolve`, but a parameter nobody has set is reported as missing instead of
    stopping the whole list: the standards page is where a county finds out what it still has to enter."""
    try:
        return book.resolve(region_code=region_code, as_of=as_of)
    except PolicyInputError as exc:
        if exc.code != PolicyErrorCode.NO_STANDARD:
            raise
    # The same chain as ParameterBook.resolve: the region, its ancestors from the nearest up, the nation.
    chain = [region_code] + list(reversed(ancestor_codes(region_code))) + [NATIONAL]
    out = {}
    for spec in SPECS:
        try:
            out[spec.name] = book._resolve_one(spec, chain, region_code, as_of)
        except PolicyInputError:
            out[spec.name] = Resolved(spec.name, None, "", None, "")
    return out


def standards_in_force(*, region_code: str, as_of: date, book: ParameterBook | None = None) -> list[StandardRow]:
    """Every parameter of the catalogue as it applies in a region on a date (catalogue order)."""
    book = book or ParameterBook.from_database()
    resolved = _resolve_each(book, region_code=region_code, as_of=as_of)
    regions = Region.objects.in_bulk([region_code, *ancestor_codes(region_code)]) if region_code != NATIONAL else {}
    rows = []
    for spec in SPECS:
        r = resolved[spec.name]
        if r.value is None:
            origin = "missing"
        elif r.region_code == "":
            origin = "default"
        elif r.region_code == region_code:
            origin = "own"
        elif r.region_code == NATIONAL:
            origin = "national"
        else:
            origin = "inherited"
        rows.append(StandardRow(spec=spec, resolved=r, origin=origin, origin_region=regions.get(r.region_code)))
    return rows


@dataclass
class OwnValueRow:
    value: ParameterValue
    parsed: Any
    in_force: bool
    entered_by: Any
    entered_at: Any
    last_changed_by: Any
    last_changed_at: Any


def standards_own_values(*, region_code: str, as_of: date, history_limit: int = 500) -> tuple[list[OwnValueRow], list]:
    """The region's own dated values (past ones included) with who entered and who last changed each, and
    the change log of those values (newest first), both from the simple-history records."""
    values = list(ParameterValue.objects.filter(region_code=region_code).order_by("name", "-effective_from"))
    records = list(
        ParameterValue.history.filter(region_code=region_code).select_related("history_user")
        .order_by("-history_date", "-history_id")[:history_limit]
    )
    by_object: dict[int, list] = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    in_force: dict[str, int] = {}
    for value in values:  # newest first within a name, so the first one not after as_of is in force
        if value.effective_from <= as_of and value.name not in in_force:
            in_force[value.name] = value.pk
    rows = []
    for value in values:
        history = by_object.get(value.pk, [])
        first = history[-1] if history else None
        last = history[0] if len(history) > 1 else None
        rows.append(OwnValueRow(
            value=value,
            parsed=_parsed(value.name, value.value),
            in_force=in_force.get(value.name) == value.pk,
            entered_by=first.history_user if first else value.created_by,
            entered_at=first.history_date if first else value.created_at,
            last_changed_by=last.history_user if last else None,
            last_changed_at=last.history_date if last else None,
        ))
    for record in records:
        record.parsed = _parsed(record.name, record.value)
    return rows, records


def _parsed(name: str, value: Any) -> Any:
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        return value
    try:
        return spec.parse(value)
    except ParameterTypeError:
        return value


# --- Households of a screening run ------------------------------------------------------------------------

def screening_households(*, user, region_code: str) -> QuerySet[Household]:
    """The households a run screens: those of the region subtree still in the registry (not exited).

    `user` None is the system itself (the nightly job); a person starting a run reads through their scope.
    """
    qs = household_scope(user=user) if user is not None else Household.objects.all()
    prefix = code_prefix(region_code)
    if prefix:
        qs = qs.filter(region__code__startswith=prefix)
    return qs.exclude(status=HouseholdStatus.EXITED).order_by("pk")


def screening_households_chunk(qs: QuerySet[Household], pks: list[int]) -> list[Household]:
    """One chunk of a run's households with everything `household_facts` reads, in seven queries."""
    return list(
        qs.filter(pk__in=pks).order_by("pk").prefetch_related(
            Prefetch("members", queryset=Person.objects.order_by("id")),
            Prefetch("income_items", queryset=IncomeItem.objects.order_by()),
            Prefetch("assets", queryset=Asset.objects.order_by()),
            Prefetch("rigid_expenses", queryset=RigidExpense.objects.order_by()),
            Prefetch("legal_supporters",
                     queryset=LegalSupporter.objects.select_related("supported_person").order_by("id")),
            Prefetch("tier_memberships", queryset=TierMembership.objects.order_by("-start_date", "id")),
        )
    )


# --- Runs and results -------------------------------------------------------------------------------------

def screening_run_list(*, user) -> QuerySet[ScreeningRun]:
    """Runs of regions within the user's subtree, newest first."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return ScreeningRun.objects.none()
    qs = ScreeningRun.objects.select_related("started_by").annotate(
        is_baseline=Exists(ScreeningRun.objects.filter(baseline=OuterRef("pk"))))
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    return qs.order_by("-started_at", "-id")


def screening_run_get(*, user, pk: int) -> ScreeningRun:
    """One run of the user's subtree; raises ScreeningRun.DoesNotExist otherwise."""
    return screening_run_list(user=user).get(pk=pk)


CHANGE_KINDS = ("any", "tier", "amount")


def screening_changes(*, user, run: ScreeningRun, change: str = "any", tier: str = "") -> QuerySet[ScreeningResult]:
    """The results of a run whose tier or amount would change, for the households the user may read.

    In a plain run the comparison is with the registry (registered tier and amount); in a what-if run it is
    with the baseline run, i.e. the households the proposal would affect.
    """
    if run.baseline_id:
        tier_q, amount_q = Q(baseline_tier_changed=True), Q(baseline_amount_changed=True)
    else:
        tier_q, amount_q = Q(tier_changed=True), Q(amount_changed=True)
    condition = {"tier": tier_q, "amount": amount_q}.get(change, tier_q | amount_q)
    qs = run.results.filter(condition).filter(household__in=household_scope(user=user).values("pk"))
    if tier:
        # The tier a household has either side of the comparison.
        before = "baseline_tier" if run.baseline_id else "registered_tier"
        qs = qs.filter(Q(tier=tier) | Q(**{before: tier}))
    return qs.select_related("household", "household__head", "household__region").order_by(
        "household__region_id", "household_id")
