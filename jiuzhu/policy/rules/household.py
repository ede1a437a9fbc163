"""Household members, income and assets (RULES.md §1)."""
import ibis

from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import age_on, fen_div, greatest0, money, mul_share, rule
from jiuzhu.registry.choices import IncomeKind

INCOME_KINDS = [str(k) for k in IncomeKind.values]
SCHOOL_STAGES_CONTINUING = ("primary", "junior_secondary", "senior_secondary", "secondary_vocational")
EMPLOYED = ("employed", "self_employed", "flexible")


# --- person ------------------------------------------------------------------------------------------

@rule("age", stage="person", label=_("Age on the as-of date"), unit=_("years"))
def age(c):
    """Completed years of age on the date of evaluation."""
    return age_on(c.birth_date, c.as_of)


@rule("is_alive", stage="person", label=_("Alive on the as-of date"), kind="condition", explain=False)
def is_alive(c):
    return c.death_date.isnull() | (c.death_date > c.as_of)


@rule("is_counted", stage="person", label=_("Counted household member"), kind="condition",
      basis="household_members")
def is_counted(c):
    """Members living together count; clergy at a religious site for 3+ years, people in prison or compulsory
    drug rehabilitation, people declared missing, and the deceased do not."""
    return (c.death_date.isnull() | (c.death_date > c.as_of)) & (c.not_counted_reason == "")


@rule("income_counted", stage="person", label=_("Monthly income counted"), kind="amount", unit=_("yuan"),
      basis="household_income")
def income_counted(c):
    """Sum of the member's monthly income items, except the kinds the region excludes (pension base amount,
    allowances, awards, assistance money …); nothing for members who are not counted."""
    total = money(0)
    for kind in INCOME_KINDS:
        total = total + getattr(c, f"p_income_excluded_kinds_{kind}").ifelse(money(0), getattr(c, f"income_{kind}"))
    return c.is_counted.ifelse(total, 0)


@rule("income_excluded", stage="person", label=_("Monthly income not counted"), kind="amount", unit=_("yuan"),
      basis="household_income")
def income_excluded(c):
    """Income of excluded kinds (and all income of members who are not counted)."""
    total = money(0)
    for kind in INCOME_KINDS:
        total = total + getattr(c, f"income_{kind}")
    return total - c.income_counted


@rule("is_elderly", stage="person", label=_("Elderly"), kind="condition", explain=False)
def is_elderly(c):
    return c.age >= c.p_elderly_age


@rule("is_minor", stage="person", label=_("Minor"), kind="condition", explain=False)
def is_minor(c):
    return c.age < c.p_adult_age


@rule("severely_disabled", stage="person", label=_("Severely disabled"), kind="condition",
      basis="dibao_individual")
def severely_disabled(c):
    """Disability grade 1 or 2 of any type, or grade 3 intellectual or mental disability."""
    grade = c.disability_grade.fill_null(0)
    return ((grade >= 1) & (grade <= 2)) | ((grade == 3) & c.disability_type.isin(["intellectual", "mental"]))


@rule("no_labour_capacity", stage="person", label=_("No labour capacity"), kind="condition",
      basis="extreme_poverty_labour")
def no_labour_capacity(c):
    """Aged 60 or over; under the minor age (16, or 18 where the province says so) or a pupil of compulsory
    school, general senior secondary or secondary vocational school; intellectual or mental disability grade
    1–3, physical grade 1–2, visual grade 1; or assessed as having none."""
    grade = c.disability_grade.fill_null(9)
    return (
        (c.age >= c.p_elderly_age)
        | (c.age < c.p_extreme_poverty_minor_age)
        | c.student_stage.isin(list(SCHOOL_STAGES_CONTINUING))
        | (c.disability_type.isin(["intellectual", "mental"]) & (grade <= 3))
        | ((c.disability_type == "physical") & (grade <= 2))
        | ((c.disability_type == "visual") & (grade == 1))
        | (c.labour_capacity == "none")
    )


@rule("able_bodied_adult", stage="person", label=_("Able-bodied working-age adult"), kind="condition",
      explain=False)
def able_bodied_adult(c):
    """A counted member of working age with full labour capacity: a supporter inside the household."""
    return (c.is_counted & (c.age >= c.p_adult_age) & (c.age < c.p_elderly_age)
            & (c.labour_capacity == "full") & ~c.no_labour_capacity)


@rule("is_working", stage="person", label=_("Working"), kind="condition", explain=False)
def is_working(c):
    return c.is_counted & c.employment.isin(list(EMPLOYED))


@rule("work_refused", stage="person", label=_("Refused suitable work repeatedly"), kind="condition",
      basis="dibao_amount")
def work_refused(c):
    """Refusing suitable work the region's number of times in a row (3) without good reason stops the
    member's share."""
    return c.is_counted & (c.work_refusals >= c.p_work_refusal_limit)


# --- household aggregates ----------------------------------------------------------------------------

@rule("counted_members", stage="household_agg", label=_("Counted members"), kind="count",
      basis="household_members")
def counted_members(c):
    """Number of members counted in the household."""
    return c.is_counted.cast("int64").sum()


@rule("members_registered", stage="household_agg", label=_("Registered members"), kind="count")
def members_registered(c):
    """Everyone registered in the household, counted or not."""
    return c.person_id.count()


@rule("income_counted_total", stage="household_agg", label=_("Household monthly income counted"),
      kind="amount", unit=_("yuan"), basis="household_income")
def income_counted_total(c):
    """The counted monthly income of all members together."""
    return c.income_counted.sum()


@rule("income_excluded_total", stage="household_agg", label=_("Household monthly income not counted"),
      kind="amount", unit=_("yuan"), basis="household_income")
def income_excluded_total(c):
    """The monthly income of all members that is not counted."""
    return c.income_excluded.sum()


@rule("working_members", stage="household_agg", label=_("Working members"), kind="count", explain=False)
def working_members(c):
    return c.is_working.cast("int64").sum()


@rule("able_bodied_adults", stage="household_agg", label=_("Able-bodied working-age adults"), kind="count")
def able_bodied_adults(c):
    """Counted members of working age with full labour capacity: the supporters living in the household."""
    return c.able_bodied_adult.cast("int64").sum()


@rule("head_has_spouse", stage="household_agg", label=_("The head lives with a spouse"), kind="condition",
      explain=False)
def head_has_spouse(c):
    return (c.is_counted & (c.relation == "spouse")).cast("int64").sum() > 0


@rule("minor_children", stage="household_agg", label=_("Minor children"), kind="count", explain=False)
def minor_children(c):
    return (c.is_counted & c.is_minor & c.relation.isin(["child", "grandchild"])).cast("int64").sum()


# --- household ---------------------------------------------------------------------------------------

@rule("dibao_standard", stage="household", label=_("Dibao standard applied"), kind="amount",
      unit=_("yuan per person per month"), basis="dibao_eligibility")
def dibao_standard(c):
    """The local dibao standard for the household's hukou (urban or rural) in force on the date."""
    return (c.household_hukou == "urban").ifelse(c.p_dibao_standard_urban, c.p_dibao_standard_rural)


@rule("disposable_income", stage="household", label=_("Last year's per-capita disposable income applied"),
      kind="amount", unit=_("yuan per person per year"), basis="rigid_expense")
def disposable_income(c):
    """Last year's local per-capita disposable income for the household's hukou (urban or rural)."""
    return (c.household_hukou == "urban").ifelse(c.p_disposable_income_urban, c.p_disposable_income_rural)


@rule("income_deductions", stage="household", label=_("Deductions from income"), kind="amount",
      unit=_("yuan per month"), basis="household_income")
def income_deductions(c):
    """Where the region allows: rigid medical and rehabilitation costs (12-month total ÷ 12) and a fixed
    employment-cost deduction per working member."""
    medical = c.p_deduct_medical_expense.ifelse(
        fen_div(c.rigid_medical_12m + c.rigid_rehabilitation_12m, ibis.literal(12)), 0)
    return medical + c.p_employment_cost_deduction * c.working_members


@rule("income_net_total", stage="household", label=_("Household monthly income after deductions"),
      kind="amount", unit=_("yuan"), basis="household_income")
def income_net_total(c):
    """Counted monthly income less the deductions the region allows, never below zero."""
    return greatest0(c.income_counted_total - c.income_deductions)


@rule("income_per_capita", stage="household", label=_("Per-capita monthly income"), kind="amount",
      unit=_("yuan per person per month"), basis="household_income")
def income_per_capita(c):
    """Household income after deductions divided by the counted members, to the fen (half up)."""
    return fen_div(c.income_net_total, c.counted_members)


@rule("financial_assets_total", stage="household", label=_("Deposits and financial assets"), kind="amount",
      unit=_("yuan"), basis="household_assets")
def financial_assets_total(c):
    """Deposits plus financial assets (securities, funds, insurance)."""
    return c.deposits + c.financial_assets


@rule("financial_assets_limit", stage="household", label=_("Limit on deposits and financial assets"),
      kind="amount", unit=_("yuan"), basis="household_assets")
def financial_assets_limit(c):
    """Per counted member, the region's number of months of the dibao standard (e.g. 24)."""
    return mul_share(c.dibao_standard * c.counted_members, c.p_asset_financial_months)


@rule("assets_financial_ok", stage="household", label=_("Financial assets within the limit"),
      kind="condition", basis="household_assets")
def assets_financial_ok(c):
    """Deposits and financial assets do not exceed the limit."""
    return c.financial_assets_total <= c.financial_assets_limit


@rule("assets_dwellings_ok", stage="household", label=_("Dwellings within the limit"), kind="condition",
      basis="household_assets")
def assets_dwellings_ok(c):
    """No more dwellings than the region allows."""
    return c.dwelling_count <= c.p_asset_max_dwellings


@rule("assets_vehicle_ok", stage="household", label=_("No vehicle above the limit"), kind="condition",
      basis="household_assets")
def assets_vehicle_ok(c):
    """No car or truck above the region's value limit; motorised wheelchairs, motorcycles and e-bikes are
    exempt."""
    return (c.vehicle_count == 0) | ((c.p_asset_max_vehicle_value > 0) & (c.vehicle_value <= c.p_asset_max_vehicle_value))


@rule("assets_business_ok", stage="household", label=_("No business above the profit limit"),
      kind="condition", basis="household_assets")
def assets_business_ok(c):
    """No registered business whose annual profit exceeds the region's limit."""
    return (c.business_count == 0) | (c.business_annual_profit <= c.p_asset_max_business_profit)


@rule("assets_ok", stage="household", label=_("Assets pass every test"), kind="condition",
      basis="household_assets")
def assets_ok(c):
    """Financial assets, dwellings, vehicles and businesses all pass the region's limits."""
    return c.assets_financial_ok & c.assets_dwellings_ok & c.assets_vehicle_ok & c.assets_business_ok
