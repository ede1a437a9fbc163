"""Resident ID numbers (居民身份证号码, GB 11643-1999).

An 18-character number is laid out as

    RRRRRR YYYYMMDD SSS C
    region birth    seq check

- RRRRRR: the administrative division code (GB/T 2260) where the number was first issued. Only its first
  two digits (the province) are checked here: county codes are renamed and merged over the years, and an old
  number keeps its old code for life, so no current code list can reject a six-digit prefix.
- YYYYMMDD: the date of birth.
- SSS: a sequence number; its last digit is odd for men and even for women.
- C: an ISO 7064 MOD 11-2 check character, a digit or X (standing for 10).

Numbers issued before 1999 had 15 digits (RRRRRR YYMMDD SSS, century 19, no check character); they are still
found in old files and are converted by inserting "19" and computing the check character.

`parse_id_number` is the one full validation. `normalize_id_number` only tidies what people type into the
canonical 18-character form (and converts 15-digit numbers); it does not check the region, date or check
character. Every failure raises `IdNumberError` with a stable `code` and a translatable message.

This module is pure Python: the only Django import is `gettext_lazy`, which needs configured settings only
when a message is rendered (`err.message`, `str(err)`).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "PROVINCE_CODES",
    "IdNumber",
    "IdNumberError",
    "IdNumberErrorCode",
    "check_digit",
    "is_valid_id_number",
    "make_id_number",
    "normalize_id_number",
    "parse_id_number",
]

Sex = Literal["male", "female"]

# The earliest birth date we accept. The standard's own example (440524188001010014) is born 1880-01-01,
# and the oldest residents' household registrations do record birth years before 1900; refusing them
# would lock a real person out of assistance. Typing errors in the year are caught by the check
# character anyway (MOD 11-2 detects every single wrong digit), so this bound only rejects the absurd.
EARLIEST_BIRTH_DATE = date(1880, 1, 1)

# Province-level division codes (GB/T 2260), plus 83: residence permits for residents of Hong Kong, Macao
# and Taiwan (港澳台居民居住证, 2018) carry 18-character numbers starting 810000, 820000 and 830000.
# Deliberately absent: numbers of the 2023 foreigners' permanent residence ID card, which start with 9
# followed by a province and a nationality code rather than a division code.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]  # Beijing, Tianjin, Hebei, Shanxi, Inner Mongolia
    + [str(n) for n in range(21, 24)]  # Liaoning, Jilin, Heilongjiang
    + [str(n) for n in range(31, 38)]  # Shanghai … Shandong
    + [str(n) for n in range(41, 47)]  # Henan … Hainan
    + [str(n) for n in range(50, 55)]  # Chongqing … Tibet
    + [str(n) for n in range(61, 66)]  # Shaanxi … Xinjiang
    + ["71", "81", "82", "83"]  # Taiwan, Hong Kong, Macao, Taiwan residents' residence permits
)

_ASCII_DIGITS = frozenset("0123456789")

# ISO 7064 MOD 11-2: the weight of position i (0-based, left to right) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# The check character indexed by the weighted sum mod 11, chosen so that the full sum is 1 mod 11.
_CHECK_CHARACTERS = "10X98765432"

# Characters that people type or paste between the digit groups and that carry no meaning: every Unicode
# space (str.isspace covers the ideographic space U+3000 and no-break space), the zero-width characters
# that come along when copying from web pages and Word, and the hyphen and dash family.
_SEPARATORS = frozenset("\u200b\u200c\u200d\u2060\ufeff-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")

# Look-alikes that Chinese input methods produce: full-width digits and letters, and the Roman numeral
# ten (Ⅹ, ⅹ), which IMEs offer for "X". Deliberately not NFKC normalisation, which would also turn
# circled or superscript digits into digits.
_LOOKALIKES = str.maketrans(
    {
        **{chr(0xFF10 + n): str(n) for n in range(10)},
        "x": "X",
        "\uff38": "X",  # Ｘ
        "\uff58": "X",  # ｘ
        "\u2169": "X",  # Ⅹ
        "\u2179": "X",  # ⅹ
    }
)


class IdNumberErrorCode(enum.StrEnum):
    """Why an ID number was refused. The values are stable: they appear in API and command output."""

    EMPTY = "empty"
    BAD_CHARACTERS = "bad_characters"
    BAD_LENGTH = "bad_length"
    MISPLACED_X = "misplaced_x"
    BAD_REGION = "bad_region"
    BAD_BIRTH_DATE = "bad_birth_date"
    EARLY_BIRTH_DATE = "early_birth_date"
    FUTURE_BIRTH_DATE = "future_birth_date"
    BAD_CHECKSUM = "bad_checksum"


_MESSAGES = {
    IdNumberErrorCode.EMPTY: _("Enter an ID number."),
    IdNumberErrorCode.BAD_CHARACTERS: _(
        "An ID number may contain only digits and, as its last character, the letter X. "
        "Not allowed: %(characters)s"
    ),
    IdNumberErrorCode.BAD_LENGTH: _(
        "An ID number has 18 characters (15 digits for an old number), not %(length)s."
    ),
    IdNumberErrorCode.MISPLACED_X: _(
        "The letter X may appear only as the last character of an 18-character ID number."
    ),
    IdNumberErrorCode.BAD_REGION: _(
        "The ID number begins with %(region)s, which is not a province-level region code."
    ),
    IdNumberErrorCode.BAD_BIRTH_DATE: _("The birth date %(birth_date)s in the ID number is not a real date."),
    IdNumberErrorCode.EARLY_BIRTH_DATE: _(
        "The birth date %(birth_date)s in the ID number is before %(earliest)s, the earliest accepted."
    ),
    IdNumberErrorCode.FUTURE_BIRTH_DATE: _(
        "The birth date %(birth_date)s in the ID number is in the future."
    ),
    IdNumberErrorCode.BAD_CHECKSUM: _(
        "The check character (the last one) of the ID number is %(actual)s, but the first 17 digits "
        "require %(expected)s. Please look for a mistyped digit."
    ),
}


class IdNumberError(ValueError):
    """An ID number was refused, with a stable `code` and the values its message quotes (`params`).

    The message is rendered in the active language each time it is read, so an error raised while
    importing a file can be shown later to a user with another language. To turn it into a form
    error: `ValidationError(err.message_template, code=err.code, params=err.params)`.
    """

    def __init__(self, code: IdNumberErrorCode | str, **params: Any) -> None:
        code = IdNumberErrorCode(code)
        # Only the code goes into args, so that repr() and pickling never need translations.
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message_template(self):
        """The lazy, untranslated message with %(name)s placeholders."""
        return _MESSAGES[self.code]

    @property
    def message(self) -> str:
        """The message in the active language, with the parameters filled in."""
        return str(self.message_template) % self.params

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdNumber:
    """A valid resident ID number and what it says about its holder."""

    number: str  # the canonical 18 characters
    birth_date: date
    sex: Sex
    region_prefix: str  # first 6 digits: the division where the number was issued
    was_converted_from_15: bool


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"-"9" or "X") for the first 17 digits of a number."""
    if len(first17) != 17 or not _ASCII_DIGITS.issuperset(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK_CHARACTERS[total % 11]


def normalize_id_number(raw: str) -> str:
    """The canonical 18-character form of what someone typed, converting an old 15-digit number.

    Checks only the characters and the length; use `parse_id_number` to validate the region, date
    and check character.
    """
    number, _was_converted = _normalize(raw)
    return number


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an ID number as typed and return what it encodes; raise `IdNumberError` if it is invalid.

    `today` (default: the machine's local date) is the reference for refusing future birth dates; pass
    it explicitly for reproducible batch runs and tests.
    """
    number, was_converted = _normalize(raw)
    _check_region(number)
    birth_date = _check_birth_date(number[6:14], today=today if today is not None else date.today())
    _check_checksum(number)
    return IdNumber(
        number=number,
        birth_date=birth_date,
        sex="male" if int(number[16]) % 2 == 1 else "female",
        region_prefix=number[:6],
        was_converted_from_15=was_converted,
    )


def is_valid_id_number(raw: str | None, *, today: date | None = None) -> bool:
    """Whether `parse_id_number` would accept the number; False for a missing value (None) too."""
    if not isinstance(raw, str):
        return False
    try:
        parse_id_number(raw, today=today)
    except IdNumberError:
        return False
    return True


def id_key(number: str | None) -> int | None:
    """The join key of a canonical 18-character number: its first 17 digits as an integer (the check character
    follows from them). Monitoring matches feed records to persons on it (ADR 0006); the same definition in SQL
    is `monitoring.indicators.id_key`, and the synthetic generator computes it from the digits it draws."""
    head = (number or "")[:17]
    return int(head) if len(head) == 17 and head.isdigit() else None


def make_id_number(*, region6: str, birth_date: date, sequence: int) -> str:
    """A valid 18-character number, for synthetic data and tests.

    The sex is the parity of the sequence's last digit (odd: male). The result is accepted by
    `parse_id_number` whenever `today` is on or after `birth_date`.
    """
    if len(region6) != 6 or not _ASCII_DIGITS.issuperset(region6) or region6[:2] not in PROVINCE_CODES:
        raise ValueError(f"region6 must be 6 digits starting with a province code, got {region6!r}")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValueError(f"birth_date must not be before {EARLIEST_BIRTH_DATE.isoformat()}, got {birth_date}")
    # bool is an int subclass; True as a sequence number is surely a mistake.
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be an int from 0 to 999, got {sequence!r}")
    first17 = f"{region6}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def _normalize(raw: str) -> tuple[str, bool]:
    """The canonical 18 characters, and whether they were converted from an old 15-digit number."""
    if not isinstance(raw, str):
        # Spreadsheet cells holding ID numbers as numbers have often lost digits already (1.10105E+17);
        # the importer must decide what to do with them, not us.
        raise TypeError(f"an ID number must be given as str, not {type(raw).__name__}")
    text = _strip_separators(raw).translate(_LOOKALIKES)
    if not text:
        raise IdNumberError(IdNumberErrorCode.EMPTY)
    _check_characters(text)
    if len(text) not in (15, 18):
        raise IdNumberError(IdNumberErrorCode.BAD_LENGTH, length=len(text))
    if "X" in text[:-1] or (len(text) == 15 and text.endswith("X")):
        raise IdNumberError(IdNumberErrorCode.MISPLACED_X)
    if len(text) == 15:
        return _convert_from_15(text), True
    return text, False


def _strip_separators(raw: str) -> str:
    return "".join(ch for ch in raw if not ch.isspace() and ch not in _SEPARATORS)


def _check_characters(text: str) -> None:
    """Refuse anything but ASCII digits and X, naming the offending characters once each, in order."""
    bad = [ch for ch in dict.fromkeys(text) if ch not in _ASCII_DIGITS and ch != "X"]
    if bad:
        raise IdNumberError(IdNumberErrorCode.BAD_CHARACTERS, characters=" ".join(_visible(ch) for ch in bad))


def _visible(ch: str) -> str:
    """A character as it can be shown in a message: invisible ones by their code point."""
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def _convert_from_15(text: str) -> str:
    """Insert the century 19 (all 15-digit numbers predate 2000) and append the check character."""
    first17 = f"{text[:6]}19{text[6:]}"
    return first17 + check_digit(first17)


def _check_region(number: str) -> None:
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError(IdNumberErrorCode.BAD_REGION, region=number[:2])


def _check_birth_date(digits: str, *, today: date) -> date:
    """The birth date of an 8-digit YYYYMMDD field, which must be a real, plausible, past date."""
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise IdNumberError(IdNumberErrorCode.BAD_BIRTH_DATE, birth_date=digits) from None
    if birth_date < EARLIEST_BIRTH_DATE:
        raise IdNumberError(
            IdNumberErrorCode.EARLY_BIRTH_DATE, birth_date=digits, earliest=f"{EARLIEST_BIRTH_DATE:%Y%m%d}"
        )
    if birth_date > today:
        raise IdNumberError(IdNumberErrorCode.FUTURE_BIRTH_DATE, birth_date=digits)
    return birth_date


def _check_checksum(number: str) -> None:
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(IdNumberErrorCode.BAD_CHECKSUM, actual=number[17], expected=expected)
