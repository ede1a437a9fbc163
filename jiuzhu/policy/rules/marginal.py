"""Dibao-marginal households and individual dibao for their key members (RULES.md §2, §4)."""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import PPM, mul_share, round_by_rule, rule


@rule("marginal_income_ok", stage="household", label=_("Per-capita income below the marginal bound"),
      kind="condition", basis="dibao_marginal")
def marginal_income_ok(c):
    """Below k × the dibao standard (k = 1.5 by default; 2 in Hangzhou); strict or inclusive as the region
    says; compared exactly without dividing."""
    income = c.income_net_total * PPM
    bound = c.p_marginal_multiplier * c.dibao_standard * c.counted_members
    return (c.counted_members > 0) & c.p_marginal_bound_inclusive.ifelse(income <= bound, income < bound)


@rule("individual_dibao_key", stage="member", label=_("Key member for individual dibao"), kind="condition",
      basis="dibao_individual")
def individual_dibao_key(c):
    """A counted member, not in extreme poverty, with a grade 1–2 disability of any type, a grade 3
    intellectual or mental disability, or a recognised serious illness."""
    return c.is_counted & ~c.extreme_poverty & ~c.work_refused & (c.severely_disabled | c.serious_illness)


@rule("individual_candidates", stage="total_agg", label=_("Key members for individual dibao"), kind="count",
      basis="dibao_individual")
def individual_candidates(c):
    """Counted members who qualify as key members for individual dibao."""
    return c.individual_dibao_key.cast("int64").sum()


@rule("dibao_marginal", stage="total", label=_("Dibao-marginal household"), kind="condition",
      basis="dibao_marginal")
def dibao_marginal(c):
    """Not dibao, not wholly in extreme poverty, per-capita income below the marginal bound, assets within
    the limits."""
    return (~c.dibao & (c.counted_members > c.ep_members) & c.marginal_income_ok & c.assets_ok)


@rule("individual_dibao_income_ok", stage="total", label=_("Within the individual dibao income cap"),
      kind="condition", basis="dibao_individual")
def individual_dibao_income_ok(c):
    """Where the region caps it, household per-capita income below the cap (a multiple of the standard)."""
    cap = c.p_dibao_individual_income_cap_multiple * c.dibao_standard * c.counted_members
    return (c.p_dibao_individual_income_cap_multiple == 0) | (c.income_net_total * PPM < cap)


@rule("individual_dibao_persons", stage="total", label=_("Members covered by individual dibao"),
      kind="count", basis="dibao_individual")
def individual_dibao_persons(c):
    """Key members covered by individual dibao: only in a dibao-marginal household within the income cap."""
    return (c.dibao_marginal & c.individual_dibao_income_ok).ifelse(c.individual_candidates, 0)


@rule("individual_dibao_per_person", stage="total", label=_("Individual dibao per person"), kind="amount",
      unit=_("yuan per month"), basis="dibao_individual")
def individual_dibao_per_person(c):
    """The larger of the differential (standard minus per-capita income) and the region's minimum share of
    the standard, rounded by the region's rule."""
    amount = ibis.greatest(c.dibao_standard - c.income_per_capita,
                           mul_share(c.dibao_standard, c.p_dibao_individual_min_share))
    return (c.individual_dibao_persons > 0).ifelse(round_by_rule(amount, c.p_rounding), 0)
