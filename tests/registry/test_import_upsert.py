"""Importing is an upsert by ID number: the same file twice changes nothing; a changed cell changes one field.

What changes is recorded in the history with the importer as user and "import <file name>" as reason.
"""
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.registry.imports import household_import
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense
from tests.registry.conftest import errors_of, household_rows, make_file, pid

pytestmark = pytest.mark.usefixtures("english")

HEAD = pid(date(1960, 5, 17), 11)
WIFE = pid(date(1962, 8, 1), 22)
SON = pid(date(1990, 1, 2), 31)
OTHER_HEAD = pid(date(1955, 3, 3), 41)

HISTORIES = (Household, Person, IncomeItem, Asset, RigidExpense)


def family(**changes) -> list[dict]:
    """A household with every kind of column filled in; `changes` edits the wife's row."""
    rows = household_rows(
        HEAD, phone="13800000000", labour_capacity="部分丧失劳动能力", disability_type="肢体残疾",
        disability_grade="二级", bank_name="枣庄农村商业银行", bank_account="6200 0000 0000 1234",
        income_pension_base="150", deposits="8000", dwelling_count="1", dwelling_value="120000",
        rigid_medical="6500", business_value="20000", business_profit="-1500.50",
        members=[
            {"id_number": WIFE, "name": "李秀英", "relation": "配偶", "income_wage": "1800", "phone": "13900000000"},
            {"id_number": SON, "name": "张小明", "relation": "子女", "student_stage": "本科"},
        ],
    )
    rows[1].update(changes)
    return rows


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in HISTORIES}


def run(user, rows, name="户籍.csv"):
    return household_import(actor=user, file_name=name, data=make_file(rows))


def test_importing_the_same_file_twice_changes_nothing(clerk, tree):
    first = run(clerk, family())
    assert (first.households_created, first.persons_created, first.errors) == (1, 3, [])
    household = Household.objects.get()
    updated_at = household.updated_at
    persons_before = list(Person.objects.order_by("id").values())
    histories = history_counts()

    second = run(clerk, family())

    assert (second.rows_total, second.rows_unchanged) == (3, 3)
    assert (second.households_created, second.households_updated, second.persons_created, second.persons_updated,
            second.rows_rejected) == (0, 0, 0, 0, 0)
    assert history_counts() == histories
    household.refresh_from_db()
    assert household.updated_at == updated_at
    assert list(Person.objects.order_by("id").values()) == persons_before


def test_a_changed_cell_creates_exactly_one_history_diff(clerk, tree):
    run(clerk, family())
    histories = history_counts()

    batch = run(clerk, family(phone="13911112222"), name="户籍-第二版.csv")

    assert (batch.persons_updated, batch.rows_unchanged, batch.households_updated) == (1, 2, 1)
    assert history_counts() == {**histories, "Person": histories["Person"] + 1}
    wife = Person.objects.get(id_number=WIFE)
    latest = wife.history.latest()
    diff = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in diff.changes] == [("phone", "13900000000", "13911112222")]
    assert latest.history_user == clerk
    assert latest.history_change_reason == "import 户籍-第二版.csv"


def test_the_first_import_records_the_importer_in_the_history(clerk, tree):
    run(clerk, family())

    household = Household.objects.get()
    (record,) = household.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", clerk, "import 户籍.csv")
    assert record.head_id == Person.objects.get(id_number=HEAD).pk
    assert {r.history_user for r in Person.history.all()} == {clerk}


def test_household_columns_and_amounts_are_imported_from_the_head_row(clerk, tree):
    run(clerk, family())

    household = Household.objects.get()
    assert (household.bank_name, household.bank_account) == ("枣庄农村商业银行", "6200000000001234")
    assets = {(a.kind, a.value, a.annual_profit) for a in household.assets.all()}
    assert assets == {
        ("deposit", Decimal("8000.00"), None),
        ("dwelling", Decimal("120000.00"), None),
        ("business", Decimal("20000.00"), Decimal("-1500.50")),
    }
    assert [(r.kind, r.amount_12m) for r in household.rigid_expenses.all()] == [("medical", Decimal("6500.00"))]
    head = household.head
    assert (head.disability_type, head.disability_grade, head.labour_capacity) == ("physical", 2, "partial")


def test_blank_cells_leave_recorded_values_alone_and_a_short_file_updates_only_its_columns(clerk, tree):
    run(clerk, family())
    short = [
        {"head_id_number": HEAD, "id_number": HEAD, "name": "张建国"},
        {"head_id_number": HEAD, "id_number": WIFE, "name": "李秀英", "phone": "13911112222"},
    ]

    batch = run(clerk, short)

    assert (batch.persons_updated, batch.rows_unchanged, batch.errors) == (1, 1, [])
    head = Person.objects.get(id_number=HEAD)
    assert (head.phone, head.disability_grade, head.household.bank_name) == ("13800000000", 2, "枣庄农村商业银行")
    assert Person.objects.get(id_number=WIFE).phone == "13911112222"
    assert Person.objects.get(id_number=SON).household == head.household


def test_an_amount_replaces_the_recorded_total_and_zero_removes_it(clerk, tree):
    run(clerk, family())
    wife_income = IncomeItem.objects.get(person__id_number=WIFE)

    run(clerk, family(income_wage="2000"))
    wife_income.refresh_from_db()
    assert wife_income.monthly_amount == Decimal("2000.00")
    assert wife_income.history.count() == 2

    batch = run(clerk, family(income_wage="0"))
    assert batch.persons_updated == 1
    assert not IncomeItem.objects.filter(person__id_number=WIFE).exists()
    assert IncomeItem.history.filter(id=wife_income.pk).latest().history_type == "-"


def test_several_recorded_items_of_a_kind_count_as_their_total(clerk, tree, make_household):
    household = make_household(tree.village_a1, members=[{"id_number": HEAD}])
    household.assets.create(kind="deposit", value=Decimal("3000"), description="工商银行")
    household.assets.create(kind="deposit", value=Decimal("5000"), description="农业银行")

    batch = run(clerk, [{"head_id_number": HEAD, "id_number": HEAD, "name": "张建国", "deposits": "8000"}])

    assert (batch.rows_unchanged, batch.errors) == (1, [])
    assert household.assets.count() == 2


def test_a_dwelling_count_and_value_are_shared_out_over_that_many_dwellings(clerk, tree):
    run(clerk, family(), name="a.csv")
    rows = family()
    rows[0].update(dwelling_count="3", dwelling_value="100000")

    run(clerk, rows)

    values = sorted(Asset.objects.filter(kind="dwelling").values_list("value", flat=True))
    assert values == [Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]


def test_a_person_listed_under_another_head_moves_to_that_household_with_their_income(clerk, tree):
    run(clerk, family())
    old = Household.objects.get()
    rows = household_rows(
        OTHER_HEAD, region=tree.village_a2.code, address="西王庄村8号",
        members=[{"id_number": WIFE, "name": "李秀英", "relation": "配偶"}],
    )

    batch = run(clerk, rows)

    assert (batch.households_created, batch.persons_created, batch.persons_updated) == (1, 1, 1)
    new = Household.objects.get(head__id_number=OTHER_HEAD)
    wife = Person.objects.get(id_number=WIFE)
    assert wife.household == new
    assert IncomeItem.objects.get(person=wife).household == new
    assert set(old.members.values_list("id_number", flat=True)) == {HEAD, SON}
    latest = wife.history.latest()
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["household"]


def test_a_member_named_as_the_new_head_takes_over_the_household(clerk, tree):
    run(clerk, family())
    household = Household.objects.get()
    rows = [
        {"head_id_number": SON, "id_number": SON, "name": "张小明"},
        {"head_id_number": SON, "id_number": HEAD, "name": "张建国", "relation": "父母"},
        {"head_id_number": SON, "id_number": WIFE, "name": "李秀英", "relation": "父母"},
    ]

    batch = run(clerk, rows)

    assert batch.errors == []
    assert batch.households_created == 0
    household.refresh_from_db()
    assert household.head.id_number == SON
    assert Person.objects.get(id_number=SON).relation == "head"
    assert Person.objects.get(id_number=HEAD).relation == "parent"


def test_a_member_heading_a_new_household_without_the_old_head_starts_a_new_household(clerk, tree):
    run(clerk, family())
    rows = household_rows(SON, region=tree.village_a2.code, address="西王庄村9号")

    batch = run(clerk, rows)

    assert (batch.households_created, batch.errors) == (1, [])
    old = Household.objects.get(head__id_number=HEAD)
    assert set(old.members.values_list("id_number", flat=True)) == {HEAD, WIFE}


def test_a_former_head_listed_as_a_member_needs_a_new_relation(clerk, tree):
    run(clerk, family())
    rows = [
        {"head_id_number": SON, "id_number": SON, "name": "张小明"},
        {"head_id_number": SON, "id_number": HEAD, "name": "张建国"},
    ]

    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "relation", "member_relation_head")]


def test_every_import_is_audited_with_its_counts(clerk, tree):
    batch = run(clerk, family())

    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert (entry.actor, entry.object_type, entry.object_id) == (clerk, "import_batch", str(batch.pk))
    assert entry.detail["persons_created"] == 3
    assert entry.detail["file_name"] == "户籍.csv"


def test_five_thousand_rows_import_in_seconds_without_a_query_per_row(clerk, tree, django_assert_max_num_queries):
    rows = []
    for n in range(1250):
        head = pid(date(1940, 1, 1) + timedelta(days=n), 1)
        members = [
            {"id_number": pid(date(1980, 1, 1) + timedelta(days=n), sequence), "name": "成员", "relation": "子女",
             "income_wage": "1000"}
            for sequence in (2, 3, 4)
        ]
        rows += household_rows(head, members=members, deposits="1000")
    data = make_file(rows)

    started = time.perf_counter()
    # Statements are batched (SQLite allows ~50 persons per INSERT); a query per row would be 5,000+.
    with django_assert_max_num_queries(500):
        batch = household_import(actor=clerk, file_name="big.csv", data=data)
    elapsed = time.perf_counter() - started

    assert (batch.rows_total, batch.rows_rejected, batch.persons_created) == (5000, 0, 5000)
    assert elapsed < 20, f"{elapsed:.1f} s"
    started = time.perf_counter()
    again = household_import(actor=clerk, file_name="big.csv", data=data)
    assert again.rows_unchanged == 5000
    assert time.perf_counter() - started < 20
