"""The rule framework: a rule is a named, documented Ibis expression over the columns of a household and its
members, evaluated the same way for one household on screen and for every household in a batch.

A rule belongs to a *stage*:

- ``supporter``  — one row per legal supporter outside the household (joined with the household's parameters)
- ``person``     — one row per member (with household facts, parameters and supporter aggregates)
- ``household_agg`` — aggregates of ``person`` columns, one row per household
- ``household``  — one row per household
- ``member``     — one row per member again, now seeing household results (person-level tiers)
- ``total_agg`` / ``total`` — household totals over members' results

Rule functions receive ``c``, a view of the current table: ``c.name`` is a column (an input fact, a parameter
``p_*`` or an earlier rule's result; ``c.as_of`` is the evaluation date). Dependencies are read from the names the
function uses, so rules that don't depend on each other are computed in one projection.

The evaluation date is a column (`as_of`, carried with the parameters), not a literal, so the compiled SQL
does not depend on the date and is compiled once per engine.
"""
from dataclasses import dataclass
from typing import Any, Callable

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

STAGES = ("supporter", "supporter_agg", "person", "household_agg", "household", "member", "total_agg", "total")


@dataclass(frozen=True)
class Rule:
    name: str
    stage: str
    fn: Callable[["Cols"], ir.Value]
    label: Any
    basis: str | None = None
    kind: str = "value"          # value | condition | amount | count
    unit: Any = ""
    doc: str = ""
    explain: bool = True         # shown in the explanation

    @property
    def uses(self) -> set[str]:
        return set(self.fn.__code__.co_names)


RULES: list[Rule] = []
_NAMES: set[str] = set()


def rule(name: str, *, stage: str, label, basis: str | None = None, kind: str = "value", unit="",
         explain: bool = True):
    """Register a rule. The function's docstring states the policy in plain words."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage}")

    def decorate(fn):
        if name in _NAMES:
            raise ValueError(f"rule {name} is defined twice")
        _NAMES.add(name)
        RULES.append(Rule(name=name, stage=stage, fn=fn, label=label, basis=basis, kind=kind, unit=unit,
                          doc=" ".join((fn.__doc__ or "").split()), explain=explain))
        return fn

    return decorate


def rules_of(stage: str) -> list[Rule]:
    return [r for r in RULES if r.stage == stage]


# When set (a dict of stage → names), every column a rule reads is recorded: the single-household compile uses
# it to keep, at each stage boundary, only the columns that later stages read.
ACCESS_LOG: dict[str, set[str]] | None = None


class Cols:
    """Column access for rule functions."""

    def __init__(self, table: ir.Table, stage: str = ""):
        self._t = table
        self._stage = stage

    def __getattr__(self, name: str) -> ir.Value:
        if name.startswith("__"):
            raise AttributeError(name)
        if ACCESS_LOG is not None:
            ACCESS_LOG.setdefault(self._stage, set()).add(name)
        try:
            return self._t[name]
        except Exception as exc:  # ibis raises its own error types
            raise AttributeError(f"no column {name!r} at this stage") from exc

    def has(self, name: str) -> bool:
        return name in self._t.columns


def rule_levels(stage: str) -> list[list[Rule]]:
    """A stage's rules grouped by dependency depth: a rule is one level above the deepest rule of the same
    stage it reads. Each level is one projection, so the SQL has as few layers as the logic allows."""
    level: dict[str, int] = {}
    for r in rules_of(stage):
        level[r.name] = 1 + max((level[d] for d in r.uses & level.keys()), default=0)
    depth = max(level.values(), default=0)
    return [[r for r in rules_of(stage) if level[r.name] == n] for n in range(1, depth + 1)]


def apply_row_rules(table: ir.Table, stage: str) -> ir.Table:
    """Add each rule of a row-wise stage as a column, one projection per dependency level."""
    for rules in rule_levels(stage):
        c = Cols(table, stage)
        table = table.mutate(**{r.name: r.fn(c).name(r.name) for r in rules})
    return table


def aggregate_rules(table: ir.Table, stage: str, by: str) -> ir.Table:
    """Aggregate a stage's rules over `table` grouped by `by`."""
    c = Cols(table, stage)
    # Cast to the declared type: engines widen sums (DuckDB's SUM of BIGINT is a 128-bit integer).
    aggregates = {}
    for r in rules_of(stage):
        expr = r.fn(c)
        # Built directly: Value.cast() drops a cast to the type the expression already has.
        aggregates[r.name] = ops.Cast(expr, to=expr.type()).to_expr()
    return table.group_by(by).aggregate(**aggregates)


# Small expression helpers shared by the rule modules -------------------------------------------------

def age_on(birth_date: ir.DateValue, as_of: ir.DateValue) -> ir.IntegerValue:
    """Completed years of age on `as_of` (a birthday on 29 February counts from 1 March in common years)."""
    before_birthday = (birth_date.month() * 100 + birth_date.day()) > (as_of.month() * 100 + as_of.day())
    # int64 on every engine: date parts are 32-bit in Spark and 64-bit in DuckDB (Ibis types both int32).
    years = as_of.year().cast("int64") - birth_date.year().cast("int64")
    return years - before_birthday.ifelse(1, 0)


# Money inside the pipeline is int64 fen; shares and multiples are int64 parts per million. Integer arithmetic
# is exact and identical on every engine (Ibis cannot mix decimal scales, and engines divide decimals and
# integers in floating point), so division is done only through `int_div`.
PPM = 1_000_000


def money(yuan) -> ir.IntegerValue:
    """A literal amount in yuan, as int64 fen."""
    from decimal import Decimal

    return ibis.literal(int(Decimal(str(yuan)) * 100), type="int64")


def int_div(a: ir.IntegerValue, b) -> ir.IntegerValue:
    """Floor of a ÷ b for a ≥ 0, b > 0, exactly: a − a mod b is a multiple of b, so the division is exact."""
    return ((a - a % b) / b).round().cast("int64")


def mul_share(fen: ir.IntegerValue, ppm: ir.IntegerValue) -> ir.IntegerValue:
    """fen × (ppm / 10⁶), rounded half up to the fen."""
    return int_div(fen * ppm * 2 + PPM, 2 * PPM)


def fen_div(fen: ir.IntegerValue, divisor: ir.IntegerValue) -> ir.IntegerValue:
    """fen ÷ divisor rounded half up to the fen; 0 when the divisor is 0."""
    d = ibis.greatest(divisor.cast("int64"), 1)
    return (divisor > 0).ifelse(int_div(fen * 2 + d, d * 2), 0)


def round_by_rule(fen: ir.IntegerValue, rounding: ir.StringValue) -> ir.IntegerValue:
    """The region's rounding of a monthly amount (param `rounding`): to the fen, up to the yuan, or half up
    to the yuan."""
    return ibis.cases(
        (rounding == "yuan_up", int_div(fen + 99, 100) * 100),
        (rounding == "yuan_half_up", int_div(fen + 50, 100) * 100),
        else_=fen,
    )


MAX_BANDS_RULE = 6  # = parameters.MAX_BANDS; bands are flattened into this many columns


def greatest0(expr: ir.IntegerValue) -> ir.IntegerValue:
    return ibis.greatest(expr, 0)
