"""Resident ID numbers (GB 11643): validation, normalisation, derived facts, and `jiuzhu idnumber check`."""
import io
import json
import pickle
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from jiuzhu.core.idnumber import (
    EARLIEST_BIRTH_DATE,
    IdNumber,
    IdNumberError,
    IdNumberErrorCode,
    check_digit,
    id_key,
    is_valid_id_number,
    make_id_number,
    normalize_id_number,
    parse_id_number,
)

# A fixed "today" so that no test depends on the day it runs.
TODAY = date(2025, 6, 1)

# The two worked examples of GB 11643-1999. Their check characters, worked by hand with the weights
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
#   11010519491231002: 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167, 167 mod 11 = 2 -> "X"
#   44052418800101001: 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195, 195 mod 11 = 8 -> "4"
STANDARD_FEMALE = "11010519491231002X"
STANDARD_MALE = "440524188001010014"


def with_check_digit(first17: str) -> str:
    """A number whose only possible fault lies in its first 17 digits."""
    return first17 + check_digit(first17)


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


# --- Check character ---------------------------------------------------------------------------------


def test_the_check_digits_of_the_standard_examples_match_the_hand_computation():
    assert check_digit(STANDARD_FEMALE[:17]) == "X"
    assert check_digit(STANDARD_MALE[:17]) == "4"


def test_every_check_character_makes_the_weighted_sum_one_modulo_eleven():
    # The defining property of ISO 7064 MOD 11-2, with X counting as 10.
    weights = [pow(2, 17 - i, 11) for i in range(18)]
    for tail in range(0, 1000, 7):
        number = with_check_digit(f"11010519800101{tail:03d}")
        values = [10 if ch == "X" else int(ch) for ch in number]
        assert sum(v * w for v, w in zip(values, weights)) % 11 == 1


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_check_digit_refuses_anything_but_17_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


# --- Valid numbers and what they say -----------------------------------------------------------------


def test_the_standard_female_example_is_valid_and_born_1949_12_31():
    assert parse_id_number(STANDARD_FEMALE, today=TODAY) == IdNumber(
        number=STANDARD_FEMALE,
        birth_date=date(1949, 12, 31),
        sex="female",
        region_prefix="110105",
        was_converted_from_15=False,
    )


def test_the_standard_male_example_is_valid_and_born_on_the_earliest_accepted_date():
    parsed = parse_id_number(STANDARD_MALE, today=TODAY)
    assert parsed.birth_date == date(1880, 1, 1) == EARLIEST_BIRTH_DATE
    assert parsed.sex == "male"
    assert parsed.region_prefix == "440524"


def test_generated_numbers_parse_back_to_their_region_birth_date_and_sex():
    cases = [
        ("110105", date(1949, 12, 31), 2),
        ("310115", date(2000, 2, 29), 1),
        ("650102", date(1880, 1, 1), 999),
        ("810000", date(1990, 7, 1), 0),
        ("830000", date(2025, 6, 1), 557),
    ]
    for region6, birth_date, sequence in cases:
        number = make_id_number(region6=region6, birth_date=birth_date, sequence=sequence)
        parsed = parse_id_number(number, today=TODAY)
        assert (parsed.region_prefix, parsed.birth_date) == (region6, birth_date)
        assert parsed.sex == ("male" if sequence % 2 else "female")


def test_the_sex_follows_the_parity_of_the_17th_digit():
    for sequence in range(10):
        number = make_id_number(region6="370102", birth_date=date(1975, 3, 8), sequence=sequence)
        assert number[16] == str(sequence)
        assert parse_id_number(number, today=TODAY).sex == ("male" if sequence % 2 == 1 else "female")


def test_a_person_born_today_is_valid():
    number = make_id_number(region6="110105", birth_date=TODAY, sequence=1)
    assert parse_id_number(number, today=TODAY).birth_date == TODAY


def test_is_valid_id_number_answers_without_raising():
    assert is_valid_id_number(STANDARD_FEMALE, today=TODAY)
    assert not is_valid_id_number("110105194912310021", today=TODAY)
    assert not is_valid_id_number("", today=TODAY)
    assert not is_valid_id_number(None)


# --- Normalisation of what people type ---------------------------------------------------------------


def test_a_lowercase_x_is_accepted_and_uppercased():
    assert normalize_id_number("11010519491231002x") == STANDARD_FEMALE
    assert parse_id_number("11010519491231002x", today=TODAY).number == STANDARD_FEMALE


def test_full_width_digits_and_x_are_converted_to_ascii():
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == STANDARD_FEMALE
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == STANDARD_FEMALE


def test_the_roman_numeral_ten_that_input_methods_offer_for_x_is_accepted():
    assert normalize_id_number("11010519491231002Ⅹ") == STANDARD_FEMALE
    assert normalize_id_number("11010519491231002ⅹ") == STANDARD_FEMALE


def test_spaces_tabs_and_hyphens_anywhere_are_removed():
    assert normalize_id_number(" 110105 19491231 002X ") == STANDARD_FEMALE
    assert normalize_id_number("110105\t1949-12-31\t002X\n") == STANDARD_FEMALE
    assert normalize_id_number("110105－19491231　002X") == STANDARD_FEMALE  # full-width hyphen and space


def test_invisible_characters_pasted_from_web_pages_are_removed():
    assert normalize_id_number("\ufeff110105\u200b19491231002X") == STANDARD_FEMALE


def test_a_15_digit_number_is_converted_by_inserting_19_and_adding_the_check_digit():
    assert normalize_id_number("110105491231002") == STANDARD_FEMALE
    parsed = parse_id_number("110105 491231 002", today=TODAY)
    assert parsed.number == STANDARD_FEMALE
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.was_converted_from_15


def test_normalisation_does_not_check_region_date_or_check_character():
    # Stored data must round-trip through normalisation even while it is being reported as invalid.
    assert normalize_id_number("990105198013320021") == "990105198013320021"


def test_a_number_that_is_not_a_string_is_a_programming_error():
    # 18-digit numbers stored as spreadsheet numbers have usually lost digits; the importer must decide.
    with pytest.raises(TypeError):
        parse_id_number(110105194912310020)


# --- Every failure mode: its code and its message ----------------------------------------------------

FAILURES = [
    ("", IdNumberErrorCode.EMPTY, "Enter an ID number."),
    (" - \t", IdNumberErrorCode.EMPTY, "Enter an ID number."),
    (
        "11010519491231002A",
        IdNumberErrorCode.BAD_CHARACTERS,
        "An ID number may contain only digits and, as its last character, the letter X. Not allowed: A",
    ),
    (
        "1101a5B949a231002X",
        IdNumberErrorCode.BAD_CHARACTERS,
        "An ID number may contain only digits and, as its last character, the letter X. Not allowed: a B",
    ),
    (
        "110105194912310\x0702X",
        IdNumberErrorCode.BAD_CHARACTERS,
        "An ID number may contain only digits and, as its last character, the letter X. Not allowed: U+0007",
    ),
    (
        "11010519491231002",
        IdNumberErrorCode.BAD_LENGTH,
        "An ID number has 18 characters (15 digits for an old number), not 17.",
    ),
    (
        "11010519491231002X1",
        IdNumberErrorCode.BAD_LENGTH,
        "An ID number has 18 characters (15 digits for an old number), not 19.",
    ),
    (
        "1101051949123100X2",
        IdNumberErrorCode.MISPLACED_X,
        "The letter X may appear only as the last character of an 18-character ID number.",
    ),
    (
        "11010549123100X",
        IdNumberErrorCode.MISPLACED_X,
        "The letter X may appear only as the last character of an 18-character ID number.",
    ),
    (
        with_check_digit("99010519491231002"),
        IdNumberErrorCode.BAD_REGION,
        "The ID number begins with 99, which is not a province-level region code.",
    ),
    (
        with_check_digit("11010519801332002"),
        IdNumberErrorCode.BAD_BIRTH_DATE,
        "The birth date 19801332 in the ID number is not a real date.",
    ),
    (
        # 1900 is not a leap year.
        with_check_digit("11010519000229002"),
        IdNumberErrorCode.BAD_BIRTH_DATE,
        "The birth date 19000229 in the ID number is not a real date.",
    ),
    (
        "110105491301002",
        IdNumberErrorCode.BAD_BIRTH_DATE,
        "The birth date 19491301 in the ID number is not a real date.",
    ),
    (
        with_check_digit("11010518791231002"),
        IdNumberErrorCode.EARLY_BIRTH_DATE,
        "The birth date 18791231 in the ID number is before 18800101, the earliest accepted.",
    ),
    (
        with_check_digit("11010520250602002"),
        IdNumberErrorCode.FUTURE_BIRTH_DATE,
        "The birth date 20250602 in the ID number is in the future.",
    ),
    (
        "110105194912310021",
        IdNumberErrorCode.BAD_CHECKSUM,
        "The check character (the last one) of the ID number is 1, but the first 17 digits require X. "
        "Please look for a mistyped digit.",
    ),
    (
        "440524188001010015",
        IdNumberErrorCode.BAD_CHECKSUM,
        "The check character (the last one) of the ID number is 5, but the first 17 digits require 4. "
        "Please look for a mistyped digit.",
    ),
]


@pytest.mark.parametrize(("raw", "code", "message"), FAILURES)
def test_each_failure_has_its_code_and_english_message(raw, code, message):
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=TODAY)
    assert caught.value.code == code
    assert caught.value.message == message
    assert str(caught.value) == message
    assert not is_valid_id_number(raw, today=TODAY)


def test_every_error_code_is_exercised_by_the_failure_table():
    assert {code for _raw, code, _message in FAILURES} == set(IdNumberErrorCode)


def test_the_checksum_error_carries_the_expected_and_actual_characters():
    with pytest.raises(IdNumberError) as caught:
        parse_id_number("110105194912310021", today=TODAY)
    assert caught.value.params == {"actual": "1", "expected": "X"}


def test_error_codes_are_plain_strings_and_the_error_is_a_value_error():
    error = IdNumberError(IdNumberErrorCode.BAD_LENGTH, length=3)
    assert isinstance(error, ValueError)
    assert error.code == "bad_length"
    assert json.dumps({"code": error.code}) == '{"code": "bad_length"}'


def test_an_error_survives_pickling_for_worker_processes():
    error = pickle.loads(pickle.dumps(IdNumberError(IdNumberErrorCode.BAD_REGION, region="99")))
    assert (error.code, error.params) == (IdNumberErrorCode.BAD_REGION, {"region": "99"})
    assert error.message == "The ID number begins with 99, which is not a province-level region code."


def test_normalisation_errors_are_raised_by_normalize_too():
    with pytest.raises(IdNumberError) as caught:
        normalize_id_number("1101051949123100")
    assert caught.value.code == IdNumberErrorCode.BAD_LENGTH


# --- make_id_number refuses what it cannot encode ----------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region6": "990105", "birth_date": date(1980, 1, 1), "sequence": 1},
        {"region6": "11010", "birth_date": date(1980, 1, 1), "sequence": 1},
        {"region6": "110105", "birth_date": date(1879, 12, 31), "sequence": 1},
        {"region6": "110105", "birth_date": date(1980, 1, 1), "sequence": 1000},
        {"region6": "110105", "birth_date": date(1980, 1, 1), "sequence": -1},
        {"region6": "110105", "birth_date": date(1980, 1, 1), "sequence": True},
    ],
)
def test_make_id_number_refuses_values_outside_the_format(kwargs):
    with pytest.raises(ValueError):
        make_id_number(**kwargs)


# --- The `idnumber check` command --------------------------------------------------------------------


def run_check(*args, **options):
    """The JSON lines the command printed, and its exit status."""
    out = io.StringIO()
    status = 0
    try:
        call_command("idnumber", "check", *args, stdout=out, **options)
    except SystemExit as exit_:
        status = exit_.code
    return [json.loads(line) for line in out.getvalue().splitlines()], status


def test_check_prints_the_facts_of_a_valid_number_and_exits_0():
    lines, status = run_check(STANDARD_FEMALE)
    assert status == 0
    assert lines == [
        {
            "input": STANDARD_FEMALE,
            "valid": True,
            "id_number": STANDARD_FEMALE,
            "birth_date": "1949-12-31",
            "sex": "female",
            "converted_from_15": False,
        }
    ]


def test_check_prints_one_line_per_number_and_exits_1_if_any_is_invalid():
    lines, status = run_check(STANDARD_MALE, "110105194912310021", "110105491231002", lang="en")
    assert status == 1
    assert [line["valid"] for line in lines] == [True, False, True]
    assert lines[1] == {
        "input": "110105194912310021",
        "valid": False,
        "code": "bad_checksum",
        "message": "The check character (the last one) of the ID number is 1, but the first 17 digits "
        "require X. Please look for a mistyped digit.",
    }
    assert lines[2]["id_number"] == STANDARD_FEMALE
    assert lines[2]["converted_from_15"] is True


def test_check_echoes_the_input_as_typed_without_escaping_non_ascii():
    out = io.StringIO()
    call_command("idnumber", "check", "１１０１０５１９４９１２３１００２ｘ", stdout=out)
    assert '"input": "１１０１０５１９４９１２３１００２ｘ"' in out.getvalue()
    assert json.loads(out.getvalue())["id_number"] == STANDARD_FEMALE


def test_check_accepts_the_language_as_a_command_line_option():
    lines, status = run_check("--lang", "en", "")
    assert status == 1
    assert lines == [{"input": "", "valid": False, "code": "empty", "message": "Enter an ID number."}]


def test_check_refuses_an_unknown_language():
    with pytest.raises(CommandError):
        call_command("idnumber", "check", "--lang", "fr", STANDARD_FEMALE, stdout=io.StringIO())


def test_the_command_requires_a_subcommand_and_a_number():
    with pytest.raises(CommandError):
        call_command("idnumber", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("idnumber", "check", stdout=io.StringIO())


def test_id_key_is_the_first_17_digits_as_a_number_and_none_without_them():
    number = make_id_number(region6="110105", birth_date=date(1990, 1, 1), sequence=12)
    assert id_key(number) == int(number[:17])
    assert id_key(number[:17] + ("0" if number[-1] == "X" else "X")) == id_key(number)  # the check is not in it
    assert [id_key(x) for x in (None, "", "1101051990", "11010519900101a12X")] == [None, None, None, None]
