"""Legal supporters outside the household (RULES.md §3: when a supporter "cannot support")."""
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import PPM, age_on, rule


@rule("supporter_age", stage="supporter", label=_("Supporter's age"), unit=_("years"))
def supporter_age(c):
    """The supporter's completed years of age on the date of evaluation."""
    return age_on(c.supporter_birth_date, c.as_of)


@rule("supporter_low_means", stage="supporter", label=_("Supporter's income and assets are low"),
      kind="condition", basis="extreme_poverty_supporter")
def supporter_low_means(c):
    """Annual income below last year's local per-capita disposable income and assets within the local
    financial-asset limit for one person. Unknown income or assets cannot show low means."""
    disposable = (c.household_hukou == "urban").ifelse(c.p_disposable_income_urban, c.p_disposable_income_rural)
    standard = (c.household_hukou == "urban").ifelse(c.p_dibao_standard_urban, c.p_dibao_standard_rural)
    return (
        c.supporter_annual_income.notnull() & (c.supporter_annual_income < disposable)
        & c.supporter_assets_value.notnull()
        & (c.supporter_assets_value * PPM <= c.p_asset_financial_months * standard)
    )


@rule("supporter_cannot_support", stage="supporter", label=_("Supporter cannot support"), kind="condition",
      basis="extreme_poverty_supporter")
def supporter_cannot_support(c):
    """The supporter is in extreme poverty; a dibao recipient aged 60+; aged 70+ with low income and assets;
    severely disabled (grade 1–2, or grade 3 intellectual/mental) with low income and assets; or without civil
    capacity, missing or in prison."""
    grade = c.supporter_disability_grade.fill_null(0)
    severe = ((grade >= 1) & (grade <= 2)) | (
        (grade == 3) & c.supporter_disability_type.isin(["intellectual", "mental"]))
    return (
        (c.supporter_tier == "extreme_poverty")
        | (c.supporter_tier.isin(["dibao", "dibao_individual"]) & (c.supporter_age >= 60))
        | ((c.supporter_age >= 70) & c.supporter_low_means)
        | (severe & c.supporter_low_means)
        | (c.supporter_incapacity != "")
    )


@rule("supporters_total", stage="supporter_agg", label=_("Legal supporters outside the household"),
      kind="count", basis="extreme_poverty_supporter")
def supporters_total(c):
    """Legal supporters of the member who live outside the household."""
    return c.supporter_id.count()


@rule("supporters_able", stage="supporter_agg", label=_("Supporters able to support"), kind="count",
      basis="extreme_poverty_supporter")
def supporters_able(c):
    """Of those supporters, how many are able to support."""
    return (~c.supporter_cannot_support).cast("int64").sum()
