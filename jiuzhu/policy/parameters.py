"""The catalogue of policy parameters (RULES.md, every point marked "param").

Values are data: rows of `ParameterValue` keyed by region code and effective date, with the document that set
them. This module only says which parameters exist, their type, unit, labels and — where RULES.md states a
national rule or default — that default. A region without its own value inherits its parent's, up to the
national level (region code 000000000000).

Lists and bands are flattened into scalar columns (`flat_columns`) so that the batch engines see plain columns.
"""
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.choices import IncomeKind, RigidExpenseKind

NATIONAL = "000000000000"
MAX_BANDS = 6


class ParameterTypeError(ValueError):
    pass


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str                      # money | share | number | int | bool | choice | list | bands
    label: Any
    unit: Any = ""
    default: Any = None            # national default stated in RULES.md; None = must be set by a region
    choices: tuple = ()
    unsure: bool = False           # RULES.md marks the point "unsure": a parameter with a stated default
    help: Any = ""
    basis: str = ""
    band_value: str = "number"     # for bands: the kind of each band's value (money or number)
    engine: bool = True            # False: a procedure parameter (deadlines), not an input of the rules

    def parse(self, raw: Any) -> Any:
        """Turn a stored or typed value into its Python form, with a clear error naming the parameter."""
        try:
            return _PARSERS[self.kind](self, raw)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise ParameterTypeError(f"{self.name}: {exc}") from None

    def dump(self, value: Any) -> Any:
        """JSON form for storage: decimals as strings."""
        if self.kind in {"money", "share", "number"}:
            return str(value)
        if self.kind == "bands":
            return [[str(b), str(a)] for b, a in value]
        return value


def _money(spec, raw):
    value = Decimal(str(raw))
    if value < 0:
        raise ValueError("must not be negative")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("money has at most two decimals (fen)")
    return value.quantize(Decimal("0.01"))


def _decimal(spec, raw):
    if isinstance(raw, float):
        raise TypeError("give decimals as strings, not floats")
    value = Decimal(str(raw))
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _int(spec, raw):
    if isinstance(raw, bool) or int(raw) != Decimal(str(raw)):
        raise ValueError("must be a whole number")
    if int(raw) < 0:
        raise ValueError("must not be negative")
    return int(raw)


def _bool(spec, raw):
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in {"true", "1", "yes"}:
        return True
    if str(raw).lower() in {"false", "0", "no"}:
        return False
    raise ValueError("must be true or false")


def _choice(spec, raw):
    if raw not in spec.choices:
        raise ValueError(f"must be one of {', '.join(spec.choices)}")
    return raw


def _list(spec, raw):
    if not isinstance(raw, (list, tuple)):
        raise TypeError("must be a list")
    bad = [v for v in raw if v not in spec.choices]
    if bad:
        raise ValueError(f"unknown values {bad}; allowed: {', '.join(spec.choices)}")
    return tuple(raw)


def _bands(spec, raw):
    if not isinstance(raw, (list, tuple)) or len(raw) > MAX_BANDS:
        raise ValueError(f"must be a list of at most {MAX_BANDS} [upper bound, value] pairs")
    bands = [(_money(spec, b), _decimal(spec, a)) for b, a in raw]
    if [b for b, _ in bands] != sorted(b for b, _ in bands):
        raise ValueError("band upper bounds must increase")
    return tuple(bands)


_PARSERS = {"money": _money, "share": _decimal, "number": _decimal, "int": _int, "bool": _bool,
            "choice": _choice, "list": _list, "bands": _bands}

YUAN_PM = _("yuan per person per month")
YUAN_M = _("yuan per month")
YUAN_Y = _("yuan per person per year")
EXCLUDED_BY_DEFAULT = ("special_care", "family_planning", "scholarship", "government_assistance",
                       "pension_base", "disability_allowance", "orphan_allowance", "elderly_allowance")
ADDON_GROUPS = ("elderly", "minor", "student", "lone_parent", "severely_disabled", "seriously_ill")

SPECS: list[ParamSpec] = [
    # §2 dibao
    ParamSpec("dibao_standard_urban", "money", _("Dibao standard, urban"), YUAN_PM, basis="dibao_eligibility"),
    ParamSpec("dibao_standard_rural", "money", _("Dibao standard, rural"), YUAN_PM, basis="dibao_eligibility"),
    ParamSpec("dibao_amount_method", "choice", _("Dibao amount method"), default="differential",
              choices=("differential", "bands"), basis="dibao_amount",
              help=_("Differential: standard minus per-capita income; bands: a fixed amount per person by "
                     "per-capita income band.")),
    ParamSpec("dibao_bands_urban", "bands", _("Dibao bands, urban"), default=(), basis="dibao_amount",
              band_value="money",
              help=_("Pairs of [per-capita income below, amount per person].")),
    ParamSpec("dibao_bands_rural", "bands", _("Dibao bands, rural"), default=(), basis="dibao_amount",
              band_value="money",
              help=_("Pairs of [per-capita income below, amount per person].")),
    ParamSpec("dibao_floor_share", "share", _("Dibao floor per person, share of the standard"),
              default=Decimal("0"), basis="dibao_amount"),
    ParamSpec("rounding", "choice", _("Rounding of monthly amounts"), default="fen",
              choices=("fen", "yuan_up", "yuan_half_up"), basis="dibao_amount"),
    ParamSpec("addon_mode", "choice", _("Classified add-on: form"), default="none",
              choices=("none", "amount", "share"), basis="dibao_addon"),
    ParamSpec("addon_value", "number", _("Classified add-on per key member (yuan, or share of the standard)"),
              default=Decimal("0"), basis="dibao_addon"),
    ParamSpec("addon_groups", "list", _("Classified add-on: key member groups"), default=ADDON_GROUPS,
              choices=ADDON_GROUPS, basis="dibao_addon"),
    ParamSpec("elderly_age", "int", _("Age from which a person counts as elderly"), _("years"), default=60,
              basis="extreme_poverty_labour"),
    ParamSpec("adult_age", "int", _("Age of majority"), _("years"), default=18, basis="extreme_poverty_orphan"),
    ParamSpec("income_excluded_kinds", "list", _("Income kinds not counted"), default=EXCLUDED_BY_DEFAULT,
              choices=tuple(IncomeKind.values), basis="household_income"),
    ParamSpec("deduct_medical_expense", "bool", _("Deduct rigid medical and rehabilitation costs from income"),
              default=False, basis="household_income"),
    ParamSpec("employment_cost_deduction", "money", _("Employment cost deduction per working member"), YUAN_M,
              default=Decimal("0"), basis="household_income"),
    ParamSpec("work_refusal_limit", "int", _("Refusals of suitable work after which a member's share stops"),
              default=3, basis="dibao_amount"),
    ParamSpec("asset_financial_months", "number",
              _("Financial assets per person at most this many months of the dibao standard"),
              default=Decimal("24"), unsure=True, basis="household_assets"),
    ParamSpec("asset_max_dwellings", "int", _("Most dwellings a household may own"), default=1, unsure=True,
              basis="household_assets"),
    ParamSpec("asset_max_vehicle_value", "money",
              _("Highest value of a car or truck a household may own (0: none allowed)"), _("yuan"),
              default=Decimal("0"), unsure=True, basis="household_assets"),
    ParamSpec("asset_max_business_profit", "money", _("Highest annual profit of a registered business"),
              _("yuan per year"), default=Decimal("30000.00"), unsure=True, basis="household_assets"),
    ParamSpec("gradual_exit_months", "int", _("Gradual-exit period"), _("months"), default=0, unsure=True,
              basis="dibao_amount"),
    # §2 individual dibao
    ParamSpec("dibao_individual_min_share", "share", _("Individual dibao: minimum share of the standard"),
              default=Decimal("0.6"), unsure=True, basis="dibao_individual"),
    ParamSpec("dibao_individual_income_cap_multiple", "share",
              _("Individual dibao: household per-capita income cap, multiple of the standard (0: no cap)"),
              default=Decimal("0"), basis="dibao_individual"),
    # §3 extreme poverty
    ParamSpec("extreme_poverty_minor_age", "int", _("Under this age a person has no labour capacity"),
              _("years"), default=16, basis="extreme_poverty_labour"),
    ParamSpec("extreme_poverty_standard_urban", "money", _("Extreme-poverty basic living standard, urban"),
              YUAN_PM, default=Decimal("0"), basis="extreme_poverty_standard",
              help=_("0: the dibao standard times the multiple below.")),
    ParamSpec("extreme_poverty_standard_rural", "money", _("Extreme-poverty basic living standard, rural"),
              YUAN_PM, default=Decimal("0"), basis="extreme_poverty_standard",
              help=_("0: the dibao standard times the multiple below.")),
    ParamSpec("extreme_poverty_standard_multiple", "share",
              _("Extreme-poverty standard as a multiple of the dibao standard"), default=Decimal("1.3"),
              unsure=True, basis="extreme_poverty_standard"),
    ParamSpec("extreme_poverty_net_own_income", "bool",
              _("Net the person's own income against the extreme-poverty standard"), default=False,
              basis="extreme_poverty_standard"),
    ParamSpec("care_standard_full", "money", _("Care standard, fully self-caring"), YUAN_PM,
              basis="extreme_poverty_standard"),
    ParamSpec("care_standard_partial", "money", _("Care standard, partly dependent"), YUAN_PM,
              basis="extreme_poverty_standard"),
    ParamSpec("care_standard_none", "money", _("Care standard, fully dependent"), YUAN_PM,
              basis="extreme_poverty_standard"),
    ParamSpec("disposable_income_urban", "money", _("Last year's per-capita disposable income, urban"), YUAN_Y,
              basis="rigid_expense"),
    ParamSpec("disposable_income_rural", "money", _("Last year's per-capita disposable income, rural"), YUAN_Y,
              basis="rigid_expense"),
    # §4 marginal
    ParamSpec("marginal_multiplier", "share", _("Marginal bound, multiple of the dibao standard"),
              default=Decimal("1.5"), basis="dibao_marginal"),
    ParamSpec("marginal_bound_inclusive", "bool", _("Marginal bound includes the bound itself"), default=False,
              basis="dibao_marginal"),
    # §5 rigid expenditure
    ParamSpec("rigid_expense_income_share", "share",
              _("Rigid expenditure must exceed this share of household income"), default=Decimal("0.6"),
              unsure=True, basis="rigid_expense"),
    ParamSpec("rigid_expense_kinds", "list", _("Rigid expenditure kinds counted"),
              default=tuple(RigidExpenseKind.values), choices=tuple(RigidExpenseKind.values), basis="rigid_expense"),
    ParamSpec("rigid_expense_months", "int", _("Longest recognition of rigid-expenditure hardship"), _("months"),
              default=12, basis="rigid_expense"),
    # §6 temporary assistance
    ParamSpec("temporary_cap_multiple", "number", _("Temporary assistance cap, multiple of the dibao standard"),
              default=Decimal("10"), unsure=True, basis="temporary"),
    ParamSpec("temporary_emergency_min_multiple", "number",
              _("Emergency temporary assistance at least, multiple of the dibao standard"),
              default=Decimal("2"), unsure=True, basis="temporary"),
    ParamSpec("temporary_medical_bands", "bands",
              _("Medical temporary assistance: multiple of the standard by out-of-pocket cost"),
              default=((Decimal("10000"), Decimal("2")), (Decimal("30000"), Decimal("4")),
                       (Decimal("50000"), Decimal("6")), (Decimal("100000"), Decimal("8")),
                       (Decimal("99999999"), Decimal("10"))), unsure=True, basis="temporary",
              help=_("Pairs of [out-of-pocket cost below, multiple of the monthly dibao standard].")),
    ParamSpec("temporary_education_min_multiple", "number", _("Education temporary assistance at least"),
              default=Decimal("2"), unsure=True, basis="temporary"),
    ParamSpec("temporary_education_max_multiple", "number", _("Education temporary assistance at most"),
              default=Decimal("6"), unsure=True, basis="temporary"),
    ParamSpec("assist_first_limit", "money", _("Township limit for assistance first"), _("yuan"),
              default=Decimal("3000.00"), unsure=True, basis="temporary"),
    ParamSpec("assist_first_pay_hours", "int", _("Assistance first: pay within"), _("hours"), default=48,
              basis="temporary"),
    ParamSpec("assist_first_paperwork_days", "int", _("Assistance first: paperwork within"), _("working days"),
              default=5, basis="temporary"),
    ParamSpec("non_local_residence_months", "int",
              _("Residence needed by non-local people for non-emergency temporary assistance"), _("months"),
              default=3, unsure=True, basis="temporary"),
    # Children's allowances (carried for payments; Zaozhuang publishes them)
    ParamSpec("orphan_allowance", "money", _("Orphan basic living allowance"), YUAN_PM, default=Decimal("0"),
              basis="local_standard"),
    ParamSpec("unsupported_child_allowance", "money", _("De-facto unsupported child allowance"), YUAN_PM,
              default=Decimal("0"), basis="local_standard"),
    ParamSpec("orphan_higher_education_grant", "money", _("Orphan higher-education grant per academic year"),
              _("yuan per year"), default=Decimal("0"), basis="local_standard"),
    # Procedure and deadlines (RULES.md §7): read by the case workflow, not by the rules
    ParamSpec("public_notice_days", "int", _("Public notice period"), _("days"), default=7,
              basis="procedure", engine=False),
    ParamSpec("public_notice_mask_name", "bool", _("Public notices show the holder's name partly masked"),
              default=True, basis="procedure", engine=False,
              help=_("Our stricter default (RULES.md §9): the surname only, e.g. 张**.")),
    ParamSpec("procedure_working_days", "int", _("Whole procedure, from acceptance to decision"),
              _("working days"), default=30, basis="procedure", engine=False),
    ParamSpec("procedure_extended_working_days", "int", _("Whole procedure when extended"), _("working days"),
              default=45, basis="procedure", engine=False),
    ParamSpec("county_decision_working_days", "int", _("County decision after the public notice"),
              _("working days"), default=10, basis="procedure", engine=False),
    ParamSpec("refusal_notice_working_days", "int", _("Written refusal with reasons within"), _("working days"),
              default=3, basis="procedure", engine=False),
    # Monitoring and early warning (RULES.md §8): read by the indicator rules of jiuzhu/monitoring
    ParamSpec("medical_stay_threshold_monitored", "money",
              _("Large medical cost: one stay's self-paid cost, for a monitored person"), _("yuan"),
              default=Decimal("6000.00"), basis="monitoring", engine=False),
    ParamSpec("medical_stay_threshold_other", "money",
              _("Large medical cost: one stay's self-paid cost, for a person outside the registry"), _("yuan"),
              default=Decimal("10000.00"), basis="monitoring", engine=False),
    ParamSpec("medical_12m_threshold", "money", _("Large medical cost: self-paid costs over 12 months"),
              _("yuan"), default=Decimal("20000.00"), unsure=True, basis="monitoring", engine=False),
    ParamSpec("disaster_loss_threshold_other", "money",
              _("Disaster: direct loss from which a household outside the registry is visited"), _("yuan"),
              default=Decimal("10000.00"), unsure=True, basis="monitoring", engine=False),
    ParamSpec("severe_disability_max_grade", "int", _("Severe disability: grade at most"), default=2,
              basis="monitoring", engine=False),
    ParamSpec("verification_working_days", "int", _("On-site verification of a warning within"),
              _("working days"), default=5, unsure=True, basis="monitoring", engine=False),
    # Payments (RULES.md §2–3): shares of each level of government in a county's payments
    ParamSpec("funding_share_central", "share", _("Funding share of the central government"), default=Decimal("0"),
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("funding_share_provincial", "share", _("Funding share of the province"), default=Decimal("0"),
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("funding_share_prefecture", "share", _("Funding share of the prefecture"), default=Decimal("0"),
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("funding_share_county", "share", _("Funding share of the county"), default=Decimal("0.7"),
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("funding_share_township", "share", _("Funding share of the township"), default=Decimal("0.3"),
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("review_months_extreme_poverty", "int", _("Periodic review of 特困 recipients every"), _("months"),
              default=12, unsure=True, basis="local_standard", engine=False),
    ParamSpec("review_months_dibao", "int", _("Periodic review of dibao households every"), _("months"),
              default=6, unsure=True, basis="local_standard", engine=False),
    ParamSpec("review_months_dibao_marginal", "int", _("Periodic review of marginal households every"),
              _("months"), default=12, unsure=True, basis="local_standard", engine=False),
    ParamSpec("review_months_dibao_stable", "int",
              _("Periodic review of dibao households of only elderly, severely disabled or seriously ill members "
                "every"), _("months"), default=12, unsure=True, basis="local_standard", engine=False),
    ParamSpec("review_months_dibao_changing", "int",
              _("Periodic review of dibao households with members able to work every"), _("months"), default=3,
              unsure=True, basis="local_standard", engine=False),
    ParamSpec("link_match_threshold", "share", _("Record linkage: probability taken as the same person"),
              default=Decimal("0.80"), unsure=True, basis="monitoring", engine=False),
    ParamSpec("link_review_threshold", "share", _("Record linkage: probability sent to a clerk for review"),
              default=Decimal("0.60"), unsure=True, basis="monitoring", engine=False),
]
SPEC_BY_NAME: dict[str, ParamSpec] = {s.name: s for s in SPECS}


def to_engine(kind: str, value: Any) -> Any:
    """Engine form of a scalar: money in int fen, shares and multiples in int parts per million."""
    if kind == "money":
        return int(Decimal(value) * 100)
    if kind in {"share", "number"}:
        return int(Decimal(value) * 1_000_000)
    return value


def flat_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Scalar columns for the engines: `p_<name>`; lists become one bool per choice; bands become
    `p_<name>_<i>_below` (fen) / `p_<name>_<i>_value` with unused bands set so they never match."""
    out: dict[str, Any] = {}
    for spec in SPECS:
        if not spec.engine:
            continue
        value = values[spec.name]
        if spec.kind == "list":
            for choice in spec.choices:
                out[f"p_{spec.name}_{choice}"] = choice in value
        elif spec.kind == "bands":
            for i in range(MAX_BANDS):
                below, val = value[i] if i < len(value) else (Decimal("0"), Decimal("0"))
                out[f"p_{spec.name}_{i + 1}_below"] = to_engine("money", below)
                out[f"p_{spec.name}_{i + 1}_value"] = to_engine(spec.band_value, val)
            out[f"p_{spec.name}_count"] = len(value)
        else:
            out[f"p_{spec.name}"] = to_engine(spec.kind, value)
    return out


def parse_value_text(name: str, text: str) -> Any:
    """What a person types as a value, in the form the catalogue parses: JSON where it is JSON (lists,
    bands, true/false), otherwise the text; lists may also be written as codes separated by commas."""
    text = (text or "").strip()
    spec = SPEC_BY_NAME.get(name)
    if spec is not None and spec.kind == "bool":
        lowered = text.lower()
        if lowered in {"是", "yes", "true", "1"}:
            return True
        if lowered in {"否", "no", "false", "0"}:
            return False
    if spec is not None and spec.kind in {"money", "share", "number", "int"}:
        return text.replace(",", "").replace("，", "")
    try:
        return json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, ValueError):
        pass
    if spec is not None and spec.kind == "list":
        return [part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]
    return text
