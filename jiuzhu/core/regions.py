"""Statistical division codes (统计用区划代码): 12 digits, 2 province + 2 prefecture + 2 county +
3 township + 3 village. A region's subtree is every code that starts with its significant prefix, so
subtree queries are an indexed `LIKE 'prefix%'` on the code."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


# Number of significant leading digits of a code at each level.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.PREFECTURE: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_ORDER = [
    RegionLevel.PROVINCE,
    RegionLevel.PREFECTURE,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
]


def region_prefix(*, code: str, level: str) -> str:
    """The leading digits that every code in this region's subtree shares."""
    return code[: PREFIX_LENGTH[RegionLevel(level)]]


def level_of_code(code: str) -> RegionLevel:
    """The level a well-formed 12-digit code denotes, from where its trailing zeros start."""
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"not a 12-digit division code: {code!r}")
    if code[2:] == "0" * 10:
        return RegionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return RegionLevel.PREFECTURE
    if code[6:] == "0" * 6:
        return RegionLevel.COUNTY
    if code[9:] == "000":
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


def ancestor_codes(code: str) -> list[str]:
    """Codes of the region's ancestors, province first, excluding the region itself."""
    level = level_of_code(code)
    result = []
    for ancestor_level in LEVEL_ORDER[: LEVEL_ORDER.index(level)]:
        n = PREFIX_LENGTH[ancestor_level]
        result.append(code[:n] + "0" * (12 - n))
    return result
