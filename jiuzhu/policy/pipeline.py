"""The one evaluation pipeline: input tables → every rule, stage by stage → results.

The same Ibis expression is executed by DuckDB for one household on screen, by DuckDB over a Parquet
population, and by Spark; only the tables it starts from differ. Input column names are those of the
synthetic population's Parquet format (docs/synthetic-data.md); `params` is one row per `param_key`
(the first 9 digits of a region code: the township) with the flattened parameter columns `p_*`.
"""
from dataclasses import dataclass
from typing import Callable

import ibis
import ibis.expr.types as ir

from jiuzhu.policy.rules import RULES, STAGES, rules_of
from jiuzhu.policy.rules.base import aggregate_rules, apply_row_rules

PARAM_KEY_DIGITS = 9

# Columns a population may lack (the batch population has no pending request), with their neutral value.
OPTIONAL_HOUSEHOLD_COLUMNS = {
    "registered_tier": ("", "string"),
    "temporary_type": ("", "string"),
    "temporary_cost": (0, "int64"),
}
OPTIONAL_PERSON_COLUMNS = {"work_refusals": (0, "int64")}
SUPPORTER_FIELDS = ["name", "birth_date", "relation", "tier", "disability_type", "disability_grade",
                    "annual_income", "assets_value", "incapacity"]

HOUSEHOLD_OUTPUT = [
    "household_id", "region_code", "registered_tier", "tier", "tier_changed", "monthly_total",
    "counted_members", "income_counted_total", "income_net_total", "income_per_capita", "dibao_standard",
    "assets_ok", "dibao", "dibao_covered_persons", "dibao_amount", "dibao_marginal", "individual_dibao_persons",
    "individual_dibao_per_person", "rigid_expense", "rigid_expense_12m", "ep_members", "ep_amount_total",
    "gradual_exit", "temporary_amount", "review_class",
]
PERSON_OUTPUT = ["person_id", "household_id", "region_code", "person_tier", "person_amount", "age", "no_labour_capacity",
                 "income_counted", "self_care_level", "ep_standard", "ep_care_amount"]


@dataclass
class Evaluated:
    supporters: ir.Table
    persons: ir.Table       # member stage: every person with every person-level rule
    households: ir.Table    # total stage: every household with every household-level rule


def _with_defaults(table: ir.Table, defaults: dict) -> ir.Table:
    missing = {name: ibis.literal(value, type=type_) for name, (value, type_) in defaults.items()
               if name not in table.columns}
    return table.mutate(**missing) if missing else table


def to_fen(table: ir.Table) -> ir.Table:
    """Decimal yuan columns (the Parquet and JSON form) become int64 fen, the pipeline's money form."""
    schema = table.schema()
    converted = {name: (table[name] * 100).cast("int64") for name, dtype in schema.items() if dtype.is_decimal()}
    return table.mutate(**converted) if converted else table


def _no_cut(name: str, table: ir.Table) -> ir.Table:
    return table


# Columns kept whatever the rules read. The explanation shows every rule's result; a batch keeps only its
# outputs (and what person_tiers reads), so its rows stay narrow through joins and materialised stages.
_KEYS = {"household_id", "person_id", "supported_person_id", "supporter_id", "registered_tier", "region_code",
         "param_set"}
ALWAYS_KEEP = (_KEYS | {"supporter_name", "supporter_relation"} | set(HOUSEHOLD_OUTPUT) | set(PERSON_OUTPUT)
               | {r.name for r in RULES})
BATCH_KEEP = (_KEYS | set(HOUSEHOLD_OUTPUT) | set(PERSON_OUTPUT)
              | {"extreme_poverty", "individual_dibao_key", "ep_amount"})
# On supporter and person rows a batch keeps only the person outputs: household outputs (registered tier,
# region code) are joined from the household row where they are needed, not carried on every person row.
BATCH_PERSON_KEEP = ({"household_id", "person_id", "supported_person_id", "supporter_id", "param_set"}
                     | (set(PERSON_OUTPUT) - {"region_code"}) | {"extreme_poverty", "individual_dibao_key", "ep_amount"})
PERSON_LEVEL = {"supporter", "person", "member", "after_supporter", "after_person", "after_member"}


# Which stages read columns that flow through a stage's table: a member row is a person row joined with
# household results, a total row a household row joined with member aggregates.
FLOWS_THROUGH = {
    "all": STAGES,
    "supporter": ("supporter", "supporter_agg"),
    "person": ("person", "household_agg", "member", "total_agg"),
    "household": ("household", "member", "total"),
    "member": ("member", "total_agg"),
    "total": ("total",),
    # After a stage's rules: only what the stages downstream of it read.
    "after_supporter": ("supporter_agg",),
    "after_person": ("household_agg", "member", "total_agg"),
    "after_household": ("member", "total"),
    "after_member": ("total_agg",),
    "after_total": (),
}


def _pruner(usage: dict[str, set[str]] | None, always: set[str], person_always: set[str] | None = None):
    """With the columns each stage reads (see compiled._column_usage), drop at the start of a stage every
    column that no stage fed by this table reads: the engines copy fewer columns through joins, and the SQL
    stays small, so it compiles and plans fast."""
    def prune(table: ir.Table, stage: str, extra: frozenset = frozenset()) -> ir.Table:
        if usage is None:
            return table
        needed = set(person_always if person_always is not None and stage in PERSON_LEVEL else always) | extra
        for later in FLOWS_THROUGH[stage]:
            needed |= usage.get(later, set())
        keep = [c for c in table.columns if c in needed]
        return table.select(*keep) if len(keep) < len(table.columns) else table
    return prune


def evaluate(*, households: ir.Table, persons: ir.Table, supporters: ir.Table, params: ir.Table,
             cut: Callable[[str, ir.Table], ir.Table] = _no_cut,
             usage: dict[str, set[str]] | None = None, keep: set[str] = ALWAYS_KEEP,
             person_keep: set[str] | None = None) -> Evaluated:
    """Build the whole rule pipeline as Ibis expressions (nothing is executed here).

    `cut` is called at each stage boundary with the stage's table and returns the table the next stage
    starts from: the batch passes it through (one query, which the engine optimises as a whole); the single
    household replaces it by a named temporary table, so each stage is a small query that plans quickly."""
    prune = _pruner(usage, keep, person_keep)
    first = "all"
    params = prune(params, first, frozenset({"param_key", "param_set", "param_set_first"}))
    households = to_fen(prune(households, first, frozenset({"param_key", "hukou"})))
    persons = to_fen(prune(persons, first))
    supporters = supporters.rename(**{f"supporter_{f}": f for f in SUPPORTER_FIELDS if f in supporters.columns})
    supporters = to_fen(prune(supporters, first))
    # Parameters: a township key names a parameter set; the sets (a dozen or so nationally) are joined by a
    # small integer to each stage's rows, with only the parameters that stage reads, instead of riding on
    # household and person rows through the joins, aggregations and materialised stages.
    param_sets = params.filter(params.param_set_first).drop("param_key", "param_set_first")
    param_columns = [c for c in param_sets.columns if c != "param_set"]
    # Parameters an aggregation reads stay on the rows it aggregates.
    aggregated = set() if usage is None else (usage.get("household_agg", set()) | usage.get("total_agg", set())
                                              | usage.get("supporter_agg", set()))

    def with_params(table: ir.Table, stage: str) -> ir.Table:
        wanted = [c for c in param_columns if usage is None or c in usage.get(stage, set()) or c in aggregated]
        return table.inner_join(param_sets.select("param_set", *wanted), "param_set")

    def without_params(table: ir.Table) -> ir.Table:
        return table.drop(*[c for c in param_columns if c in table.columns and c not in aggregated])

    h = _with_defaults(households, OPTIONAL_HOUSEHOLD_COLUMNS).rename(household_hukou="hukou")
    h = h.mutate(param_key=h.region_code.substr(0, PARAM_KEY_DIGITS))
    h = h.inner_join(params.select("param_key", "param_set"), "param_key").drop("param_key")
    h_for_joins = h.drop(*[c for c in ("region_code", "address", "bank_account", "head_person_id", "status")
                           if c in h.columns])

    # Supporters outside the household.
    s = with_params(supporters.inner_join(h_for_joins, "household_id"), "supporter")
    s = cut("supporters", prune(apply_row_rules(prune(s, "supporter"), "supporter"), "after_supporter"))
    s_agg = aggregate_rules(s, "supporter_agg", by="supported_person_id")

    # Members with their household's facts and parameters.
    p = _with_defaults(persons, OPTIONAL_PERSON_COLUMNS)
    p = with_params(p.inner_join(h_for_joins, "household_id"), "person")
    p = p.left_join(s_agg, p.person_id == s_agg.supported_person_id).drop("supported_person_id")
    p = p.mutate(**{r.name: p[r.name].fill_null(0) for r in rules_of("supporter_agg")})
    p = apply_row_rules(prune(p, "person", frozenset({"param_set"})), "person")
    p = without_params(prune(p, "after_person", frozenset({"param_set"})))
    # Household facts that only member rules read are joined from the household table later (one row per
    # household) instead of being carried on every person row through the aggregation.
    from_household = set()
    if usage is not None:
        from_household = {c for c in h_for_joins.columns if c not in ("household_id", "param_set")} & (
            usage.get("member", set()) - usage.get("person", set()) - usage.get("household_agg", set())
            - usage.get("total_agg", set()))
        p = p.select(*[c for c in p.columns if c not in from_household])
    p = cut("persons", p)

    # Household stage.
    h_agg = aggregate_rules(p, "household_agg", by="household_id")
    hh = with_params(h.inner_join(h_agg, "household_id"), "household")
    hh = apply_row_rules(prune(hh, "household", frozenset(from_household | {"param_set"})), "household")
    hh = cut("households", without_params(prune(hh, "after_household", frozenset(from_household | {"param_set"}))))

    # Members again, seeing household results.
    household_results = [r.name for r in rules_of("household_agg") + rules_of("household")
                         if r.name in hh.columns and r.name not in p.columns]
    m = p.inner_join(hh.select("household_id", *household_results, *sorted(from_household)), "household_id")
    m = with_params(m, "member")
    m = cut("members", without_params(prune(apply_row_rules(prune(m, "member", frozenset({"param_set"})), "member"),
                                            "after_member")))

    # Household totals.
    t_agg = aggregate_rules(m, "total_agg", by="household_id")
    t = with_params(hh.inner_join(t_agg, "household_id"), "total")
    t = cut("totals", prune(apply_row_rules(prune(t, "total"), "total"), "after_total"))
    return Evaluated(supporters=s, persons=m, households=t)


def person_tiers(evaluated: Evaluated) -> ir.Table:
    """One row per person with a person-level tier: extreme poverty, or individual dibao in a marginal
    household."""
    m, t = evaluated.persons, evaluated.households
    candidates = m.filter(m.extreme_poverty | m.individual_dibao_key)
    joined = candidates.inner_join(
        t.select("household_id", "region_code", "individual_dibao_persons", "individual_dibao_per_person"),
        "household_id")
    individual = joined.individual_dibao_key & (joined.individual_dibao_persons > 0)
    out = joined.mutate(
        person_tier=ibis.cases((joined.extreme_poverty, "extreme_poverty"), (individual, "dibao_individual"),
                               else_=""),
        person_amount=ibis.cases((joined.extreme_poverty, joined.ep_amount),
                                 (individual, joined.individual_dibao_per_person),
                                 else_=ibis.literal(0, type="int64")),
    )
    out = out.filter(out.person_tier != "")
    return out.select(*PERSON_OUTPUT)


def household_results(evaluated: Evaluated) -> ir.Table:
    return evaluated.households.select(*HOUSEHOLD_OUTPUT)


# Output columns that are amounts (int fen in the engine): named with a _fen suffix in batch results.
AMOUNT_OUTPUTS = {r.name for r in RULES if r.kind == "amount"} | {"person_amount"}


def batch_results(evaluated: Evaluated) -> ir.Table:
    """One table for a batch result: a row per household and a row per person with a person-level tier
    (column `level`), amounts as `*_fen` integers. One expression, so the engine computes the shared stages
    once for both kinds of row."""
    households, persons = household_results(evaluated), person_tiers(evaluated)
    types = {**dict(households.schema().items()), **dict(persons.schema().items())}
    columns = list(dict.fromkeys(HOUSEHOLD_OUTPUT + PERSON_OUTPUT))

    def widen(table: ir.Table, level: str) -> ir.Table:
        return table.select(
            level=ibis.literal(level, type="string"),
            **{(f"{c}_fen" if c in AMOUNT_OUTPUTS else c): (table[c] if c in table.columns
                                                            else ibis.null(types[c])) for c in columns},
        )

    return widen(households, "household").union(widen(persons, "person"))
