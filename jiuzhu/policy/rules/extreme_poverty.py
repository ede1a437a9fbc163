"""Extreme poverty (特困), decided per person (RULES.md §3)."""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.choices import SELF_CARE_PARTIAL_MAX_FAILED
from jiuzhu.policy.rules.base import greatest0, mul_share, round_by_rule, rule


@rule("ep_means_ok", stage="member", label=_("No means of living"), kind="condition",
      basis="extreme_poverty_means")
def ep_means_ok(c):
    """The person's own counted income is below the local dibao standard and the household's assets are
    within the limits."""
    return (c.income_counted < c.dibao_standard) & c.assets_ok


@rule("ep_no_supporter", stage="member", label=_("No legal supporter able to support"), kind="condition",
      basis="extreme_poverty_supporter")
def ep_no_supporter(c):
    """Every legal supporter outside the household cannot support, and no able-bodied working-age adult lives
    in the household (an able adult living with the person is taken to be able to support)."""
    return (c.supporters_able == 0) & (c.able_bodied_adults - c.able_bodied_adult.cast("int64") == 0)


@rule("ep_orphan_allowance_instead", stage="member", label=_("Takes the orphan allowance instead"),
      kind="condition", basis="extreme_poverty_orphan")
def ep_orphan_allowance_instead(c):
    """A minor who is an orphan or de-facto unsupported child and receives that allowance is not also 特困."""
    return (c.is_minor & c.child_status.isin(["orphan", "unsupported_child"])
            & (c.income_orphan_allowance > 0))


@rule("extreme_poverty", stage="member", label=_("Person in extreme poverty (特困)"), kind="condition",
      basis="extreme_poverty_conditions")
def extreme_poverty(c):
    """All three: no labour capacity, no means of living, no legal supporter able to support; and not taking
    the orphan allowance instead."""
    return (c.is_counted & c.no_labour_capacity & c.ep_means_ok & c.ep_no_supporter
            & ~c.ep_orphan_allowance_instead)


@rule("ep_standard", stage="member", label=_("Extreme-poverty basic living standard applied"), kind="amount",
      unit=_("yuan per month"), basis="extreme_poverty_standard")
def ep_standard(c):
    """The region's published basic-living standard for the hukou; where none is published, the dibao
    standard times the region's multiple (1.3), to the fen."""
    explicit = (c.household_hukou == "urban").ifelse(
        c.p_extreme_poverty_standard_urban, c.p_extreme_poverty_standard_rural)
    return (explicit > 0).ifelse(explicit, mul_share(c.dibao_standard, c.p_extreme_poverty_standard_multiple))


@rule("self_care_level", stage="member", label=_("Self-care ability"), basis="extreme_poverty_standard")
def self_care_level(c):
    """None of the six activities failed: fully self-caring; 1–3: partly dependent; 4 or more: fully
    dependent."""
    return ibis.cases((c.self_care_failed <= 0, "full"),
                      (c.self_care_failed <= SELF_CARE_PARTIAL_MAX_FAILED, "partial"), else_="none")


@rule("ep_care_amount", stage="member", label=_("Care standard applied"), kind="amount",
      unit=_("yuan per month"), basis="extreme_poverty_standard")
def ep_care_amount(c):
    """The region's care standard for the person's self-care ability."""
    return ibis.cases(
        (c.self_care_level == "full", c.p_care_standard_full),
        (c.self_care_level == "partial", c.p_care_standard_partial),
        else_=c.p_care_standard_none,
    )


@rule("ep_amount", stage="member", label=_("Extreme-poverty monthly amount"), kind="amount",
      unit=_("yuan per month"), basis="extreme_poverty_standard")
def ep_amount(c):
    """Basic living standard (less the person's own income where the region nets it) plus the care amount,
    rounded by the region's rule."""
    basic = c.p_extreme_poverty_net_own_income.ifelse(greatest0(c.ep_standard - c.income_counted), c.ep_standard)
    return c.extreme_poverty.ifelse(round_by_rule(basic + c.ep_care_amount, c.p_rounding), 0)
