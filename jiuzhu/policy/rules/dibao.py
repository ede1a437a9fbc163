"""Minimum living allowance (dibao) for the household (RULES.md §2)."""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import MAX_BANDS_RULE, greatest0, mul_share, round_by_rule, rule


@rule("dibao_income_ok", stage="household", label=_("Per-capita income below the dibao standard"),
      kind="condition", basis="dibao_eligibility")
def dibao_income_ok(c):
    """Strictly below: household income < standard × counted members (compared exactly, without dividing)."""
    return (c.counted_members > 0) & (c.income_net_total < c.dibao_standard * c.counted_members)


@rule("lone_parent", stage="member", label=_("Lone parent"), kind="condition", explain=False)
def lone_parent(c):
    return c.is_counted & (c.relation == "head") & ~c.head_has_spouse & (c.minor_children > 0)


@rule("addon_key_member", stage="member", label=_("Key member for the classified add-on"), kind="condition",
      basis="dibao_addon")
def addon_key_member(c):
    """A counted member covered by the household's dibao who is elderly, a minor, a student, a lone parent,
    severely disabled or seriously ill — for the groups the region names."""
    group = (
        (c.is_elderly & c.p_addon_groups_elderly)
        | (c.is_minor & c.p_addon_groups_minor)
        | ((c.student_stage != "") & c.p_addon_groups_student)
        | (c.lone_parent & c.p_addon_groups_lone_parent)
        | (c.severely_disabled & c.p_addon_groups_severely_disabled)
        | (c.serious_illness & c.p_addon_groups_seriously_ill)
    )
    return c.is_counted & ~c.extreme_poverty & ~c.work_refused & (c.p_addon_mode != "none") & group


@rule("ep_members", stage="total_agg", label=_("Members in extreme poverty"), kind="count",
      basis="extreme_poverty_conditions")
def ep_members(c):
    """Counted members who are persons in extreme poverty."""
    return c.extreme_poverty.cast("int64").sum()


@rule("ep_amount_total", stage="total_agg", label=_("Extreme-poverty amounts, total"), kind="amount",
      unit=_("yuan per month"), basis="extreme_poverty_standard")
def ep_amount_total(c):
    """The extreme-poverty amounts of all members together."""
    return c.ep_amount.sum()


@rule("addon_members", stage="total_agg", label=_("Key members receiving the add-on"), kind="count",
      basis="dibao_addon")
def addon_members(c):
    """Key members who receive the classified add-on."""
    return c.addon_key_member.cast("int64").sum()


@rule("refusing_not_ep_members", stage="total_agg", label=_("Members who refused work, not in extreme poverty"),
      kind="count", basis="dibao_amount", explain=False)
def refusing_not_ep_members(c):
    """Members whose share stopped for refusing work, leaving out those covered as extreme poverty (already
    left out of dibao: they must not be subtracted twice)."""
    return (c.work_refused & ~c.extreme_poverty).cast("int64").sum()


@rule("dibao_covered_persons", stage="total", label=_("Persons covered by the household's dibao"),
      kind="count", basis="dibao_amount")
def dibao_covered_persons(c):
    """Counted members, less those covered as extreme poverty and those whose share stopped for refusing
    work."""
    return ibis.greatest(c.counted_members - c.ep_members - c.refusing_not_ep_members, 0)


@rule("dibao", stage="total", label=_("Dibao household"), kind="condition", basis="dibao_eligibility")
def dibao(c):
    """Per-capita income strictly below the standard, assets within the limits, and someone to cover."""
    return c.dibao_income_ok & c.assets_ok & (c.dibao_covered_persons > 0)


@rule("dibao_per_person", stage="total", label=_("Dibao per covered person"), kind="amount",
      unit=_("yuan per month"), basis="dibao_amount")
def dibao_per_person(c):
    """Differential method: standard minus per-capita income, at least the floor share of the standard.
    Bands method (where the region publishes bands for the hukou): the amount of the first band whose bound
    the per-capita income is below."""
    differential = ibis.greatest(c.dibao_standard - c.income_per_capita,
                                 mul_share(c.dibao_standard, c.p_dibao_floor_share))
    urban = c.household_hukou == "urban"
    banded = None
    for i in range(MAX_BANDS_RULE, 0, -1):
        below = urban.ifelse(getattr(c, f"p_dibao_bands_urban_{i}_below"), getattr(c, f"p_dibao_bands_rural_{i}_below"))
        value = urban.ifelse(getattr(c, f"p_dibao_bands_urban_{i}_value"), getattr(c, f"p_dibao_bands_rural_{i}_value"))
        hit = c.income_per_capita < below
        banded = hit.ifelse(value, banded if banded is not None else ibis.literal(0, type="int64"))
    bands_here = urban.ifelse(c.p_dibao_bands_urban_count, c.p_dibao_bands_rural_count) > 0
    return greatest0(((c.p_dibao_amount_method == "bands") & bands_here).ifelse(banded, differential))


@rule("addon_per_member", stage="total", label=_("Classified add-on per key member"), kind="amount",
      unit=_("yuan per month"), basis="dibao_addon")
def addon_per_member(c):
    """The region's add-on per key member: a fixed amount or a share of the dibao standard."""
    return ibis.cases(
        (c.p_addon_mode == "amount", mul_share(ibis.literal(100, type="int64"), c.p_addon_value)),
        (c.p_addon_mode == "share", mul_share(c.dibao_standard, c.p_addon_value)),
        else_=0,
    )


@rule("dibao_amount", stage="total", label=_("Dibao monthly amount"), kind="amount", unit=_("yuan per month"),
      basis="dibao_amount")
def dibao_amount(c):
    """Per covered person times covered persons, plus the add-on for each key member, rounded by the region's
    rule; nothing if the household is not dibao."""
    total = c.dibao_per_person * c.dibao_covered_persons + c.addon_per_member * c.addon_members
    return c.dibao.ifelse(round_by_rule(total, c.p_rounding), 0)


@rule("gradual_exit", stage="total", label=_("Gradual exit applies"), kind="condition", basis="dibao_amount")
def gradual_exit(c):
    """A household registered as dibao that no longer qualifies on income while someone works, assets still
    passing, where the region grants a gradual-exit period: benefit continues for that period."""
    return ((c.registered_tier == "dibao") & ~c.dibao & c.assets_ok & (c.working_members > 0)
            & (c.p_gradual_exit_months > 0))
