"""Template filters for showing personal data: numbers are masked unless revealed (and audited)."""
from django import template

from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone

register = template.Library()


@register.filter
def mask_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def mask_account(value: str | None) -> str:
    return mask_account_number(value)


@register.filter
def person_name(user) -> str:
    """How a staff member is named on a page: their display name, else their user name."""
    if user is None:
        return ""
    return getattr(user, "display_name", "") or user.get_username()


@register.filter
def yuan(value) -> str:
    """An amount as ¥1,234.50, as everywhere else on the pages (— for none)."""
    from jiuzhu.policy.display import money

    return money(value)
