"""Forms of the policy pages. They parse and validate input; services and selectors do the rest."""
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.regions import LEVEL_ORDER, RegionLevel
from jiuzhu.core.scope import region_list, user_region_prefix

from jiuzhu.policy.parameters import NATIONAL, SPECS, parse_value_text
from jiuzhu.policy.selectors import CHANGE_KINDS
from jiuzhu.registry.choices import Tier

# Levels below the user's own that the region selects offer (villages never: standards are set and
# what-ifs proposed for a township or a larger region).
REGION_DEPTH = 2
ADMIN_REGION_DEPTH = 3


def region_choices(*, user, national: bool = False) -> list[tuple[str, str]]:
    """The user's own region and the regions below it down to townships, in code order (so each region
    follows its parent, indented). An administrator of the whole country may also pick the national level.
    A village worker gets their village (standards are read there; the services refuse to set them)."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return []
    own = user.home_region if prefix else None
    first = LEVEL_ORDER.index(RegionLevel(own.level)) + 1 if own else 0
    depth = REGION_DEPTH if own else ADMIN_REGION_DEPTH
    levels = [lvl for lvl in LEVEL_ORDER[first:first + depth] if lvl != RegionLevel.VILLAGE]
    choices = []
    if own is not None:
        choices.append((own.code, own.display_name()))
    elif own is None and national:
        choices.append((NATIONAL, str(_("Whole country"))))
    if levels:
        indent = 1 if choices else 0
        regions = region_list(user=user).filter(level__in=levels).only("code", "name", "name_en", "level")
        choices += [(r.code, "\u00a0\u00a0" * (levels.index(r.level) + indent) + r.display_name()) for r in regions]
    return choices


def parameter_choices() -> list[tuple[str, str]]:
    return [(spec.name, f"{spec.label} ({spec.name})") for spec in SPECS]


class RegionDateForm(forms.Form):
    """Which region, on which date (the standards page, a screening run)."""

    region = forms.ChoiceField(label=_("Region"))
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, national: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user=user, national=national)
        if not self.is_bound:
            self.initial.setdefault("as_of", timezone.localdate())
            if self.fields["region"].choices:
                self.initial.setdefault("region", self.fields["region"].choices[0][0])

    def values(self) -> tuple[str, date] | None:
        """(region code, date) when valid; else None (the page then shows the errors)."""
        if not self.is_valid():
            return None
        return self.cleaned_data["region"], self.cleaned_data["as_of"]


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def as_of_or_today(self) -> date:
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class ParameterValueForm(forms.Form):
    """A new dated value of one parameter for one region, with the document that set it."""

    region_code = forms.CharField(widget=forms.HiddenInput, max_length=12)
    name = forms.ChoiceField(label=_("Parameter"))
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.CharField(
        label=_("Value"), max_length=2000,
        help_text=_("Money in yuan (941.00), shares as decimals (0.6), true or false, lists as codes separated "
                    "by commas, bands as JSON ([[\"1000\", \"300\"], …])."),
    )
    source_document = forms.CharField(label=_("Source document"), max_length=300)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = parameter_choices()

    def raw_value(self) -> Any:
        return parse_value_text(self.cleaned_data["name"], self.cleaned_data["value"])


class ParameterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("Columns region_code, name, effective_from, value, source_document, note."),
    )


class ProposalForm(forms.Form):
    """One proposed value of a what-if."""

    name = forms.ChoiceField(label=_("Parameter"), required=False)
    value = forms.CharField(label=_("Proposed value"), max_length=2000, required=False)
    effective_from = forms.DateField(
        label=_("Effective from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Blank: the date of the run."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [("", "—")] + parameter_choices()
        # The proposals are rows of a table whose headers are the labels; screen readers need them per field.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label)

    def clean(self):
        data = super().clean()
        if data.get("name") and not (data.get("value") or "").strip():
            self.add_error("value", _("Give the proposed value."))
        if (data.get("value") or "").strip() and not data.get("name"):
            self.add_error("name", _("Choose the parameter."))
        return data


ProposalFormSet = forms.formset_factory(ProposalForm, extra=3, max_num=10, absolute_max=10)


CHANGE_LABELS = {"any": _("Tier or amount"), "tier": _("Tier"), "amount": _("Amount")}


class ChangeFilterForm(forms.Form):
    change = forms.ChoiceField(label=_("Changes"), required=False,
                               choices=[(k, CHANGE_LABELS[k]) for k in CHANGE_KINDS])
    tier = forms.ChoiceField(label=_("Tier"), required=False,
                             choices=[("", _("All tiers"))] + list(Tier.choices))

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"change": data.get("change") or "any", "tier": data.get("tier") or ""}
