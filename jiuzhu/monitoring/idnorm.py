"""ID numbers of department records, normalised and checked in SQL (DuckDB), a whole column at a time.

The same policy as `jiuzhu.core.idnumber` (GB 11643), written as SQL expressions so that a 10-million-row feed
is checked without a Python call per row:

- tidy: trim, drop inner spaces (ideographic and no-break ones too), zero-width characters, hyphens and a
  leading apostrophe (Excel's "text" marker); full-width digits and letters, the Roman numeral Ⅹ and a
  lower-case x become ASCII;
- an old 15-digit number becomes 18 characters: "19" inserted before the birth year, check character appended;
- checked: characters, length, the place of X, the province, the birth date (a real date, not before
  `EARLIEST_BIRTH_DATE`, not after the reference date), the ISO 7064 MOD 11-2 check character.

`id_number_layers` returns the expressions; `test_intake.py` checks that they agree with `parse_id_number`.
"""
from __future__ import annotations

from datetime import date

from jiuzhu.core.idnumber import EARLIEST_BIRTH_DATE, PROVINCE_CODES

# Why an ID number is unusable, as stable codes (prefix "id_number." + the code of core.idnumber where there
# is one). A number that Excel stored as a number (1.10105E+17) has lost its last digits: "lost_digits".
ID_CODES = (
    "id_number.lost_digits",
    "id_number.bad_characters",
    "id_number.bad_length",
    "id_number.misplaced_x",
    "id_number.bad_region",
    "id_number.bad_birth_date",
    "id_number.early_birth_date",
    "id_number.future_birth_date",
    "id_number.bad_checksum",
)

_FULL_WIDTH = "".join(chr(0xFF10 + n) for n in range(10)) + "xＸｘⅩⅹ"
_ASCII = "0123456789" + "XXXXX"
# Removed wherever they are: every kind of space, zero-width characters, the hyphen and dash family.
_NOISE = r"[\s\x{3000}\x{00a0}\x{2002}-\x{200d}\x{2060}\x{feff}\-\x{2010}-\x{2015}\x{2212}\x{fe63}\x{ff0d}]"
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _floor(half: str, power: int) -> str:
    """floor(half / 10^power) as SQL, written the same way everywhere so that DuckDB computes it once."""
    return f"floor({half} / {10 ** power}.0)" if power else half


def id_number_layers(raw: str, *, today: date, canonical: str | None = None) -> list[dict[str, str]]:
    """SQL expressions over `raw` (the delivered text, NULL when blank), in dependency order: each dict is one
    SELECT layer that reads the names of the earlier ones. `canonical` may name a boolean column already known
    to say whether `raw` is 17 digits and a digit or X (saves testing it again). The outputs:

    - `id_tidy`: the tidied text (NULL when blank);
    - `id_code`: NULL when the number is usable (or blank), else one of `ID_CODES`;
    - `id_number`: the canonical 18 characters when usable, else NULL;
    - `id_birth_date`, `id_sex`: what a usable number says (NULL otherwise).
    """
    provinces = ", ".join(str(int(code)) for code in sorted(PROVINCE_CODES))
    # Most numbers are already clean: only the others pay for the (slow) character translation.
    slow = (f"nullif(regexp_replace(translate(regexp_replace({raw}, '^''+', ''), {_sql_string(_FULL_WIDTH)}, "
            f"{_sql_string(_ASCII)}), '{_NOISE}', '', 'g'), '')")
    clean = canonical or f"regexp_full_match({raw}, '[0-9]{{17}}[0-9X]')"
    # The commonest departures next: an old 15-digit number, a lower-case x.
    tidy = (f"CASE WHEN {clean} THEN {raw} WHEN regexp_full_match({raw}, '[0-9]{{15}}|[0-9]{{17}}[0-9Xx]') "
            f"THEN upper({raw}) ELSE {slow} END")
    # Everything below is arithmetic on the 17 digits as two numbers, id_hi = RRRRRRYY and id_lo = YYMMDDSSS:
    # much cheaper per row than substrings, date parsing or string comparisons. They are doubles (exact below
    # 2^53) because floating-point division costs a fraction of 64-bit integer division.
    halves = {"id_hi": "(id_n // 1000000000)::DOUBLE", "id_lo": "(id_n % 1000000000)::DOUBLE"}
    # The weighted sum of the digits: digit k of a half is floor(half / 10^k) - 10 * floor(half / 10^(k+1)), so
    # the sum is a sum of those floors, each with one weight (telescoped: half the operations).
    weights: dict[tuple[str, int], int] = {}
    for half, count, first in (("id_hi", 8, 0), ("id_lo", 9, 8)):
        for j in range(count):
            power = count - 1 - j
            weights[half, power] = weights.get((half, power), 0) + _WEIGHTS[first + j]
            weights[half, power + 1] = weights.get((half, power + 1), 0) - 10 * _WEIGHTS[first + j]
    terms = [f"{_floor(half, power)} * {weight}" for (half, power), weight in weights.items() if weight]
    weighted = f"({' + '.join(terms)})::BIGINT"
    earliest, latest = EARLIEST_BIRTH_DATE.isoformat(), today.isoformat()
    return [
        {"id_tidy": tidy},
        # The 17 digits that carry the information (NULL unless the number is 15 digits or 17 digits + check).
        {"id_first17": (f"CASE WHEN {clean} THEN substr(id_tidy, 1, 17) "
                        "WHEN regexp_full_match(id_tidy, '[0-9]{17}[0-9X]') THEN substr(id_tidy, 1, 17) "
                        "WHEN regexp_full_match(id_tidy, '[0-9]{15}') "
                        "THEN substr(id_tidy, 1, 6) || '19' || substr(id_tidy, 7, 9) END")},
        {"id_n": "CAST(id_first17 AS BIGINT)"},
        halves,
        # No remainders of doubles (fmod is slow): the same floors as the weighted sum.
        {"id_year": f"((id_hi - 100 * {_floor('id_hi', 2)}) * 100 + {_floor('id_lo', 7)})::INTEGER",
         "id_month": f"({_floor('id_lo', 5)} - 100 * {_floor('id_lo', 7)})::INTEGER",
         "id_day": f"({_floor('id_lo', 3)} - 100 * {_floor('id_lo', 5)})::INTEGER",
         "id_province": f"{_floor('id_hi', 6)}::INTEGER",
         # The check character's value (X = 10) by ISO 7064 MOD 11-2, and the one delivered.
         "id_check_value": f"(12 - ({weighted}) % 11) % 11",
         "id_given_check": ("CASE WHEN strlen(id_tidy) <> 18 THEN NULL WHEN ends_with(id_tidy, 'X') THEN 10 "
                            "ELSE ascii(substr(id_tidy, 18, 1)) - 48 END")},
        # The first of the month plus the day: a day the month does not have spills into the next month.
        {"id_date": ("CASE WHEN id_month BETWEEN 1 AND 12 AND id_day BETWEEN 1 AND 31 AND id_year > 0 "
                     "THEN make_date(id_year, id_month, 1) + (id_day - 1) END")},
        {"id_birth": "CASE WHEN month(id_date) = id_month THEN id_date END"},
        {"id_code": (
            # The usual case first, so that clean numbers skip the diagnosis below.
            f"CASE WHEN id_tidy IS NULL OR (id_first17 IS NOT NULL AND id_province IN ({provinces}) "
            f"AND id_birth BETWEEN DATE '{earliest}' AND DATE '{latest}' "
            "AND (strlen(id_tidy) = 15 OR id_given_check = id_check_value)) THEN NULL "
            "WHEN regexp_full_match(id_tidy, '[0-9](\\.[0-9]+)?[eE]\\+?[0-9]+') THEN 'id_number.lost_digits' "
            "WHEN NOT regexp_full_match(id_tidy, '[0-9X]+') THEN 'id_number.bad_characters' "
            "WHEN length(id_tidy) NOT IN (15, 18) THEN 'id_number.bad_length' "
            "WHEN id_first17 IS NULL THEN 'id_number.misplaced_x' "
            f"WHEN id_province NOT IN ({provinces}) THEN 'id_number.bad_region' "
            "WHEN id_birth IS NULL THEN 'id_number.bad_birth_date' "
            f"WHEN id_birth < DATE '{earliest}' THEN 'id_number.early_birth_date' "
            f"WHEN id_birth > DATE '{latest}' THEN 'id_number.future_birth_date' "
            "WHEN id_given_check <> id_check_value THEN 'id_number.bad_checksum' "
            "END")},
        {"id_number": ("CASE WHEN id_tidy IS NULL OR id_code IS NOT NULL THEN NULL "
                       "WHEN strlen(id_tidy) = 18 THEN id_tidy "
                       "ELSE id_first17 || CASE WHEN id_check_value = 10 THEN 'X' "
                       "ELSE id_check_value::VARCHAR END END")},
        {"id_birth_date": "CASE WHEN id_number IS NOT NULL THEN id_birth END",
         "id_sex": "CASE WHEN id_number IS NULL THEN NULL WHEN (id_n & 1) = 1 THEN 'male' ELSE 'female' END"},
    ]
