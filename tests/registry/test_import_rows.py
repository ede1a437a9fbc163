"""An import file with bad rows imports the good rows and reports every bad cell: row, column, reason.

Row numbers are those Excel shows: the header is row 1, the first data row is row 2.
"""
from datetime import date

import pytest

from jiuzhu.core.idnumber import IdNumberError, IdNumberErrorCode
from jiuzhu.registry.imports import household_import
from jiuzhu.registry.models import Household, IncomeItem, Person
from tests.registry.conftest import errors_of, household_rows, make_file, pid

pytestmark = pytest.mark.usefixtures("english")

HEAD = pid(date(1960, 5, 17), 11)  # a man
WIFE = pid(date(1962, 8, 1), 22)  # a woman
SON = pid(date(1990, 1, 2), 31)
OTHER_HEAD = pid(date(1955, 3, 3), 41)
OTHER_MEMBER = pid(date(1980, 7, 7), 52)


def good_household() -> list[dict]:
    """Rows 2 and 3 of every file below: a valid household that must be imported whatever follows."""
    return household_rows(HEAD, members=[{"id_number": WIFE, "name": "李秀英", "relation": "配偶"}])


def run(clerk, rows, kind="csv"):
    return household_import(actor=clerk, file_name=f"households.{kind}", data=make_file(rows, kind))


def assert_good_household_imported():
    household = Household.objects.get(head__id_number=HEAD)
    assert sorted(household.members.values_list("id_number", flat=True)) == sorted([HEAD, WIFE])


def test_a_valid_household_is_imported_with_values_derived_from_the_id_number(clerk, tree):
    batch = run(clerk, good_household())

    assert batch.errors == []
    assert (batch.rows_total, batch.households_created, batch.persons_created) == (2, 1, 2)
    household = Household.objects.get(head__id_number=HEAD)
    assert (household.region_id, household.address, household.hukou, household.status) == (
        tree.village_a1.code, "东风社区1号", "rural", "active",
    )
    wife = Person.objects.get(id_number=WIFE)
    assert (wife.sex, wife.birth_date, wife.relation, wife.hukou) == ("female", date(1962, 8, 1), "spouse", "rural")
    assert household.head.relation == "head"


# One bad row after the good household (rows 2–3): (what is wrong, the row, column and code expected).
BAD_ROWS = [
    pytest.param(
        household_rows(OTHER_HEAD, id_number=OTHER_HEAD[:-1] + ("0" if OTHER_HEAD[-1] != "0" else "1"),
                       head_id_number=OTHER_HEAD[:-1] + ("0" if OTHER_HEAD[-1] != "0" else "1")),
        [(4, "head_id_number", "id_number.bad_checksum"), (4, "id_number", "id_number.bad_checksum")],
        id="invalid ID number",
    ),
    pytest.param(household_rows(OTHER_HEAD, region="370402009009"), [(4, "region_code", "unknown_region")],
                 id="unknown region code"),
    pytest.param(household_rows(OTHER_HEAD, region="37040200100"), [(4, "region_code", "bad_region_code")],
                 id="region code of 11 digits"),
    pytest.param(household_rows(OTHER_HEAD, region="370402002001"), [(4, "region_code", "region_out_of_scope")],
                 id="region of another township"),
    pytest.param(household_rows(OTHER_HEAD, income_wage="-100"), [(4, "income_wage", "negative_amount")],
                 id="negative amount"),
    pytest.param(household_rows(OTHER_HEAD, deposits="12.345"), [(4, "deposits", "too_many_decimals")],
                 id="amount below the fen"),
    pytest.param(household_rows(OTHER_HEAD, deposits="lots"), [(4, "deposits", "bad_amount")], id="not an amount"),
    pytest.param(household_rows(OTHER_HEAD, birth_date="17.05.1955"), [(4, "birth_date", "bad_date")],
                 id="bad date"),
    pytest.param(household_rows(OTHER_HEAD, birth_date="1955-03-04"), [(4, "birth_date", "birth_date_mismatch")],
                 id="birth date disagrees with the ID number"),
    pytest.param(household_rows(OTHER_HEAD, sex="女"), [(4, "sex", "sex_mismatch")],
                 id="sex disagrees with the ID number"),
    pytest.param(household_rows(OTHER_HEAD, hukou="城里"), [(4, "hukou", "unknown_choice")],
                 id="unknown choice value"),
    pytest.param(household_rows(OTHER_HEAD, serious_illness="maybe"), [(4, "serious_illness", "bad_boolean")],
                 id="not yes or no"),
    pytest.param(household_rows(OTHER_HEAD, disability_type="肢体残疾", disability_grade="五级"),
                 [(4, "disability_grade", "bad_grade")], id="disability grade 5"),
    pytest.param(household_rows(OTHER_HEAD, disability_type="肢体残疾"),
                 [(4, "disability_grade", "disability_incomplete")], id="disability without grade"),
    pytest.param(household_rows(OTHER_HEAD, death_date="2199-01-01"), [(4, "death_date", "future_date")],
                 id="date in the future"),
    pytest.param(household_rows(OTHER_HEAD, death_date="1950-01-01"), [(4, "death_date", "death_before_birth")],
                 id="death before birth"),
    pytest.param(household_rows(OTHER_HEAD, name="张" * 51), [(4, "name", "too_long")], id="name too long"),
    pytest.param(household_rows(OTHER_HEAD, name=""), [(4, "name", "required")], id="name missing"),
    pytest.param(household_rows(OTHER_HEAD, phone="call me"), [(4, "phone", "bad_phone")], id="bad phone"),
    pytest.param(household_rows(OTHER_HEAD, relation="子女"), [(4, "relation", "head_relation")],
                 id="head's row not marked head"),
    pytest.param(household_rows(OTHER_HEAD, address=""), [(4, "address", "required_new_household")],
                 id="new household without address"),
    pytest.param(household_rows(OTHER_HEAD, hukou=""), [(4, "hukou", "required_new_household")],
                 id="new household without hukou"),
    pytest.param(household_rows(OTHER_HEAD, dwelling_count="0", dwelling_value="1000"),
                 [(4, "dwelling_value", "dwelling_value_without_dwelling")], id="dwelling value without dwelling"),
    pytest.param(household_rows(OTHER_HEAD, dwelling_count="1.5"), [(4, "dwelling_count", "bad_count")],
                 id="dwelling count not whole"),
]


@pytest.mark.parametrize(("bad_rows", "expected"), BAD_ROWS)
def test_each_kind_of_bad_cell_is_reported_and_its_row_not_imported(clerk, tree, bad_rows, expected):
    batch = run(clerk, good_household() + bad_rows)

    assert errors_of(batch) == expected
    assert (batch.rows_total, batch.rows_rejected, batch.persons_created) == (3, 1, 2)
    assert_good_household_imported()
    assert not Person.objects.filter(id_number=OTHER_HEAD).exists()
    assert Household.objects.count() == 1
    for entry in batch.errors:
        assert entry["reason"] and entry["header"]


def test_the_reason_for_an_invalid_id_number_is_the_id_number_check_message(clerk, tree):
    wrong = HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1")
    batch = run(clerk, household_rows(OTHER_HEAD, members=[{"id_number": wrong, "name": "王五", "relation": "子女"}]))

    (entry,) = batch.errors
    assert (entry["row"], entry["header"], entry["value"]) == (3, "身份证号", wrong)
    expected = IdNumberError(IdNumberErrorCode.BAD_CHECKSUM, actual=wrong[-1], expected=HEAD[-1]).message
    assert entry["reason"] == expected


def test_an_unknown_choice_lists_the_allowed_values_with_their_chinese_words(clerk, tree):
    batch = run(clerk, household_rows(OTHER_HEAD, hukou="城里"))

    (entry,) = batch.errors
    assert entry["reason"] == "Unknown value. Allowed values: 城镇 (urban)、农村 (rural)."
    assert entry["value"] == "城里"


def test_a_region_outside_the_users_township_is_refused_with_a_clear_reason(clerk, tree):
    batch = run(clerk, household_rows(OTHER_HEAD, region=tree.village_b1.code))

    (entry,) = batch.errors
    assert entry["reason"] == (
        "The region 370402002001 is outside your area; you can import only households of your own area."
    )


def test_choice_columns_accept_chinese_words_code_values_and_english_labels(clerk, tree):
    rows = household_rows(
        HEAD, hukou="rural", sex="male", labour_capacity="Partly lost labour capacity",
        members=[
            {"id_number": WIFE, "name": "李秀英", "relation": "spouse", "hukou": "Urban", "employment": "务农"},
            {"id_number": SON, "name": "张小明", "relation": "儿子", "student_stage": "本科",
             "self_care_failed_activities": "洗澡、如厕"},
        ],
    )
    batch = run(clerk, rows)

    assert batch.errors == []
    head, wife, son = (Person.objects.get(id_number=n) for n in (HEAD, WIFE, SON))
    assert (head.labour_capacity, head.hukou) == ("partial", "rural")
    assert (wife.relation, wife.hukou, wife.employment) == ("spouse", "urban", "farming")
    assert (son.relation, son.student_stage) == ("child", "undergraduate")
    # Stored in the order of the six activities, whatever the order typed.
    assert son.self_care_failed_activities == ["toileting", "bathing"]


def test_the_same_id_number_twice_rejects_both_rows(clerk, tree):
    rows = good_household() + household_rows(
        OTHER_HEAD, members=[
            {"id_number": OTHER_MEMBER, "name": "赵六", "relation": "子女"},
            {"id_number": OTHER_MEMBER, "name": "赵六", "relation": "子女"},
        ],
    )
    batch = run(clerk, rows)

    assert errors_of(batch) == [(5, "id_number", "duplicate_id"), (6, "id_number", "duplicate_id")]
    assert batch.errors[0]["params"] == {"rows": "6"}
    assert Person.objects.filter(id_number=OTHER_HEAD).exists()
    assert not Person.objects.filter(id_number=OTHER_MEMBER).exists()


def test_a_member_whose_head_row_is_missing_is_rejected(clerk, tree):
    rows = good_household() + [
        {"head_id_number": OTHER_HEAD, "id_number": OTHER_MEMBER, "name": "赵六", "relation": "子女", "hukou": "农村"}
    ]
    batch = run(clerk, rows)

    assert errors_of(batch) == [(4, "head_id_number", "head_row_missing")]
    assert batch.errors[0]["reason"] == f"There is no row for the head (ID number {OTHER_HEAD}) in this file."
    assert not Person.objects.filter(id_number=OTHER_MEMBER).exists()


def test_a_household_whose_head_row_is_invalid_is_skipped_as_a_whole(clerk, tree):
    rows = good_household() + household_rows(
        OTHER_HEAD, region="370402009009",
        members=[{"id_number": OTHER_MEMBER, "name": "赵六", "relation": "子女"}],
    )
    batch = run(clerk, rows)

    assert errors_of(batch) == [(4, "region_code", "unknown_region"), (5, "head_id_number", "head_row_invalid")]
    assert batch.errors[1]["reason"] == "The head's row (row 4) is invalid, so this member is not imported."
    assert not Person.objects.filter(id_number__in=[OTHER_HEAD, OTHER_MEMBER]).exists()
    assert_good_household_imported()


def test_an_invalid_member_row_does_not_stop_the_rest_of_its_household(clerk, tree):
    rows = household_rows(
        HEAD, members=[
            {"id_number": WIFE, "name": "李秀英", "relation": "配偶", "birth_date": "1999-01-01"},
            {"id_number": SON, "name": "张小明", "relation": "子女"},
        ],
    )
    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "birth_date", "birth_date_mismatch")]
    assert (batch.persons_created, batch.rows_rejected) == (2, 1)
    household = Household.objects.get(head__id_number=HEAD)
    assert sorted(household.members.values_list("id_number", flat=True)) == sorted([HEAD, SON])


def test_a_member_row_may_not_claim_to_be_the_head(clerk, tree):
    rows = household_rows(HEAD, members=[{"id_number": WIFE, "name": "李秀英", "relation": "户主"}])
    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "relation", "member_relation_head")]


def test_a_new_member_needs_a_relation(clerk, tree):
    rows = household_rows(HEAD, members=[{"id_number": WIFE, "name": "李秀英"}])
    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "relation", "required_new_person")]


def test_household_columns_on_a_member_row_must_agree_with_the_head_row(clerk, tree):
    rows = household_rows(
        HEAD, members=[
            {"id_number": WIFE, "name": "李秀英", "relation": "配偶", "address": "东风社区1号",
             "region_code": "370402001001"},
            {"id_number": SON, "name": "张小明", "relation": "子女", "address": "西王庄村8号"},
        ],
    )
    batch = run(clerk, rows)

    assert errors_of(batch) == [(4, "address", "conflict")]
    assert batch.errors[0]["reason"] == (
        "Household columns are read from the head's row (row 2), which has 东风社区1号 here."
    )
    assert Person.objects.filter(id_number=WIFE).exists()
    assert not Person.objects.filter(id_number=SON).exists()


def test_an_id_number_or_name_missing_is_reported(clerk, tree):
    rows = good_household() + [{"head_id_number": HEAD, "id_number": "", "name": "无名", "relation": "子女"}]
    batch = run(clerk, rows)

    assert errors_of(batch) == [(4, "id_number", "required")]


def test_income_columns_create_one_item_per_kind_for_the_person(clerk, tree):
    rows = household_rows(
        HEAD, income_pension_base="150", members=[
            {"id_number": WIFE, "name": "李秀英", "relation": "配偶", "income_wage": "2,100.50",
             "income_disability_allowance": "90"},
        ],
    )
    batch = run(clerk, rows)

    assert batch.errors == []
    items = {(i.person.id_number, i.kind): i.monthly_amount for i in IncomeItem.objects.select_related("person")}
    assert {k: str(v) for k, v in items.items()} == {
        (HEAD, "pension_base"): "150.00",
        (WIFE, "wage"): "2100.50",
        (WIFE, "disability_allowance"): "90.00",
    }
