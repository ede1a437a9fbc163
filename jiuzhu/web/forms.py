"""Forms of the web pages. They only parse and validate input; the selectors do the reading."""
from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.regions import LEVEL_ORDER, RegionLevel
from jiuzhu.core.scope import region_list, user_region_prefix
from jiuzhu.registry.choices import HouseholdStatus, Hukou, Tier

# How many levels below the user's own the region filter offers. Two keeps the list short enough to
# scroll: a county assistant sees townships and villages, a prefecture sees counties and townships.
REGION_FILTER_DEPTH = 2


def region_filter_choices(*, user) -> list[tuple[str, str]]:
    """The regions below the user's own, in code order (so each village follows its township)."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return []
    own_level = user.home_region.level if prefix and user.home_region_id else None
    first = LEVEL_ORDER.index(RegionLevel(own_level)) + 1 if own_level else 0
    levels = LEVEL_ORDER[first : first + REGION_FILTER_DEPTH]
    if not levels:
        return []
    regions = region_list(user=user).filter(level__in=levels).only("code", "name", "name_en", "level")
    # Non-breaking spaces indent each level under its parent inside the <select>.
    return [
        (region.code, "\u00a0\u00a0" * (levels.index(region.level)) + region.display_name())
        for region in regions
    ]


def _with_blank(choices, blank_label) -> list[tuple[str, str]]:
    return [("", blank_label), *choices]


class HouseholdFilterForm(forms.Form):
    """Search and filters of the household list; every field is optional."""

    q = forms.CharField(
        label=_("Name or ID number"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, ID number or address")}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=_with_blank(Tier.choices, _("All tiers")))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_with_blank(HouseholdStatus.choices, _("All statuses")),
    )
    hukou = forms.ChoiceField(label=_("Hukou"), required=False, choices=_with_blank(Hukou.choices, _("All")))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only regions in the user's subtree are offered, so only they validate.
        self.fields["region"].choices = _with_blank(region_filter_choices(user=user), _("All regions"))

    def filters(self) -> dict[str, str]:
        """The valid filters as keyword arguments of `household_list`; invalid ones are dropped."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q", ""),
            "region_code": data.get("region", ""),
            "tier": data.get("tier", ""),
            "status": data.get("status", ""),
            "hukou": data.get("hukou", ""),
        }
