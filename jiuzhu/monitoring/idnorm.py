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


def id_number_layers(raw: str, *, today: date) -> list[dict[str, str]]:
    """SQL expressions over `raw` (the delivered text, NULL when blank), in dependency order: each dict is one
    SELECT layer that reads the names of the earlier ones. The outputs:

    - `id_tidy`: the tidied text (NULL when blank);
    - `id_code`: NULL when the number is usable (or blank), else one of `ID_CODES`;
    - `id_number`: the canonical 18 characters when usable, else NULL;
    - `id_birth_date`, `id_sex`: what a usable number says (NULL otherwise).
    """
    provinces = ", ".join(_sql_string(code) for code in sorted(PROVINCE_CODES))
    # Most numbers are already clean: only the others pay for the (slow) character translation.
    slow = (f"nullif(regexp_replace(translate(regexp_replace({raw}, '^''+', ''), {_sql_string(_FULL_WIDTH)}, "
            f"{_sql_string(_ASCII)}), '{_NOISE}', '', 'g'), '')")
    tidy = f"CASE WHEN regexp_full_match({raw}, '[0-9]{{17}}[0-9X]') THEN {raw} ELSE {slow} END"
    # The check character from the digits as one integer (integer arithmetic is much faster than 17 substrings).
    weighted = " + ".join(f"((id_n // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(_WEIGHTS))
    return [
        {"id_tidy": tidy},
        # The 17 digits that carry the information (NULL unless the number is 15 digits or 17 digits + check).
        {"id_first17": ("CASE WHEN regexp_full_match(id_tidy, '[0-9]{17}[0-9X]') THEN substr(id_tidy, 1, 17) "
                        "WHEN regexp_full_match(id_tidy, '[0-9]{15}') "
                        "THEN substr(id_tidy, 1, 6) || '19' || substr(id_tidy, 7, 9) END")},
        {"id_n": "CAST(id_first17 AS BIGINT)",
         "id_birth": "try_strptime(substr(id_first17, 7, 8), '%Y%m%d')::DATE"},
        {"id_check": f"substr('10X98765432', (({weighted}) % 11)::INTEGER + 1, 1)"},
        {"id_code": (
            # The usual case first, so that clean numbers skip the diagnosis below.
            f"CASE WHEN id_tidy IS NULL OR (id_first17 IS NOT NULL AND substr(id_first17, 1, 2) IN ({provinces}) "
            f"AND id_birth BETWEEN DATE '{EARLIEST_BIRTH_DATE.isoformat()}' AND DATE '{today.isoformat()}' "
            "AND (length(id_tidy) = 15 OR substr(id_tidy, 18, 1) = id_check)) THEN NULL "
            "WHEN regexp_full_match(id_tidy, '[0-9](\\.[0-9]+)?[eE]\\+?[0-9]+') THEN 'id_number.lost_digits' "
            "WHEN NOT regexp_full_match(id_tidy, '[0-9X]+') THEN 'id_number.bad_characters' "
            "WHEN length(id_tidy) NOT IN (15, 18) THEN 'id_number.bad_length' "
            "WHEN id_first17 IS NULL THEN 'id_number.misplaced_x' "
            f"WHEN substr(id_first17, 1, 2) NOT IN ({provinces}) THEN 'id_number.bad_region' "
            "WHEN id_birth IS NULL THEN 'id_number.bad_birth_date' "
            f"WHEN id_birth < DATE '{EARLIEST_BIRTH_DATE.isoformat()}' THEN 'id_number.early_birth_date' "
            f"WHEN id_birth > DATE '{today.isoformat()}' THEN 'id_number.future_birth_date' "
            "WHEN length(id_tidy) = 18 AND substr(id_tidy, 18, 1) <> id_check THEN 'id_number.bad_checksum' "
            "END")},
        {"id_number": "CASE WHEN id_tidy IS NOT NULL AND id_code IS NULL THEN id_first17 || id_check END"},
        {"id_birth_date": "CASE WHEN id_number IS NOT NULL THEN id_birth END",
         "id_sex": "CASE WHEN id_number IS NULL THEN NULL WHEN id_n % 2 = 1 THEN 'male' ELSE 'female' END"},
    ]
