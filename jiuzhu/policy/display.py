"""How policy values are shown to people: money, shares, labels, parameter values, and the explained decision
of `screen_household` made readable. Used by the policy pages and by the case pages that show a verification
or a frozen decision."""
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.models import Region
from jiuzhu.policy.parameters import NATIONAL, SPEC_BY_NAME, ParameterTypeError
from jiuzhu.policy.rules import RULES
from jiuzhu.registry.choices import IncomeKind, Relation, ReviewClass, RigidExpenseKind, SelfCare, Tier

# --- How values are shown -----------------------------------------------------------------------------

CHOICE_LABELS = {
    "differential": gettext_lazy("Standard minus per-capita income"),
    "bands": gettext_lazy("Fixed bands"),
    "fen": gettext_lazy("To the fen"),
    "yuan_up": gettext_lazy("Up to the whole yuan"),
    "yuan_half_up": gettext_lazy("To the nearest yuan"),
    "none": gettext_lazy("None"),
    "amount": gettext_lazy("A fixed amount"),
    "share": gettext_lazy("A share of the standard"),
}
ADDON_GROUP_LABELS = {
    "elderly": gettext_lazy("Elderly"),
    "minor": gettext_lazy("Minors"),
    "student": gettext_lazy("Students"),
    "lone_parent": gettext_lazy("Lone parents"),
    "severely_disabled": gettext_lazy("Severely disabled"),
    "seriously_ill": gettext_lazy("Seriously ill"),
}
LIST_LABELS = {
    "income_excluded_kinds": dict(IncomeKind.choices),
    "rigid_expense_kinds": dict(RigidExpenseKind.choices),
    "addon_groups": ADDON_GROUP_LABELS,
}
# Rules whose value is a code: shown by its label.
RULE_VALUE_LABELS = {"tier": dict(Tier.choices), "self_care_level": dict(SelfCare.choices),
                     "review_class": dict(ReviewClass.choices)}
EMPTY = "—"


def money(value: Any) -> str:
    """¥1,234.50 (a minus sign for negative amounts)."""
    if value is None or value == "":
        return EMPTY
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "−" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def signed_money(value: Decimal | None) -> str:
    if value is None:
        return EMPTY
    return ("+" if value > 0 else "") + money(value)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def yes_no(value: Any) -> str:
    if value is None:
        return EMPTY
    return _("Yes") if value else _("No")


def tier_label(tier: str) -> str:
    return str(dict(Tier.choices).get(tier, tier)) if tier else _("No tier")


def parameter_display(name: str, value: Any) -> str:
    """A parameter value as a person reads it: yuan, %, labels, bands."""
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        return str(value)
    if value is None:
        return EMPTY
    try:
        # Stored (JSON) and parsed forms alike become the parsed form.
        value = spec.parse(value)
    except ParameterTypeError:
        return str(value)
    if spec.kind == "money":
        return money(value)
    if spec.kind == "share":
        return f"{_number(Decimal(value) * 100)}%"
    if spec.kind in {"number", "int"}:
        return _number(Decimal(value))
    if spec.kind == "bool":
        return yes_no(value)
    if spec.kind == "choice":
        return str(CHOICE_LABELS.get(value, value))
    if spec.kind == "list":
        labels = LIST_LABELS.get(name, {})
        return "、".join(str(labels.get(v, v)) for v in value) if value else _("(none)")
    if spec.kind == "bands":
        if not value:
            return _("(none)")
        parts = []
        for below, amount in value:
            shown = money(amount) if spec.band_value == "money" else f"×{_number(Decimal(amount))}"
            parts.append(_("below %(bound)s: %(value)s") % {"bound": money(below), "value": shown})
        return "; ".join(parts)
    return str(value)


def rule_value_display(entry: dict) -> str:
    """A rule's value in the explanation: money for amounts, yes/no for conditions, labels for codes."""
    value, kind = entry.get("value"), entry.get("kind")
    if kind == "amount":
        return money(value)
    if kind == "condition":
        return yes_no(value)
    if value is None or value == "":
        return EMPTY
    labels = RULE_VALUE_LABELS.get(entry.get("rule"))
    if labels:
        return str(labels.get(value, value))
    unit = entry.get("unit") or ""
    return f"{value} {unit}".strip()


def origin_label(origin: str, region: Region | None, code: str) -> str:
    if origin == "missing":
        return _("Not set: no region has entered it, and the rules have no default")
    if origin == "own":
        return _("Own value")
    if origin == "default":
        return _("National default (RULES.md)")
    if origin == "national":
        return _("National value")
    name = region.display_name() if region else code
    return _("Inherited from %(region)s") % {"region": name}


def region_name(code: str) -> str:
    if code == NATIONAL:
        return _("Whole country")
    region = Region.objects.filter(code=code).first()
    return region.display_name() if region else code


_RULES_BY_NAME = {r.name: r for r in RULES}


def _rules_display(entries: list[dict]) -> list[dict]:
    return [entry | {"display": rule_value_display(entry)} for entry in entries]


def explained_decision(decision: dict) -> dict:
    """The decision of `screen_household` with every value made readable."""
    summary = []
    for name, value in decision["summary"].items():
        rule = _RULES_BY_NAME.get(name)
        if rule is None or name in {"tier", "monthly_total"}:
            continue
        entry = {"rule": name, "value": value, "kind": rule.kind, "unit": str(rule.unit) if rule.unit else ""}
        summary.append({"label": str(rule.label), "display": rule_value_display(entry)})
    members = [m | {"relation_label": dict(Relation.choices).get(m["relation"], m["relation"]),
                    "tier_label": tier_label(m["person_tier"]) if m["person_tier"] else EMPTY,
                    "amount_display": money(m["monthly_amount"]), "rules": _rules_display(m["rules"])}
               for m in decision["members"]]
    supporters = [s | {"relation_label": dict(Relation.choices).get(s["relation"], s["relation"]),
                       "rules": _rules_display(s["rules"])} for s in decision["legal_supporters"]]
    parameters = []
    for p in decision["parameters"]:
        code = p["region_code"]
        parameters.append(p | {
            "display": parameter_display(p["name"], p["value"]),
            "origin": _("National default (RULES.md)") if not code else region_name(code),
        })
    return {
        "tier": decision["tier"], "tier_label": tier_label(decision["tier"]),
        "monthly_total": money(decision["monthly_total"]), "summary": summary,
        "household_rules": _rules_display(decision["household_rules"]),
        "members": members, "legal_supporters": supporters, "parameters": parameters,
    }
