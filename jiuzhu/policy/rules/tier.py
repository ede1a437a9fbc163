"""The household's resulting tier and its monthly total (one application sorted 特困 → dibao → marginal →
rigid expense, RULES.md §5)."""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import rule


@rule("tier", stage="total", label=_("Tier"), basis="rigid_expense")
def tier(c):
    """extreme_poverty when every counted member is; otherwise dibao, then dibao_marginal, then
    rigid_expense; empty when none applies. Individual tiers of members are listed per person."""
    return ibis.cases(
        ((c.ep_members > 0) & (c.ep_members == c.counted_members), "extreme_poverty"),
        (c.dibao, "dibao"),
        (c.dibao_marginal, "dibao_marginal"),
        (c.rigid_expense, "rigid_expense"),
        else_="",
    )


@rule("monthly_total", stage="total", label=_("Monthly total for the household"), kind="amount",
      unit=_("yuan per month"), basis="dibao_amount")
def monthly_total(c):
    """Dibao, extreme-poverty amounts and individual dibao together."""
    return c.dibao_amount + c.ep_amount_total + c.individual_dibao_per_person * c.individual_dibao_persons


@rule("tier_changed", stage="total", label=_("Differs from the registered tier"), kind="condition")
def tier_changed(c):
    """The tier the rules give differs from the tier the registry records."""
    return c.tier != c.registered_tier
