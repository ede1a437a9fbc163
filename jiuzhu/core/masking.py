"""Masking of ID numbers, phone numbers and names for display (RULES.md §9: our stricter default)."""


def mask_id_number(value: str | None) -> str:
    """Keep the 6-digit region prefix and the last 4 characters: 370102********123X."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits of a mobile number: 138****5678."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    """Keep the surname only: 张** (used on public notices)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_account_number(value: str | None) -> str:
    """Keep only the last 4 characters of a bank account: ************1234."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]
