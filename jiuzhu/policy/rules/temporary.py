"""Temporary assistance (临时救助), for a household that asks for it (RULES.md §6).

The request is part of the facts: `temporary_type` (emergency | medical | education; empty when nothing is
asked) and `temporary_cost` (the out-of-pocket cost or the need). Amounts are multiples of the monthly dibao
standard, capped.
"""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import MAX_BANDS_RULE, mul_share, rule


@rule("temporary_eligible", stage="household", label=_("Temporary assistance applies"), kind="condition",
      basis="temporary")
def temporary_eligible(c):
    """Emergency type: at once, without an income test. Expenditure type (medical, education): a cost the
    household cannot bear, with income below last year's per-capita disposable income."""
    return (c.temporary_type == "emergency") | (
        c.temporary_type.isin(["medical", "education"]) & (c.temporary_cost > 0) & c.income_below_disposable)


@rule("temporary_medical_multiple", stage="household", label=_("Medical assistance multiple by cost band"),
      basis="temporary", explain=False)
def temporary_medical_multiple(c):
    multiple = None
    for i in range(MAX_BANDS_RULE, 0, -1):
        hit = c.temporary_cost < getattr(c, f"p_temporary_medical_bands_{i}_below")
        value = getattr(c, f"p_temporary_medical_bands_{i}_value")
        multiple = hit.ifelse(value, multiple if multiple is not None else c.p_temporary_cap_multiple)
    return multiple


@rule("temporary_amount", stage="household", label=_("Temporary assistance amount"), kind="amount",
      unit=_("yuan, once"), basis="temporary")
def temporary_amount(c):
    """Emergency: the cost or need, at least 2× the standard; medical: the band's multiple of the standard by
    out-of-pocket cost; education: the cost, between 2× and 6× the standard; never above the cap (10×)."""
    std = c.dibao_standard
    cap = mul_share(std, c.p_temporary_cap_multiple)
    emergency = ibis.greatest(c.temporary_cost, mul_share(std, c.p_temporary_emergency_min_multiple))
    medical = mul_share(std, c.temporary_medical_multiple)
    education = ibis.least(ibis.greatest(c.temporary_cost, mul_share(std, c.p_temporary_education_min_multiple)),
                           mul_share(std, c.p_temporary_education_max_multiple))
    amount = ibis.cases(
        (c.temporary_type == "emergency", emergency),
        (c.temporary_type == "medical", medical),
        (c.temporary_type == "education", education),
        else_=0,
    )
    return c.temporary_eligible.ifelse(ibis.least(amount, cap), 0)


@rule("assist_first_amount", stage="household", label=_("Amount the township may pay first"), kind="amount",
      unit=_("yuan"), basis="temporary")
def assist_first_amount(c):
    """Assistance first: up to the township's limit, paid within 48 hours, paperwork within 5 working days."""
    return ibis.least(c.temporary_amount, c.p_assist_first_limit)
