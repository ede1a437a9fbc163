"""Screening runs: every household of a region subtree through the batch engine on a date, one stored result
per household beside what the registry holds; and what-if runs, which screen the same households with
proposed standards and compare them with a baseline screened from the same snapshot.

The path of a household is the path of the page's "screen now": `household_facts` → the household JSON →
`households_to_tables` → the compiled rules (`screen_tables`), so a run decides exactly what the page
explains. Households are read in chunks with everything the facts need prefetched (seven queries a chunk),
screened in one engine call per chunk, and their results bulk inserted; memory stays bounded by the chunk.

Runs are records, like import batches: re-running makes a new run and never changes an earlier one, and
nothing here writes to the registry or to the standards (a what-if proposal is never saved as a standard).
"""
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel, level_of_code
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.policy.facts import households_tables
from jiuzhu.policy.models import ScreeningResult, ScreeningRun, ScreeningRunStatus
from jiuzhu.policy.parameters import SPEC_BY_NAME, ParameterTypeError
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.policy.selectors import screening_households, screening_households_chunk
from jiuzhu.registry.choices import Tier
from jiuzhu.registry.models import Household

logger = logging.getLogger(__name__)

SCREENING_ROLES = {Role.COUNTY_BUREAU, Role.TOWNSHIP_ASSISTANT, Role.SUPERVISOR, Role.SYSTEM_ADMIN}
CHUNK_SIZE = 5000
MAX_STORED_ERRORS = 1000
WHAT_IF_SOURCE = "what-if"
FEN = Decimal("0.01")

# The household tiers the rules decide. Registered tiers the rules do not decide (poverty-relapse
# monitoring, other hardship) are compared as "no tier", so that they are not all reported as changes.
RULE_TIERS = (Tier.EXTREME_POVERTY, Tier.DIBAO, Tier.DIBAO_MARGINAL, Tier.RIGID_EXPENSE)
# Which household-level membership is "the" registered tier when a household holds more than one.
TIER_PRECEDENCE = [Tier.EXTREME_POVERTY, Tier.DIBAO, Tier.DIBAO_MARGINAL, Tier.RIGID_EXPENSE,
                   Tier.POVERTY_RELAPSE_RISK, Tier.OTHER_HARDSHIP, Tier.DIBAO_INDIVIDUAL]


def can_run_screening(user) -> bool:
    """County bureaus, township assistants, supervisors and administrators screen their subtree."""
    return bool(set(roles_of(user)) & SCREENING_ROLES)


def _check_region(*, actor, region_code: str, what_if: bool) -> None:
    if actor is not None:
        if not can_run_screening(actor):
            raise PermissionDenied(_("Your role may not start screening runs."))
        if not region_in_scope(user=actor, code=region_code):
            raise PermissionDenied(_("You may screen only your own region."))
    try:
        level = level_of_code(region_code)
    except ValueError:
        raise ValidationError({"region_code": _("Unknown region code %(code)s.") % {"code": region_code}}) from None
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region_code": _("Unknown region code %(code)s.") % {"code": region_code}})
    if what_if and level == RegionLevel.VILLAGE:
        raise ValidationError({"region_code": _("Standards are set for a township or a larger region.")})


def proposal_clean(*, region_code: str, name: str, effective_from: date, value: Any) -> dict:
    """A proposed parameter value checked like a standard, in the form `ParameterBook` takes as an override."""
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        raise ValidationError({"name": _("Unknown parameter %(name)s.") % {"name": name}})
    try:
        parsed = spec.parse(value)
    except ParameterTypeError as exc:
        raise ValidationError({"value": str(exc)}) from None
    return {"region_code": region_code, "name": name, "effective_from": effective_from,
            "value": spec.dump(parsed), "source_document": WHAT_IF_SOURCE}


def registered_state(household: Household, *, as_of: date) -> tuple[str, Decimal | None]:
    """The tier and monthly amount the registry holds for a household on a date (memberships prefetched).

    The tier is the household-level membership; a household whose members hold 特困 each (a person-level
    tier) counts as 特困. The amount is the sum of the active memberships' monthly amounts (household and
    person level, e.g. 单人保 in a marginal household), None when none has one.
    """
    active = [m for m in household.tier_memberships.all() if m.is_active_on(as_of)]
    household_level = {m.tier for m in active if m.person_id is None}
    tier = next((t for t in TIER_PRECEDENCE if t in household_level), "")
    if not tier and any(m.tier == Tier.EXTREME_POVERTY for m in active):
        tier = Tier.EXTREME_POVERTY
    amounts = [m.monthly_amount for m in active if m.monthly_amount is not None]
    return str(tier), (sum(amounts, Decimal("0.00")) if amounts else None)


def _comparable(tier: str) -> str:
    return tier if tier in RULE_TIERS else ""


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(FEN)


@dataclass
class _Side:
    """One run being filled: the standards it screens with, and its running totals."""

    run: ScreeningRun
    book: ParameterBook
    screened: Counter = field(default_factory=Counter)
    registered: Counter = field(default_factory=Counter)
    entering: Counter = field(default_factory=Counter)
    leaving: Counter = field(default_factory=Counter)
    total: Decimal = Decimal("0.00")
    registered_total: Decimal = Decimal("0.00")
    tier_changes: int = 0
    amount_changes: int = 0
    baseline_tier_changes: int = 0
    baseline_amount_changes: int = 0
    screened_count: int = 0


def screening_run_start(*, actor, region_code: str, as_of: date, chunk_size: int = CHUNK_SIZE) -> ScreeningRun:
    """Screen every household of a region subtree on `as_of` with the standards in force, and store one
    result per household. `actor` None is the nightly job. Runs synchronously; returns the finished run
    (status done, or failed with the reason)."""
    _check_region(actor=actor, region_code=region_code, what_if=False)
    run = ScreeningRun.objects.create(region_code=region_code, as_of=as_of, started_by=actor)
    _execute([_Side(run, ParameterBook.from_database())], actor=actor, region_code=region_code, as_of=as_of,
             chunk_size=chunk_size)
    return run


def screening_whatif_start(*, actor, region_code: str, as_of: date, proposals: list[dict],
                           chunk_size: int = CHUNK_SIZE) -> ScreeningRun:
    """Screen a region's households twice from one snapshot: with the standards in force (the baseline run)
    and with proposed values for the region on top of them (the what-if run, returned, whose `baseline` is
    the first). Each proposal is a dict of name, value and effective_from; none is saved as a standard."""
    _check_region(actor=actor, region_code=region_code, what_if=True)
    if not proposals:
        raise ValidationError(_("Propose at least one value."))
    overrides = [proposal_clean(region_code=region_code, name=p["name"], effective_from=p["effective_from"],
                                value=p["value"]) for p in proposals]
    stored = [o | {"effective_from": o["effective_from"].isoformat()} for o in overrides]
    baseline = ScreeningRun.objects.create(region_code=region_code, as_of=as_of, started_by=actor)
    proposed = ScreeningRun.objects.create(region_code=region_code, as_of=as_of, started_by=actor,
                                           what_if=stored, baseline=baseline)
    _execute([_Side(baseline, ParameterBook.from_database()),
              _Side(proposed, ParameterBook.from_database(overrides=overrides))],
             actor=actor, region_code=region_code, as_of=as_of, chunk_size=chunk_size)
    proposed.refresh_from_db()
    return proposed


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _execute(sides: list[_Side], *, actor, region_code: str, as_of: date, chunk_size: int) -> None:
    runs = [side.run for side in sides]
    qs = screening_households(user=actor, region_code=region_code)
    pks = list(qs.values_list("pk", flat=True))
    ScreeningRun.objects.filter(pk__in=[r.pk for r in runs]).update(households_total=len(pks))
    for run in runs:
        run.households_total = len(pks)
    errors: list[dict] = []
    failed = done = 0
    try:
        for chunk in _chunks(pks, chunk_size):
            households = screening_households_chunk(qs, chunk)
            registered = {h.pk: registered_state(h, as_of=as_of) for h in households}
            tables, chunk_errors = households_tables(households, as_of=as_of)
            failed += len(chunk_errors)
            errors.extend(chunk_errors[: max(0, MAX_STORED_ERRORS - len(errors))])
            done += len(chunk)
            _screen_chunk(sides, tables=tables, registered=registered, as_of=as_of, done=done)
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded with its reason, then reported
        logger.exception("screening run %s failed", [r.pk for r in runs])
        # Half a run would list half the changes as if they were all: a failed run keeps no results.
        ScreeningResult.objects.filter(run__in=runs).delete()
        ScreeningRun.objects.filter(pk__in=[r.pk for r in runs]).update(
            status=ScreeningRunStatus.FAILED, failure=f"{type(exc).__name__}: {exc}", finished_at=timezone.now(),
            errors=errors, households_failed=failed,
        )
        for run in runs:
            run.refresh_from_db()
        return
    finished = timezone.now()
    for side in sides:
        run = side.run
        run.status = ScreeningRunStatus.DONE
        run.finished_at = finished
        run.households_done = done
        run.households_screened = side.screened_count
        run.households_failed = failed
        run.errors = errors
        run.monthly_total = side.total
        run.registered_monthly_total = side.registered_total
        run.tier_changes = side.tier_changes
        run.amount_changes = side.amount_changes
        run.counts = {
            "screened": dict(side.screened),
            "registered": dict(side.registered),
            **({"entering": dict(side.entering), "leaving": dict(side.leaving),
                "baseline_tier_changes": side.baseline_tier_changes,
                "baseline_amount_changes": side.baseline_amount_changes} if run.baseline_id else {}),
        }
        run.save()


def _screen_chunk(sides: list[_Side], *, tables, registered: dict, as_of: date, done: int) -> None:
    from jiuzhu.engine.base import screen_tables

    baseline: dict[int, tuple[str, Decimal]] = {}
    with transaction.atomic():
        for side in sides:
            results = []
            if tables["households"].num_rows:
                out = screen_tables(tables=tables, as_of=as_of, book=side.book)["household"]
                rows = zip(out.column("household_id").to_pylist(), out.column("tier").to_pylist(),
                           out.column("monthly_total").to_pylist())
            else:
                rows = []
            for household_id, tier, total_fen in rows:
                tier = tier or ""
                total = _yuan(total_fen)
                registered_tier, registered_amount = registered[household_id]
                result = ScreeningResult(
                    run=side.run, household_id=household_id, tier=tier, monthly_total=total,
                    registered_tier=registered_tier, registered_amount=registered_amount,
                    tier_changed=tier != _comparable(registered_tier),
                    amount_changed=total != (registered_amount or Decimal("0.00")),
                )
                if side.run.baseline_id:
                    before_tier, before_total = baseline[household_id]
                    result.baseline_tier, result.baseline_total = before_tier, before_total
                    result.baseline_tier_changed = tier != before_tier
                    result.baseline_amount_changed = total != before_total
                    if result.baseline_tier_changed:
                        side.entering[tier] += 1
                        side.leaving[before_tier] += 1
                    side.baseline_tier_changes += result.baseline_tier_changed
                    side.baseline_amount_changes += result.baseline_amount_changed
                else:
                    baseline[household_id] = (tier, total)
                side.screened[tier] += 1
                side.registered[_comparable(registered_tier)] += 1
                side.total += total
                side.registered_total += registered_amount or Decimal("0.00")
                side.tier_changes += result.tier_changed
                side.amount_changes += result.amount_changed
                results.append(result)
            ScreeningResult.objects.bulk_create(results, batch_size=1000)
            side.screened_count += len(results)
        ScreeningRun.objects.filter(pk__in=[s.run.pk for s in sides]).update(households_done=done)
