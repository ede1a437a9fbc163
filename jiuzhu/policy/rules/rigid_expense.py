"""Rigid-expenditure hardship households (RULES.md §5)."""
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import PPM, rule

RIGID_KINDS = ("medical", "education", "care", "rehabilitation", "living")


@rule("rigid_expense_12m", stage="household", label=_("Rigid expenditure over 12 months"), kind="amount",
      unit=_("yuan"), basis="rigid_expense")
def rigid_expense_12m(c):
    """Sum of the kinds the region counts (living, medical after insurance and aid, education, care,
    disability rehabilitation)."""
    total = 0
    for kind in RIGID_KINDS:
        total = total + getattr(c, f"p_rigid_expense_kinds_{kind}").ifelse(getattr(c, f"rigid_{kind}_12m"), 0)
    return total


@rule("income_below_disposable", stage="household", label=_("Per-capita income below last year's disposable income"),
      kind="condition", basis="rigid_expense")
def income_below_disposable(c):
    """Annual per-capita income (monthly × 12) strictly below last year's local per-capita disposable income."""
    return (c.counted_members > 0) & (c.income_net_total * 12 < c.disposable_income * c.counted_members)


@rule("rigid_share_ok", stage="household", label=_("Rigid expenditure above the share of income"),
      kind="condition", basis="rigid_expense")
def rigid_share_ok(c):
    """Rigid expenditure of the last 12 months exceeds the region's share (e.g. 60%) of 12 months' income."""
    return c.rigid_expense_12m * PPM > c.p_rigid_expense_income_share * c.income_counted_total * 12


@rule("rigid_expense", stage="total", label=_("Rigid-expenditure hardship household"), kind="condition",
      basis="rigid_expense")
def rigid_expense(c):
    """Not dibao, extreme poverty or marginal; income below last year's disposable income; assets within the
    limits; rigid expenditure above the share of income."""
    return (~c.dibao & ~c.dibao_marginal & (c.ep_members == 0) & c.income_below_disposable & c.assets_ok
            & c.rigid_share_ok)
